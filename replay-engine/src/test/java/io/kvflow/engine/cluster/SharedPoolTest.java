package io.kvflow.engine.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.route.RouterKind;
import io.kvflow.engine.spec.ConfigException;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The shared pool: a prefix one instance computed and demoted into the pool is loaded by another
 * instead of computed (and is not without the pool); the pool's capacity and admissions count once;
 * counters add up and replays are deterministic on rows with zero outputs and without hashes.
 */
class SharedPoolTest {
  @TempDir
  Path dir;

  /** Rows of 16-token blocks: {id, arrivalNs, inputTokens, outputTokens, seed, leading blocks shared by all}. */
  private Path trace(long[]... rows) {
    Path out = dir.resolve("pool.parquet");
    try (RequestTraceWriter w = RequestTraceWriter.open(out, TraceMetadata.of(TraceKind.REQUESTS, 16, "pool test"))) {
      for (long[] r : rows) {
        int n = (int) ((r[2] + 15) / 16);
        long[] hashes = new long[n];
        long h = 0;
        for (int k = 0; k < n; k++) {
          h = Hashing.chain(h, k < r[5] ? k : r[4] * 1000 + k);
          hashes[k] = h;
        }
        w.append(r[0], r[1], null, false, 0, (int) r[2], (int) r[3], hashes, 0, n);
      }
      w.commit();
    }
    return out;
  }

  private static ClusterResult run(Path trace, long hbmBlocks, String cluster) {
    return ClusterReplay.run(trace, ClusterReplayTest.config(hbmBlocks, "", cluster), List.of(), i -> List.of(),
        Progress.NONE);
  }

  @Test
  void aPrefixComputedOnOneInstanceIsLoadedByAnother() {
    // round-robin: A and F on instance 0, X and B on instance 1. F pushes A's 4 blocks out of
    // instance 0's 6-block HBM into the tier below; B, on instance 1, has A's prompt.
    Path t = trace(new long[] {1, 0, 64, 1, 1, 4}, new long[] {2, 1_000_000_000L, 16, 1, 2, 0},
        new long[] {3, 2_000_000_000L, 80, 1, 3, 0}, new long[] {4, 3_000_000_000L, 64, 1, 4, 4});
    ClusterResult pooled = run(t, 6, "{\"instances\": 2, \"router\": \"round-robin\", \"shared_pool\": {\"tier\": \"dram\"}}");
    ClusterResult own = run(t, 6, "{\"instances\": 2, \"router\": \"round-robin\"}");
    ReplayResult one = pooled.instances().get(1);
    assertEquals(1 + 4, one.residency().inputBlocks()); // X's block and B's 4
    assertEquals(4, one.residency().inputBlockHits()); // B's 4 blocks, found in the pool
    assertEquals(4, one.tiers().get(1).hits());
    assertEquals(0, own.instances().get(1).residency().inputBlockHits()); // its own DRAM never saw them
    assertEquals(pooled.total().residency().inputBlockHits(), own.total().residency().inputBlockHits() + 4);
    // the pool keeps its copy: B's load did not take the blocks out of it
    assertTrue(pooled.total().tiers().get(1).evictions() == 0);
    assertEquals(pooled.instances().get(0).tiers().get(1).capacityUnits(), pooled.total().tiers().get(1).capacityUnits());
    assertEquals(2 * own.instances().get(0).tiers().get(1).capacityUnits(), own.total().tiers().get(1).capacityUnits());
  }

  @ParameterizedTest
  @EnumSource(RouterKind.class)
  void countersAddUpAndReplaysRepeat(RouterKind kind) {
    Path rows = ClusterReplayTest.randomRows(dir.resolve("rows.parquet"), 3000, 11);
    // a pool of 600 blocks of 1 MiB (8-token blocks of llama-3-8b) below 40-block HBMs: it fills and evicts
    String cluster = "{\"instances\": 4, \"router\": \"" + kind.wireName() + "\", \"shared_pool\": {\"tier\": \"dram\"}}";
    ReplayConfig base = ClusterReplayTest.config(40, "", cluster);
    ReplayConfig config = base.withTiers(List.of(base.tiers().get(0), base.tiers().get(1).withCapacityBytes(600L << 20)));
    ClusterResult c = ClusterReplay.run(rows, config, List.of(), i -> List.of(), Progress.NONE);
    ClusterResult again = ClusterReplay.run(rows, config, List.of(), i -> List.of(), Progress.NONE);
    long requests = 0;
    long hits = 0;
    long written = 0;
    for (ReplayResult r : c.instances()) {
      requests += r.requests();
      hits += r.tiers().get(1).hits();
      written += r.tiers().get(1).unitsWritten();
    }
    assertEquals(3000, requests);
    TierResult pool = c.total().tiers().get(1);
    assertEquals(pool.hits(), hits);
    assertEquals(pool.unitsWritten(), written);
    assertTrue(pool.evictions() > 0, "the pool filled");
    assertTrue(pool.hits() > 0, "the pool served loads");
    ClusterReplayTest.assertSameResult(c.total(), again.total());
  }

  @Test
  void settingsThatCannotApplyAreRefused() {
    String e = assertThrows(ConfigException.class, () -> ClusterReplayTest.config(100, "",
        "{\"instances\": 2, \"shared_pool\": {\"tier\": \"hbm\"}}")).getMessage();
    assertTrue(e.contains("$.cluster.shared_pool.tier") && e.contains("last tier"), e);
    e = assertThrows(ConfigException.class, () -> ClusterReplayTest.config(100,
        ", \"offload\": {\"tier\": \"dram\", \"oldest_fraction\": 0.5}",
        "{\"instances\": 2, \"shared_pool\": {\"tier\": \"dram\"}}")).getMessage();
    assertTrue(e.contains("$.offload.tier"), e);
    e = assertThrows(ConfigException.class, () -> ClusterReplayTest.config(100, "",
        "{\"instances\": 2, \"shared_pool\": {\"tier\": \"dram\", \"size\": 1}}")).getMessage();
    assertTrue(e.contains("$.cluster.shared_pool"), e);
  }
}
