package io.kvflow.analysis.reuse;

/**
 * SHARDS with a denser sample for the small sizes: the sizes up to K blocks come from keys sampled at
 * rate R_near (1: every key, so those sizes are exact), kept in a {@link NearDistances} stack of their
 * K R_near most recent keys; the sizes above K come from fixed-rate SHARDS at rate R <= R_near (the same
 * seeded hash as {@link Shards}, so the rate-R sample is a subset of the near one).
 *
 * <p>Why. SHARDS estimates the misses of a cache of c blocks as (sampled references whose scaled
 * distance is >= c) / R (with SHARDS_adj's first-bucket correction that is exactly what its curve is).
 * Below a few thousand blocks those misses and hits belong to a few hundred hot keys, and whether each
 * is sampled is a coin flip at rate R: at R = 0.01 a cache of 1,000 blocks is a miniature of 10. The
 * error of such a key-sampled total falls as the rate rises (its variance is (1 - R) / R times the sum
 * over keys of the square of each key's misses), but a denser sample of every size costs a full stack
 * of R times the distinct keys. The small sizes only need the top of the stack: the near stack holds
 * K R_near keys, stays in cache, and the accesses beyond it are misses at K whatever their distance.
 *
 * <p>The curve. Below K: near hits at distance d / R_near weighted 1 / R_near, plus SHARDS_adj's
 * difference between the expected (N R_near) and the actual near references at distance 0 (none at
 * R_near = 1). Above K: the rate-R sampled references that missed the near stack, weighted 1 / R at
 * their SHARDS distance (at least K, since they missed K), plus at distance K the difference between
 * the near stratum's misses at K (weighted 1 / R_near) and theirs, so the two parts meet at K; with
 * R_near = 1 that difference is SHARDS_adj's correction moved from distance 0 to K, where the excess or
 * shortfall of sampled warm keys actually lies. Both parts are key-sampled totals, so their standard
 * error follows from the per-key misses of the exact analysis (HybridShardsTest checks the curves
 * against that bound).
 */
public final class HybridShards {
  private final NearDistances near;
  private final int limit;
  private final long salt;
  private final long threshold;
  private final double rate;
  private final long nearThreshold;
  private final double nearRate;
  private final ReuseDistanceAnalyzer sampledStack = new ReuseDistanceAnalyzer();
  private final DistanceHistogram far = new DistanceHistogram();
  private final DistanceHistogram nearHits = new DistanceHistogram();
  private long references;
  private long nearReferences;
  private long sampledMisses;
  private long sampledReferences;

  /**
   * @param rate SHARDS rate R in (0, 1] of the sizes above K
   * @param limit K: the sizes up to K blocks come from the near stratum
   * @param nearRate the near stratum's rate in [R, 1]: 1 makes the sizes up to K exact
   * @param seed the SHARDS hash seed (both strata: the far sample is a subset of the near one)
   */
  public HybridShards(double rate, int limit, double nearRate, long seed) {
    if (!(rate > 0 && rate <= 1)) {
      throw new IllegalArgumentException("rate must be in (0, 1]");
    }
    if (!(nearRate >= rate && nearRate <= 1)) {
      throw new IllegalArgumentException("the near rate must be in [rate, 1]");
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1");
    }
    this.limit = limit;
    this.salt = io.kvflow.common.Hashing.mix64(seed);
    this.threshold = Shards.threshold(rate);
    this.rate = (double) threshold / Shards.MODULUS;
    this.nearThreshold = Shards.threshold(nearRate);
    this.nearRate = (double) nearThreshold / Shards.MODULUS;
    this.near = new NearDistances((int) Math.max(1, Math.min(limit, Math.round(limit * this.nearRate))));
  }

  public void access(long key) {
    references++;
    long h = Shards.saltedHash(key, salt);
    if (h >= nearThreshold) {
      return;
    }
    nearReferences++;
    int d = near.access(key);
    if (d >= 0) {
      nearHits.add(Math.min(limit - 1, Math.round(d / nearRate)), 1);
    }
    if (h >= threshold) {
      return;
    }
    sampledReferences++;
    long ds = sampledStack.access(key);
    if (d >= 0) {
      return;
    }
    sampledMisses++;
    if (ds < 0) {
      far.addCold(1);
    } else {
      far.add(Math.max(limit, Math.round(ds / rate)), 1);
    }
  }

  /** Bulk form of {@link #access(long)}. */
  public void access(long[] keys, int from, int to) {
    for (int i = from; i < to; i++) {
      access(keys[i]);
    }
  }

  public double rate() {
    return rate;
  }

  public double nearRate() {
    return nearRate;
  }

  public int limit() {
    return limit;
  }

  public long references() {
    return references;
  }

  /** References of keys in the near sample (all of them at near rate 1). */
  public long nearReferences() {
    return nearReferences;
  }

  /** References of keys in the far (rate R) sample. */
  public long sampledReferences() {
    return sampledReferences;
  }

  /** Near-sampled references that miss an LRU cache of K blocks (exact at near rate 1). */
  public long nearMisses() {
    return near.misses();
  }

  /** Far-sampled references among {@link #nearMisses()}. */
  public long sampledMisses() {
    return sampledMisses;
  }

  /**
   * The curve relative to all references. Below K: the near stratum's hits weighted 1 / R_near, and
   * SHARDS_adj's difference between the expected (N R_near) and the actual near references at
   * distance 0 (nothing at near rate 1). Above K: the far sample's misses at K weighted 1 / R at their
   * SHARDS distances (at least K), and the difference between the near stratum's misses at K (N
   * R_near / R_near weighting) and the far sample's at distance K, so the two parts meet at K.
   */
  public MissRatioCurve curve() {
    DistanceHistogram h = new DistanceHistogram();
    double nearWeight = 1 / nearRate;
    for (int d = 0; d <= nearHits.maxDistance(); d++) {
      double c = nearHits.count(d);
      if (c != 0) {
        h.add(d, c * nearWeight);
      }
    }
    h.add(0, references - nearReferences * nearWeight);
    double weight = 1 / rate;
    for (int d = limit; d <= far.maxDistance(); d++) {
      double c = far.count(d);
      if (c != 0) {
        h.add(d, c * weight);
      }
    }
    h.addCold(far.cold() * weight);
    h.add(limit, near.misses() * nearWeight - sampledMisses * weight);
    return new MissRatioCurve(h, references);
  }
}
