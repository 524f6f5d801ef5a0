package io.kvflow.analysis.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.LongIntHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bounded exact stack against the exact analyzer, and the sampled curves (plain SHARDS_adj and the
 * near/far hybrid) against the exact curve within the error their sampling allows.
 */
class HybridShardsTest {
  @ParameterizedTest
  @ValueSource(ints = {1, 3, 64, 1000, 5000})
  void nearDistancesAreTheExactDistancesBelowTheLimit(int limit) {
    SplittableRandom rnd = new SplittableRandom(limit);
    // uniform keys over a small set, then Zipf: hits, misses, evictions and (K <= 1,000) compactions
    long[] trace = ReuseDistanceTest.zipfTrace(200_000, 20_000, 0.9, limit);
    for (int i = 0; i < 100_000; i++) {
      trace[i] = rnd.nextInt(3 * limit + 7);
    }
    ReuseDistanceAnalyzer exact = new ReuseDistanceAnalyzer();
    NearDistances near = new NearDistances(limit);
    long hits = 0;
    for (long k : trace) {
      long d = exact.access(k);
      int n = near.access(k);
      assertEquals(d >= 0 && d < limit ? d : -1, n, "key " + k);
      hits += n >= 0 ? 1 : 0;
    }
    long counted = 0;
    for (int d = 0; d < limit; d++) {
      counted += near.count(d);
    }
    assertEquals(hits, counted);
    assertEquals(trace.length, near.misses() + counted, "every access is a hit below K or a miss at K");
  }

  @Test
  void atNearRateOneEverySizeUpToTheLimitIsExact() {
    long[] trace = ReuseDistanceTest.zipfTrace(1_000_000, 100_000, 1.0, 3);
    ReuseDistanceAnalyzer exact = new ReuseDistanceAnalyzer();
    HybridShards hybrid = new HybridShards(0.01, 4096, 1.0, 1);
    for (long k : trace) {
      exact.access(k);
      hybrid.access(k);
    }
    MissRatioCurve e = new MissRatioCurve(exact.histogram());
    MissRatioCurve h = hybrid.curve();
    for (long c = 0; c <= 4096; c++) {
      assertEquals(e.missRatio(c), h.missRatio(c), 1e-12, "size " + c);
    }
    assertEquals(exact.accesses() - exact.histogram().cumulative()[4096], hybrid.nearMisses());
    assertEquals(trace.length, hybrid.nearReferences());
  }

  @Test
  void theSeedDecidesTheSampleAndNothingElse() {
    long[] trace = ReuseDistanceTest.zipfTrace(300_000, 50_000, 0.9, 5);
    MissRatioCurve a = run(trace, 0.05, 2000, 0.5, 7);
    MissRatioCurve b = run(trace, 0.05, 2000, 0.5, 7);
    MissRatioCurve c = run(trace, 0.05, 2000, 0.5, 8);
    boolean differs = false;
    for (long s = 1; s < 60_000; s += 97) {
      assertEquals(a.missRatio(s), b.missRatio(s), "same seed, same curve at " + s);
      differs |= a.missRatio(s) != c.missRatio(s);
    }
    assertTrue(differs, "another seed samples other keys");
    assertThrows(IllegalArgumentException.class, () -> new HybridShards(0.1, 100, 0.05, 1));
    assertNotEquals(0, new HybridShards(0.1, 100, 0.5, 1).limit());
  }

  private static MissRatioCurve run(long[] trace, double rate, int limit, double nearRate, long seed) {
    HybridShards h = new HybridShards(rate, limit, nearRate, seed);
    h.access(trace, 0, trace.length);
    return h.curve();
  }

  /**
   * The error bound of a key-sampled curve, from the exact per-key data. Plain SHARDS_adj and both
   * strata of the hybrid estimate the misses at size c the same way: the sampled references whose
   * SHARDS distance is >= c (or that are first accesses), weighted 1 / r, with r the rate of the
   * stratum serving c (R_near up to K, R above; SHARDS: R everywhere). Keys are sampled independently
   * with probability r (a uniform hash below a threshold), so this is a Horvitz-Thompson total over
   * keys, with standard deviation sigma(c) = sqrt((1 - r) / r * sum_k y_k(c)^2) / N, y_k(c) being key
   * k's misses at c. Second, a sampled distance is (about) a binomial count: an access at distance d
   * is seen at d +- sqrt(d (1 - r) / r); with it counted on the wrong side of c only when its distance
   * is within three of those of c, at most m(c - 3s) - m(c + 3s) of the references move. The bound is
   * three sigmas plus that band, averaged over the sizes.
   */
  static double[] bound(Exact x, double[] rateAt) {
    double[] out = new double[x.sizes().length];
    for (int j = 0; j < out.length; j++) {
      double r = rateAt[j];
      double sigma = Math.sqrt((1 - r) / r * x.sumSquares()[j]) / x.references();
      double s = Math.sqrt(x.sizes()[j] * (1 - r) / r);
      double band = x.curve().missRatio(Math.max(0, (long) Math.floor(x.sizes()[j] - 3 * s)))
          - x.curve().missRatio((long) Math.ceil(x.sizes()[j] + 3 * s));
      out[j] = 3 * sigma + band;
    }
    return out;
  }

