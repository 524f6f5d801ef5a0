package io.kvflow.analysis.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.Progress;
import io.kvflow.engine.policy.EvictionPolicy;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.trace.generate.Rng;
import io.kvflow.trace.generate.ZipfSampler;
import io.kvflow.trace.imports.ImportFormat;
import io.kvflow.trace.imports.ImportOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Differential tests: Fenwick distances against a naive LRU stack; the MRC against direct LRU replay. */
class ReuseDistanceTest {
  @TempDir
  Path dir;

  /** The obvious O(n) LRU stack: distance = depth of the key, then move it to the top. */
  static long[] naiveDistances(long[] trace) {
    List<Long> stack = new ArrayList<>();
    long[] out = new long[trace.length];
    for (int i = 0; i < trace.length; i++) {
      int depth = stack.indexOf(trace[i]);
      out[i] = depth;
      if (depth >= 0) {
        stack.remove(depth);
      }
      stack.add(0, trace[i]);
    }
    return out;
  }

  static long[] randomTrace(long seed, int n, int keys) {
    SplittableRandom rnd = new SplittableRandom(seed);
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      double u = rnd.nextDouble();
      t[i] = rnd.nextInt(5) == 0 ? keys + i : (long) (keys * u * u);
    }
    return t;
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void fenwickEqualsNaiveStack(long seed) {
    // few keys and many accesses force compaction; many keys force growth
    long[] trace = randomTrace(seed, 20_000, seed % 2 == 0 ? 50 : 3000);
    long[] expected = naiveDistances(trace);
    ReuseDistanceAnalyzer a = new ReuseDistanceAnalyzer();
    for (int i = 0; i < trace.length; i++) {
      assertEquals(expected[i], a.access(trace[i]), "access " + i);
    }
    assertEquals(trace.length, a.accesses());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 12, 13, 4096})
  void bulkAccessEqualsOneCallPerKey(int chunk) {
    long[] trace = randomTrace(chunk, 30_000, 2000);
    ReuseDistanceAnalyzer one = new ReuseDistanceAnalyzer();
    ReuseDistanceAnalyzer bulk = new ReuseDistanceAnalyzer();
    for (long k : trace) {
      one.access(k);
    }
    for (int off = 0; off < trace.length; off += chunk) {
      bulk.access(trace, off, Math.min(chunk, trace.length - off));
    }
    assertEquals(one.coldMisses(), bulk.coldMisses());
    assertEquals(java.util.Arrays.toString(one.histogram().log2Bins()), java.util.Arrays.toString(bulk.histogram().log2Bins()));
    assertEquals(java.util.Arrays.toString(one.reuseTimeLog2()), java.util.Arrays.toString(bulk.reuseTimeLog2()));
    for (long c : new long[] {1, 10, 100, 1000, 1999}) {
      assertEquals(new MissRatioCurve(one.histogram()).missRatio(c), new MissRatioCurve(bulk.histogram()).missRatio(c), "capacity " + c);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 3000, 20_000})
  void keyAndCountingHalvesApartEqualOneAnalyzer(int keys) {
    // many compactions and growths of the position space; the halves must agree on every one
    long[] trace = randomTrace(keys, 200_000, keys);
    ReuseDistanceAnalyzer one = new ReuseDistanceAnalyzer();
    long[] distances = new long[trace.length];
    for (int i = 0; i < trace.length; i++) {
      distances[i] = one.access(trace[i]);
    }
    PositionAssigner assigner = new PositionAssigner(1 << 12);
    ReuseDistanceAnalyzer counting = new ReuseDistanceAnalyzer();
    long[] chunk = new long[777];
    for (int off = 0; off < trace.length; off += chunk.length) {
      int n = Math.min(chunk.length, trace.length - off);
      System.arraycopy(trace, off, chunk, 0, n);
      assigner.assignInPlace(chunk, 0, n);
      counting.acceptPositions(chunk, 0, n);
    }
    assertEquals(one.coldMisses(), counting.coldMisses());
    assertEquals(one.distinctKeys(), counting.distinctKeys());
    assertEquals(assigner.distinctKeys(), counting.distinctKeys());
    assertEquals(java.util.Arrays.toString(one.reuseTimeLog2()), java.util.Arrays.toString(counting.reuseTimeLog2()));
    for (int d = 0; d <= one.histogram().maxDistance(); d++) {
      assertEquals(one.histogram().count(d), counting.histogram().count(d), "distance " + d);
    }
    // and one analyzer's distances equal a naive LRU stack's (on a prefix: the stack is slow)
    long[] naive = naiveDistances(java.util.Arrays.copyOf(trace, 20_000));
    for (int i = 0; i < naive.length; i++) {
      assertEquals(naive[i], distances[i], "access " + i);
    }
  }

  static double lruMissRatio(long[] trace, int capacity) {
    EvictionPolicy p = PolicyKind.LRU.create(capacity);
    for (long k : trace) {
      p.access(k);
    }
    return 1 - p.stats().hitRatio();
  }

  @Test
  void mrcEqualsDirectLruReplayAtEverySize() {
    long[] trace = randomTrace(42, 30_000, 2000);
    ReuseDistanceAnalyzer a = new ReuseDistanceAnalyzer();
    for (long k : trace) {
      a.access(k);
    }
    MissRatioCurve c = new MissRatioCurve(a.histogram());
    for (int size = 1; size <= a.distinctKeys() + 5; size += size < 64 ? 1 : 97) {
      assertEquals(lruMissRatio(trace, size), c.missRatio(size), 1e-12, "size " + size);
    }
  }

  static long[] mooncakeStream(Path dir, String name) {
    Path out = dir.resolve(name + ".parquet");
    ImportFormat.MOONCAKE.create().importTrace(Path.of("..", "sample-traces", "real", "mooncake", name + ".jsonl.gz"), out,
        ImportOptions.DEFAULT, Progress.NONE);
    long[][] keys = {new long[1 << 16]};
    int[] n = {0};
    BlockStream.forEach(out, k -> {
      if (n[0] == keys[0].length) {
        keys[0] = java.util.Arrays.copyOf(keys[0], n[0] * 2);
      }
      keys[0][n[0]++] = k;
    }, Progress.NONE);
    return java.util.Arrays.copyOf(keys[0], n[0]);
  }

  /** The definition, independently: LinkedHashMap in access order. */
  static double independentMissRatio(long[] trace, int capacity) {
    LinkedHashMap<Long, Boolean> lru = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Boolean> e) {
        return size() > capacity;
      }
    };
    long misses = 0;
    for (long k : trace) {
      if (lru.get(k) == null) {
        misses++;
        lru.put(k, true);
      }
    }
    return (double) misses / trace.length;
  }

  @Test
  void mooncakeConversationCurve() {
    long[] trace = mooncakeStream(dir, "conversation_trace");
    ReuseDistanceAnalyzer a = new ReuseDistanceAnalyzer();
    for (long k : trace) {
      a.access(k);
    }
    assertEquals(288_500, a.accesses());
    assertEquals(182_790, a.coldMisses());
    MissRatioCurve c = new MissRatioCurve(a.histogram());
    for (int size : new int[] {1_000, 10_000, 30_000, 50_000, 100_000}) {
      double expected = independentMissRatio(trace, size);
      assertEquals(String.format("%.4f", expected), String.format("%.4f", c.missRatio(size)), "size " + size);
      assertEquals(lruMissRatio(trace, size), c.missRatio(size), 1e-12);
    }
  }

  @Test
  void mooncakeSyntheticCurveEqualsLruReplay() {
    long[] trace = mooncakeStream(dir, "synthetic_trace");
    ReuseDistanceAnalyzer a = new ReuseDistanceAnalyzer();
    for (long k : trace) {
      a.access(k);
    }
    assertEquals(43_924, a.coldMisses());
    MissRatioCurve c = new MissRatioCurve(a.histogram());
    for (int size : new int[] {100, 1_000, 5_000, 10_000, 30_000, 50_000}) {
      assertEquals(lruMissRatio(trace, size), c.missRatio(size), 1e-12, "size " + size);
    }
  }

  static long[] zipfTrace(int n, int keys, double alpha, long seed) {
    ZipfSampler z = new ZipfSampler(keys, alpha);
    Rng rng = new Rng(seed);
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      t[i] = z.sample(rng);
    }
    return t;
  }

  /**
   * Mean absolute error at the sizes 0.1%, 1%, 2%, ..., 90% of the keys (evenly spaced, as the SHARDS
   * paper measures the error of a curve).
   */
  static double meanAbsoluteError(MissRatioCurve approx, MissRatioCurve exact, int keys) {
    double sum = 0;
    int points = 0;
    for (int i = 0; i <= 90; i++) {
      long size = Math.max(1, Math.round(keys * (i == 0 ? 0.001 : i / 100.0)));
      sum += Math.abs(approx.missRatio(size) - exact.missRatio(size));
      points++;
    }
    return sum / points;
  }

  @Test
  void shardsFixedRateIsAccurateWithTheCorrection() {
    int keys = 1_000_000;
    long[] trace = zipfTrace(5_000_000, keys, 1.0, 7);
    ReuseDistanceAnalyzer exact = new ReuseDistanceAnalyzer();
    Shards[] shards = {Shards.fixedRate(0.01, 1), Shards.fixedRate(0.01, 2), Shards.fixedRate(0.01, 3)};
    for (long k : trace) {
      exact.access(k);
      for (Shards s : shards) {
        s.access(k);
      }
    }
    MissRatioCurve e = new MissRatioCurve(exact.histogram());
    for (Shards s : shards) {
      double corrected = meanAbsoluteError(s.curve(), e, keys);
      double uncorrected = meanAbsoluteError(s.uncorrectedCurve(), e, keys);
      assertTrue(corrected <= 0.01, "SHARDS MAE " + corrected);
      assertTrue(corrected < uncorrected, "the correction helps: " + corrected + " vs " + uncorrected);
    }
  }

  @Test
  void shardsFixedSizeIsAccurate() {
    int keys = 100_000;
    long[] trace = zipfTrace(1_000_000, keys, 0.9, 11);
    ReuseDistanceAnalyzer exact = new ReuseDistanceAnalyzer();
    Shards shards = Shards.fixedSize(4_000, 3);
    for (long k : trace) {
      exact.access(k);
      shards.access(k);
    }
    assertTrue(shards.rate() < 0.1, "the rate dropped to hold 4,000 keys: " + shards.rate());
    double mae = meanAbsoluteError(shards.curve(), new MissRatioCurve(exact.histogram()), keys);
    assertTrue(mae <= 0.015, "SHARDS fixed-size MAE " + mae);
  }

  @Test
  void partitionedCurveMatchesTheExactOne() {
    int keys = 1_000_000;
    long[] trace = zipfTrace(2_000_000, keys, 1.0, 5);
    ReuseDistanceAnalyzer exact = new ReuseDistanceAnalyzer();
    PartitionedReuse parts = new PartitionedReuse(64, 1);
    for (long k : trace) {
      exact.access(k);
      parts.access(k);
    }
    List<PartitionedReuse.Part> results = parts.parts();
    assertEquals(exact.coldMisses(), results.stream().mapToLong(PartitionedReuse.Part::coldMisses).sum());
    assertEquals(trace.length, results.stream().mapToLong(PartitionedReuse.Part::accesses).sum());
    // partitions combine the same in any order (as results arriving from a cluster would)
    List<PartitionedReuse.Part> shuffled = new java.util.ArrayList<>(results);
    java.util.Collections.reverse(shuffled);
    MissRatioCurve combined = PartitionedReuse.combine(results);
    MissRatioCurve reversed = PartitionedReuse.combine(shuffled);
    for (long c = 1; c <= keys; c *= 3) {
      assertEquals(combined.missRatio(c), reversed.missRatio(c));
    }
    assertThrows(IllegalArgumentException.class, () -> PartitionedReuse.combine(results.subList(1, 64)));
    double mae = meanAbsoluteError(combined, new MissRatioCurve(exact.histogram()), keys);
    assertTrue(mae <= 0.01, "partitioned MAE " + mae);
  }
}
