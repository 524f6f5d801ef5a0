package io.kvflow.analysis.listen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.Progress;
import io.kvflow.engine.ReplayEngine;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.spec.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay's miss-ratio curve against the replay itself: a one-tier LRU cache of C units misses
 * exactly the curve's miss ratio at C (the curve is exact while the trace has fewer distinct units
 * than the sample holds), counted in the same layer-accesses, with appends and frees included.
 */
class ShardsMrcListenerTest {
  static final Path CHAT = Path.of("..", "sample-traces", "chat-small.parquet");
  static final Path DECODE = Path.of("..", "sample-traces", "decode-small.parquet");

  @TempDir
  Path dir;

  @Test
  void curveAtTheTierSizeIsTheTiersMissRatio() throws Exception {
    for (Path trace : List.of(CHAT, DECODE)) {
      for (String model : List.of("kvflow-small", "llama-3-8b")) {
        for (long capacity : new long[] {256, 1024, 4096}) {
          Path cfg = Files.writeString(dir.resolve("c.json"), "{\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\","
              + " \"capacity_blocks\": " + capacity + ", \"policy\": \"lru\"}], \"model\": \"" + model + "\"}");
          ShardsMrcListener mrc = new ShardsMrcListener(7);
          ReplayResult r = ReplayEngine.run(trace, ConfigLoader.load(cfg.toString()).config(), List.of(mrc),
              Progress.NONE);
          TierResult hbm = r.tiers().get(0);
          String what = trace.getFileName() + ", " + model + ", " + capacity + " units";
          assertEquals(1.0, mrc.rate(), what + ": the sample must hold every unit for the curve to be exact");
          assertEquals(hbm.accesses(), mrc.references(), what + ": references are the tier's layer-accesses");
          assertTrue(hbm.misses() > 0 && hbm.hits() > 0, what);
          assertEquals((double) hbm.misses() / hbm.accesses(), mrc.curve().missRatio(capacity), 1e-12, what);
        }
      }
    }
  }
}
