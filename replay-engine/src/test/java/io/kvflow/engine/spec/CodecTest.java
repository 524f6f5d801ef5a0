package io.kvflow.engine.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.BadInputException;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.policy.PolicyParams;
import io.kvflow.engine.residency.ResidencyTracker;
import io.kvflow.trace.AccessOp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Codec sizes, where decompression time lands, and codec configuration errors. */
class CodecTest {
  @TempDir
  Path dir;

  @Test
  void int4StoresHalfOfInt8AndAQuarterOfFp16PlusItsOverhead() {
    long fp16 = 1 << 20;
    CodecSpec int8 = new CodecSpec(CodecKind.INT8, 32, 0, 1e12, 0, 1e12, CodecPlace.COPY_PATH);
    CodecSpec int4 = new CodecSpec(CodecKind.INT4, 32, 0, 1e12, 0, 1e12, CodecPlace.COPY_PATH);
    assertEquals(fp16 / 2, int8.stored(fp16, 2));
    assertEquals(fp16 / 4, int4.stored(fp16, 2));
    assertEquals(int8.stored(fp16, 2) / 2, int4.stored(fp16, 2));
    // with 16 bits of scale/zero per 32 elements: 4.5 bits an element, ratio 3.56 against fp16
    CodecSpec grouped = CodecSpec.defaults(CodecKind.INT4);
    assertEquals(16.0 / 4.5, grouped.ratio(2), 1e-12);
    long elements = fp16 / 2;
    assertEquals(elements * 4 / 8 + elements / 32 * 16 / 8, grouped.stored(fp16, 2));
    assertEquals(2.0, CodecSpec.defaults(CodecKind.FP8).ratio(2), 1e-12);
    assertEquals(16.0 / 3, CodecSpec.defaults(CodecKind.KIVI2).ratio(2), 1e-12);
    assertEquals(fp16, CodecSpec.NONE.stored(fp16, 2));
  }

  static ResidencyTracker tracker(CodecPlace place) {
    ModelSpec m = new ModelSpec("m", 1, 1, 8, 2, 4, 0, 1);
    CodecSpec int4 = new CodecSpec(CodecKind.INT4, 32, 0, 1e9, 0, 1e9, place); // 1 GB/s: 1 ns per byte
    List<TierConfig> tiers = List.of(
        new TierConfig(new TierSpec("hbm", TierKind.HBM, 0, 1e9, 1e9, 0), 1, PolicyKind.LRU, AdmissionKind.ALWAYS, 1, 0, 2),
        new TierConfig(new TierSpec("dram", TierKind.DRAM, 0, 1e9, 1e9, 0), 10, PolicyKind.LRU, AdmissionKind.ALWAYS, 1, 0, 2,
            int4));
    ReplayConfig c = new ReplayConfig(m, tiers, Hierarchy.EXCLUSIVE, Placement.BLOCK_LAYER, FinishedRequests.CACHE,
        Expansion.FULL, 1, 0, null);
    return new ResidencyTracker(c, 128, 128, 32, PolicyParams.DEFAULT);
  }

  @Test
  void decompressionIsChargedOnlyWhenDataLeavesTheCompressedTier() {
    ResidencyTracker t = tracker(CodecPlace.COPY_PATH);
    int r = AccessOp.READ.code();
    t.access(1, r, 1, 4, 0, 0, 0, 0); // new: into HBM, nothing decompressed
    assertEquals(0, t.outcome().decompressNs);
    t.access(2, r, 1, 4, 0, 0, 0, 0); // 1 demoted into the int4 tier: compressed, not decompressed
    assertEquals(0, t.outcome().decompressNs);
    assertEquals(128, t.compressNs()); // 128 bytes at 1 GB/s
    t.access(2, r, 1, 4, 0, 0, 0, 0); // HBM hit
    assertEquals(0, t.outcome().decompressNs);
    t.access(1, r, 1, 4, 0, 0, 0, 0); // from the int4 tier: 32 bytes moved, 128 bytes decompressed
    assertEquals(32, t.outcome().movedBytes);
    assertEquals(128, t.outcome().decompressNs);
    assertEquals(128, t.decompressNs());
    assertEquals(96, t.bytesMovedSaved());
    assertEquals(32, t.results().get(1).bytesRead());
  }

  @Test
  void codecConfigurationErrorsNameTheField() throws Exception {
    String base = "{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 10},"
        + " {\"name\": \"d\", \"kind\": \"dram\", \"capacity_blocks\": 10, \"codec\": CODEC}]}";
    Path f = dir.resolve("c.json");
    Files.writeString(f, base.replace("CODEC", "{\"kind\": \"int4\", \"group_overhead_bits\": 1000}"));
    BadInputException e = assertThrows(BadInputException.class, () -> ConfigLoader.load(f.toString()));
    assertTrue(e.getMessage().contains("$.tiers[1].codec.group_overhead_bits"), e.getMessage());
    Files.writeString(f, base.replace("CODEC", "{\"kind\": \"int4\", \"decompress_gbps\": -1}"));
    e = assertThrows(BadInputException.class, () -> ConfigLoader.load(f.toString()));
    assertTrue(e.getMessage().contains("$.tiers[1].codec.decompress_gbps: -1.0 must be"), e.getMessage());
    Files.writeString(f, base.replace("CODEC", "\"int3\""));
    e = assertThrows(BadInputException.class, () -> ConfigLoader.load(f.toString()));
    assertTrue(e.getMessage().contains("$.tiers[1].codec: 'int3' is not one of"), e.getMessage());
    Files.writeString(f, base.replace("CODEC", "\"kivi2\""));
    assertEquals(CodecKind.KIVI2, ConfigLoader.load(f.toString()).config().tiers().get(1).codec().kind());
  }
}
