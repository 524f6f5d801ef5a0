package io.kvflow.engine.sparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.BadInputException;
import io.kvflow.common.Progress;
import io.kvflow.engine.ReplayEngine;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.spec.CodecKind;
import io.kvflow.engine.spec.CodecRule;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.AccessTraceWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The original study's distance rule: recent blocks uncompressed, int8 between, int4 for cold ones. */
class CodecRuleTest {
  @TempDir
  Path dir;

  @Test
  void codecByAge() {
    CodecRule r = new CodecRule(16, 48);
    assertEquals(CodecKind.NONE, r.codecFor(0));
    assertEquals(CodecKind.NONE, r.codecFor(15));
    assertEquals(CodecKind.INT8, r.codecFor(16));
    assertEquals(CodecKind.INT8, r.codecFor(47));
    assertEquals(CodecKind.INT4, r.codecFor(48));
  }

  @Test
  void bytesReadFromALowerTierFollowTheRule() throws Exception {
    Path trace = dir.resolve("t.parquet");
    try (AccessTraceWriter w = AccessTraceWriter.open(trace, TraceMetadata.of(TraceKind.ACCESSES, 16, "hand-made"))) {
      for (int b = 0; b < 4; b++) {
        w.append(0, 7, -1, 0, b, AccessOp.WRITE.code(), 16, Float.NaN);
      }
      for (int s = 0; s < 2; s++) {
        for (int b = 0; b < 4; b++) {
          w.append(10 + s, 7, s, 0, b, AccessOp.READ.code(), 16, Float.NaN);
        }
      }
      w.commit();
    }
    Path cfg = Files.writeString(dir.resolve("c.json"), "{\"model\": {\"layers\": 1, \"kv_heads\": 1, \"head_dim\": 8},"
        + " \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 100, \"admission\": \"never\"},"
        + " {\"name\": \"dram\", \"kind\": \"dram\", \"capacity_blocks\": 100}], \"placement\": \"block-layer\","
        + " \"codec_rule\": {\"recent_window\": 16, \"cold_int4_distance\": 48}}");
    ReplayResult r = ReplayEngine.run(trace, ConfigLoader.load(cfg.toString()).config(), List.of(), Progress.NONE);
    // a unit is 16 tokens x 32 B = 512 B; per step blocks 3, 2, 1, 0 are 0, 16, 32, 48 tokens old:
    // none 512 + int8 256 + int8 256 + int4 (4.5 bits of 16) 144 = 1,168 bytes read from DRAM
    assertEquals(2 * 1168, r.tiers().get(1).bytesRead());
    assertEquals(2 * (4 * 512 - 1168), r.compression().bytesMovedSaved());
  }

  @Test
  void withTopKTheRuleAgesBlocksOnTheWholeSequenceAndOnlyKeptReadsMove() throws Exception {
    Path trace = dir.resolve("k.parquet");
    float[] masses = {0.5f, 0.1f, 0.1f, 0.3f};
    try (AccessTraceWriter w = AccessTraceWriter.open(trace, TraceMetadata.of(TraceKind.ACCESSES, 16, "hand-made"))) {
      for (int b = 0; b < 4; b++) {
        w.append(0, 7, -1, 0, b, AccessOp.WRITE.code(), 16, Float.NaN);
      }
      for (int s = 0; s < 2; s++) {
        for (int b = 0; b < 4; b++) {
          w.append(10 + s, 7, s, 0, b, AccessOp.READ.code(), 16, masses[b]);
        }
      }
      w.commit();
    }
    Path cfg = Files.writeString(dir.resolve("k.json"), "{\"model\": {\"layers\": 1, \"kv_heads\": 1, \"head_dim\": 8},"
        + " \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 100, \"admission\": \"never\"},"
        + " {\"name\": \"dram\", \"kind\": \"dram\", \"capacity_blocks\": 100}], \"placement\": \"block-layer\","
        + " \"codec_rule\": {\"recent_window\": 16, \"cold_int4_distance\": 48},"
        + " \"sparse_reads\": {\"policy\": \"top-k\", \"k\": 2}}");
    ReplayResult r = ReplayEngine.run(trace, ConfigLoader.load(cfg.toString()).config(), List.of(), Progress.NONE);
    // top-2 by mass keeps blocks 0 (48 tokens old: int4, 144 B) and 3 (newest: uncompressed, 512 B)
    assertEquals(2 * (144 + 512), r.tiers().get(1).bytesRead());
    assertEquals(2 * 2, r.sparse().readsKept());
    // StreamingLLM (16-token sink, 16 newest tokens) discards after each step: step 0 reads all four
    // blocks by the rule (1,168 B), step 1 the same two as top-2 (656 B); without the rule's codecs
    // on the kept reads it would be 6 x 512 B
    Path discard = Files.writeString(dir.resolve("d.json"), Files.readString(cfg).replace(
        "\"sparse_reads\": {\"policy\": \"top-k\", \"k\": 2}",
        "\"discard\": {\"policy\": \"streaming-llm\", \"sink_tokens\": 16, \"recent_tokens\": 16}"));
    ReplayResult d = ReplayEngine.run(trace, ConfigLoader.load(discard.toString()).config(), List.of(), Progress.NONE);
    assertEquals(1168 + 144 + 512, d.tiers().get(1).bytesRead());
  }

  @Test
  void coldDistanceInsideTheRecentWindowIsRefused() throws Exception {
    Path cfg = Files.writeString(dir.resolve("bad.json"), "{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\","
        + " \"kind\": \"hbm\", \"capacity_blocks\": 10}], \"codec_rule\": {\"recent_window\": 64, \"cold_int4_distance\": 16}}");
    BadInputException e = assertThrows(BadInputException.class, () -> ConfigLoader.load(cfg.toString()));
    assertTrue(e.getMessage().contains("$.codec_rule.cold_int4_distance"), e.getMessage());
  }
}
