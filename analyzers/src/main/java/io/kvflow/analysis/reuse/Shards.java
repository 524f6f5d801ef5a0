package io.kvflow.analysis.reuse;

import io.kvflow.common.Hashing;
import io.kvflow.common.LongIntHashMap;
import java.util.PriorityQueue;

/**
 * SHARDS spatial sampling (Waldspurger, Park, Garthwaite and Ahmad, "Efficient MRC Construction
 * with SHARDS", FAST'15). A key is sampled when its seeded hash, taken modulo P = 2^24, is below a
 * threshold T: rate R = T / P. Sampled accesses go through exact reuse distance; each distance is
 * scaled by 1/R. Fixed-rate keeps R; fixed-size (SHARDS_max) keeps at most {@code maxKeys} keys,
 * lowering T to the largest sampled hash when the set overflows, dropping that key, and rescaling
 * the histogram by R_new / R_old. The standard correction (SHARDS_adj) adds the difference between
 * the expected number of sampled references (N * R) and the number seen to distance 0, which
 * removes most of the bias of skewed traces.
 */
public final class Shards {
  static final long MODULUS = 1L << 24;

  private final long seed;
  private final int maxKeys;
  private long threshold;
  private final ReuseDistanceAnalyzer exact = new ReuseDistanceAnalyzer();
  private final DistanceHistogram scaled = new DistanceHistogram();
  private final PriorityQueue<long[]> largest; // {hash, key}, largest hash first (fixed-size only)
  private final LongIntHashMap sampled;
  private long references;
  private double sampledWeight;

  private Shards(double rate, int maxKeys, long seed) {
    this.seed = seed;
    this.maxKeys = maxKeys;
    this.threshold = threshold(rate);
    this.largest = maxKeys > 0 ? new PriorityQueue<>((a, b) -> Long.compare(b[0], a[0])) : null;
    this.sampled = maxKeys > 0 ? new LongIntHashMap(maxKeys * 2) : null;
  }

  /** Fixed-rate sampling at {@code rate} in (0, 1]. */
  public static Shards fixedRate(double rate, long seed) {
    if (!(rate > 0 && rate <= 1)) {
      throw new IllegalArgumentException("rate must be in (0, 1]");
    }
    return new Shards(rate, 0, seed);
  }

  /** Fixed-size sampling keeping at most {@code maxKeys} keys (starting at rate 1). */
  public static Shards fixedSize(int maxKeys, long seed) {
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be >= 1");
    }
    return new Shards(1.0, maxKeys, seed);
  }

  long hash(long key) {
    return hash(key, seed);
  }

  /** The sampling hash of {@code key} under {@code seed}, in [0, MODULUS). */
  static long hash(long key, long seed) {
    return saltedHash(key, Hashing.mix64(seed));
  }

  /** {@link #hash(long, long)} with the seed's mix precomputed: {@code salt = Hashing.mix64(seed)}. */
  static long saltedHash(long key, long salt) {
    return Hashing.mix64(key ^ salt) >>> 40;
  }

  /** The threshold T of rate R: round(R * MODULUS), at least 1. */
  static long threshold(double rate) {
    return Math.max(1, Math.min(MODULUS, Math.round(rate * MODULUS)));
  }

  /** Whether {@code key} is in the sample at the current threshold. */
  public boolean sampled(long key) {
    return hash(key) < threshold;
  }

  public void access(long key) {
    access(key, 1);
  }

  /**
   * {@code weight} references to {@code key} in a row, as a replay counts a lookup of a placement
   * unit by {@code weight} layers: the first has the key's reuse distance, the others distance 0
   * (the unit the first layer brought in serves the rest).
   */
  public void access(long key, long weight) {
    references += weight;
    if (!inSample(key)) {
      return;
    }
    long d = exact.access(key);
    sampledWeight += weight;
    if (d < 0) {
      scaled.addCold(1);
    } else {
      scaled.add(Math.round(d / rate()), 1);
    }
    if (weight > 1) {
      scaled.add(0, weight - 1);
    }
  }

  /**
   * A reference that brings {@code key} to the top of the LRU stack without being counted: a unit
   * written into the cache by something other than a lookup (an APPEND creating it).
   */
  public void touch(long key) {
    if (inSample(key)) {
      exact.access(key);
    }
  }

  /** Removes {@code key} from the LRU stack (a FREE): its next reference is a cold miss. */
  public void remove(long key) {
    if (hash(key) < threshold) {
      exact.forget(key);
    }
  }

  /** Whether {@code key} is sampled, after adding it to a fixed-size sample (which may lower the threshold). */
  private boolean inSample(long key) {
    long h = hash(key);
    if (h >= threshold) {
      return false;
    }
    if (largest != null && sampled.get(key) == LongIntHashMap.MISSING) {
      sampled.put(key, 1);
      largest.add(new long[] {h, key});
      while (sampled.size() > maxKeys) {
        long top = largest.peek()[0];
        double before = rate();
        threshold = top;
        while (!largest.isEmpty() && largest.peek()[0] >= threshold) {
          long[] gone = largest.poll();
          sampled.remove(gone[1]);
          exact.forget(gone[1]);
        }
        double factor = rate() / before;
        scaled.scale(factor);
        sampledWeight *= factor;
      }
      return h < threshold;
    }
    return true;
  }

  public double rate() {
    return (double) threshold / MODULUS;
  }

  public long references() {
    return references;
  }

  /** Sampled references (weighted after fixed-size rescaling). */
  public double sampledReferences() {
    return sampledWeight;
  }

  /** The corrected (SHARDS_adj) miss-ratio curve relative to all references. */
  public MissRatioCurve curve() {
    double expected = references * rate();
    DistanceHistogram h = copy();
    double diff = expected - sampledWeight;
    h.add(0, diff); // SHARDS_adj: the whole difference, positive or negative, goes to the first bucket
    return new MissRatioCurve(h, expected);
  }

  /** The uncorrected curve (for comparison: badly biased on skewed traces). */
  public MissRatioCurve uncorrectedCurve() {
    return new MissRatioCurve(scaled, sampledWeight);
  }

  private DistanceHistogram copy() {
    DistanceHistogram h = new DistanceHistogram();
    for (int d = 0; d <= scaled.maxDistance(); d++) {
      double c = scaled.count(d);
      if (c != 0) {
        h.add(d, c);
      }
    }
    h.addCold(scaled.cold());
    return h;
  }
}
