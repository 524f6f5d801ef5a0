package io.kvflow.engine.sparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.BadInputException;
import io.kvflow.common.Progress;
import io.kvflow.engine.ReplayEngine;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.AccessTraceWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sparse reads on a tiny trace whose attention masses are chosen by hand. */
class SparseReadsTest {
  @TempDir
  Path dir;

  /**
   * One request, one layer, prefill of 4 blocks, then two decode steps reading the 4 blocks with
   * masses {0.1, 0.4, 0.2, 0.3} and {0.5, 0.05, 0.05, 0.4}.
   */
  private Path tinyTrace() {
    Path f = dir.resolve("tiny.parquet");
    float[][] masses = {{0.1f, 0.4f, 0.2f, 0.3f}, {0.5f, 0.05f, 0.05f, 0.4f}};
    try (AccessTraceWriter w = AccessTraceWriter.open(f, TraceMetadata.of(TraceKind.ACCESSES, 16, "hand-made"))) {
      for (int b = 0; b < 4; b++) {
        w.append(0, 7, -1, 0, b, AccessOp.WRITE.code(), 16, Float.NaN);
      }
      for (int s = 0; s < 2; s++) {
        for (int b = 0; b < 4; b++) {
          w.append(10 + s, 7, s, 0, b, AccessOp.READ.code(), 16, masses[s][b]);
        }
      }
      w.commit();
    }
    return f;
  }

  private ReplayResult replay(String sparse) throws Exception {
    Path cfg = Files.writeString(dir.resolve("c.json"), "{\"model\": {\"layers\": 1, \"kv_heads\": 1, \"head_dim\": 8},"
        + " \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 100}], \"placement\": \"block-layer\""
        + (sparse == null ? "" : ", \"sparse_reads\": " + sparse) + "}");
    ReplayConfig c = ConfigLoader.load(cfg.toString()).config();
    return ReplayEngine.run(tinyTrace(), c, List.of(), Progress.NONE);
  }

  @Test
  void topTwoRetainsTheMassComputedByHand() throws Exception {
    ReplayResult r = replay("{\"policy\": \"top-k\", \"k\": 2}");
    // step 0 keeps 0.4 + 0.3 = 0.7 of 1.0; step 1 keeps 0.5 + 0.4 = 0.9 of 1.0
    RetainedMass m = r.sparse().retained();
    assertEquals(2, m.count());
    assertEquals(0.8, m.mean(), 1e-6);
    assertEquals(0.7, m.min(), 1e-6);
    assertEquals(0.7, m.percentile(50), 1e-4);
    assertEquals(8, r.sparse().readsIn());
    assertEquals(4, r.sparse().readsKept());
    assertEquals(4 + 4, r.tiers().get(0).accesses()); // 4 prefill writes + 4 kept reads
  }

  @Test
  void sinkAndRecentKeepTheEnds() throws Exception {
    ReplayResult r = replay("{\"policy\": \"sink-recent\", \"sink_tokens\": 4, \"recent_tokens\": 16}");
    // blocks 0 (sink) and 3 (recent): 0.1 + 0.3 = 0.4, then 0.5 + 0.4 = 0.9
    assertEquals(0.65, r.sparse().retained().mean(), 1e-6);
    assertEquals(4, r.sparse().readsKept());
  }

  @Test
  void aWindowLargerThanTheContextIsAllowedAndReported() throws Exception {
    ReplayResult r = replay("{\"policy\": \"sink-recent\", \"sink_tokens\": 16, \"recent_tokens\": 100000}");
    assertEquals(1.0, r.sparse().retained().mean(), 1e-6);
    assertEquals(2, r.sparse().windowExceedsContext());
  }

  @Test
  void denseReadsRetainEverything() {
    RetainedMass m = new RetainedMass();
    SparseReadFilter f = new SparseReadFilter((key, op, weight, tokens, req, step, layer, flags) -> { },
        io.kvflow.engine.spec.SparseSpec.DENSE, 16, m);
    for (int b = 0; b < 4; b++) {
      f.access(b, AccessOp.READ.code(), 1, 16, 0, 0, 0, 0, 0.25f);
    }
    f.flush();
    assertEquals(1.0, m.mean(), 1e-9);
    assertEquals(4, f.readsKept());
  }

  @Test
  void topKBelowOneIsRefused() throws Exception {
    BadInputException e = assertThrows(BadInputException.class, () -> replay("{\"policy\": \"top-k\", \"k\": 0}"));
    assertTrue(e.getMessage().contains("$.sparse_reads.k: 0 must be"), e.getMessage());
  }
}