  /** The exact curve, and at each size the sum over keys of the square of the key's misses. */
  record Exact(long[] sizes, double[] sumSquares, MissRatioCurve curve, long references) {
    static Exact of(long[] trace, long[] sizes) {
      LongIntHashMap ids = new LongIntHashMap(1 << 16);
      int[] id = new int[trace.length];
      for (int i = 0; i < trace.length; i++) {
        int v = ids.get(trace[i]);
        if (v == LongIntHashMap.MISSING) {
          v = ids.size();
          ids.put(trace[i], v);
        }
        id[i] = v;
      }
      int g = sizes.length;
      // per key: its accesses by the number of sizes <= their distance (they miss at exactly those)
      int[] byIndex = new int[ids.size() * (g + 1)];
      ReuseDistanceAnalyzer exact = new ReuseDistanceAnalyzer();
      for (int i = 0; i < trace.length; i++) {
        long d = exact.access(trace[i]);
        byIndex[id[i] * (g + 1) + (d < 0 ? g : upperBound(sizes, d))]++;
      }
      double[] sumSquares = new double[g];
      for (int k = 0; k < ids.size(); k++) {
        long y = 0;
        for (int j = g - 1; j >= 0; j--) {
          y += byIndex[k * (g + 1) + j + 1];
          sumSquares[j] += (double) y * y;
        }
      }
      return new Exact(sizes, sumSquares, new MissRatioCurve(exact.histogram()), trace.length);
    }
  }

  private static int upperBound(long[] sorted, long v) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** 0.1%, 1%, 2%, ..., 90% of the keys, and four sizes a doubling from 0.1% to 90%: the two grids of docs/benchmarks.md. */
  static long[] grid(int keys) {
    TreeSet<Long> s = new TreeSet<>();
    for (int i = 0; i <= 90; i++) {
      s.add(Math.max(1, Math.round(keys * (i == 0 ? 0.001 : i / 100.0))));
    }
    for (double c = keys * 0.001; c <= keys * 0.9; c *= Math.pow(2, 0.25)) {
      s.add(Math.round(c));
    }
    return s.stream().mapToLong(Long::longValue).toArray();
  }

  record Case(String name, long[] trace, int keys) {}

  static List<Case> traces() {
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("zipf 1.0", ReuseDistanceTest.zipfTrace(2_000_000, 100_000, 1.0, 17), 100_000));
    SplittableRandom rnd = new SplittableRandom(19);
    long[] uniform = new long[1_000_000];
    for (int i = 0; i < uniform.length; i++) {
      uniform[i] = rnd.nextInt(50_000);
    }
    cases.add(new Case("uniform", uniform, 50_000));
    return cases;
  }

  @Test
  void sampledCurvesStayWithinTheirSamplingBound() {
    double rate = 0.01;
    double nearRate = 0.25;
    for (Case t : traces()) {
      long[] sizes = grid(t.keys());
      int limit = t.keys() / 25; // 4% of the keys
      ReuseDistanceAnalyzer exact = new ReuseDistanceAnalyzer();
      Shards shards = Shards.fixedRate(rate, 1);
      HybridShards exactNear = new HybridShards(rate, limit, 1.0, 1);
      HybridShards sampledNear = new HybridShards(rate, limit, nearRate, 1);
      for (long k : t.trace()) {
        exact.access(k);
        shards.access(k);
        exactNear.access(k);
        sampledNear.access(k);
      }
      MissRatioCurve e = new MissRatioCurve(exact.histogram());
      Exact x = Exact.of(t.trace(), sizes);
      double[] plainRates = new double[sizes.length];
      double[] nearRates = new double[sizes.length];
      double[] exactRates = new double[sizes.length];
      for (int j = 0; j < sizes.length; j++) {
        plainRates[j] = shards.rate();
        nearRates[j] = sizes[j] <= limit ? sampledNear.nearRate() : sampledNear.rate();
        exactRates[j] = sizes[j] <= limit ? 1.0 : exactNear.rate();
      }
      check(t.name() + ", SHARDS_adj", shards.curve(), e, sizes, bound(x, plainRates));
      check(t.name() + ", near rate " + nearRate, sampledNear.curve(), e, sizes, bound(x, nearRates));
      check(t.name() + ", exact near", exactNear.curve(), e, sizes, bound(x, exactRates));
    }
  }

  private static void check(String what, MissRatioCurve approx, MissRatioCurve exact, long[] sizes, double[] bound) {
    double error = 0;
    double allowed = 0;
    for (int j = 0; j < sizes.length; j++) {
      error += Math.abs(approx.missRatio(sizes[j]) - exact.missRatio(sizes[j]));
      allowed += bound[j];
    }
    error /= sizes.length;
    allowed /= sizes.length;
    System.out.printf("%s: MAE %.5f, bound %.5f%n", what, error, allowed);
    assertTrue(error <= allowed, what + ": MAE " + error + " over the sampling bound " + allowed);
  }
}
