package io.kvflow.engine.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.BadInputException;
import io.kvflow.trace.TraceKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile configs: every limit refuses with one line naming the file, the JSON path (or the line
 * and column) and the limit; no size derived from a config wraps around 64 bits.
 */
class ConfigLimitsTest {
  @TempDir
  Path dir;

  private static final String TIER = "{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 10}";
  private static final String DRAM = "{\"name\": \"dram\", \"kind\": \"dram\", \"capacity_bytes\": 68719476736}";

  private String fails(byte[] bytes) throws Exception {
    Path f = Files.write(dir.resolve("c.json"), bytes);
    BadInputException e = assertThrows(BadInputException.class, () -> ConfigLoader.load(f.toString()));
    assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
    assertTrue(e.getMessage().indexOf('\n') < 0, e.getMessage());
    return e.getMessage();
  }

  private String fails(String json) throws Exception {
    return fails(json.getBytes(StandardCharsets.UTF_8));
  }

  private static ReplayConfig load(Path dir, String json) throws Exception {
    return ConfigLoader.load(Files.writeString(dir.resolve("ok.json"), json).toString()).config();
  }

  @Test
  void deepNestingIsRefusedWithItsLineAndColumn() throws Exception {
    String deep = "{\"model\": " + "[".repeat(2000) + "]".repeat(2000) + "}";
    String m = fails(deep);
    assertTrue(m.contains("not valid JSON (line 1, column "), m);
    assertTrue(m.contains("nested more than 64 levels deep"), m);
    // nesting within the limit is an ordinary type error with its path
    assertTrue(fails("{\"model\": " + "[".repeat(10) + "]".repeat(10) + "}").contains("$.model"));
  }

  @Test
  void invalidUtf8IsRefusedWithItsLineColumnAndOffset() throws Exception {
    byte[] head = ("{\"model\": \"llama-3-8b\",\n \"tiers\": [{\"name\": \"h").getBytes(StandardCharsets.UTF_8);
    byte[] tail = "\", \"kind\": \"hbm\", \"capacity_blocks\": 10}]}".getBytes(StandardCharsets.UTF_8);
    for (byte[] bad : new byte[][] {{(byte) 0xFF}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0x80}}) {
      byte[] b = new byte[head.length + bad.length + tail.length];
      System.arraycopy(head, 0, b, 0, head.length);
      System.arraycopy(bad, 0, b, head.length, bad.length);
      System.arraycopy(tail, 0, b, head.length + bad.length, tail.length);
      String m = fails(b);
      int column = head.length - new String(head, StandardCharsets.UTF_8).lastIndexOf('\n');
      assertTrue(m.contains("not valid UTF-8 at line 2, column " + column + " (byte offset " + head.length + ": 0x"), m);
    }
  }

  @Test
  void aFileTooLargeOrWithTextAfterItsValueIsRefused() throws Exception {
    byte[] big = new byte[(int) ConfigLoader.MAX_JSON_BYTES + 1];
    java.util.Arrays.fill(big, (byte) ' ');
    assertTrue(fails(big).contains("a JSON config, hardware or grid file is at most 16777216 bytes"));
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [" + TIER + "]} {}").contains("text after the JSON value"));
  }

  @Test
  void tiersLinksAndCurvePointsAreLimited() throws Exception {
    StringBuilder tiers = new StringBuilder(TIER);
    for (int i = 0; i < 5000; i++) {
      tiers.append(", {\"name\": \"d").append(i).append("\", \"kind\": \"dram\", \"capacity_blocks\": 10}");
    }
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [" + tiers + "]}").contains("$.tiers: 5001 tiers; at most 16"));
    StringBuilder links = new StringBuilder();
    for (int i = 0; i < 65; i++) {
      links.append(i == 0 ? "" : ", ").append("{\"name\": \"l").append(i)
          .append("\", \"from\": \"dram\", \"to\": \"hbm\", \"bandwidth_bps\": 5e10}");
    }
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [" + TIER + ", " + DRAM + "], \"hardware\": "
        + "{\"hbm_bandwidth_bps\": 3e12, \"peak_flops\": 1e15, \"links\": [" + links + "]}}")
        .contains("$.hardware.links: 65 links; at most 64"));
  }

  @Test
  void modelSizesNeverWrap() throws Exception {
    String huge = "{\"model\": {\"layers\": 10000, \"kv_heads\": 100000, \"head_dim\": 100000, \"kv_dtype_bytes\": 8, "
        + "\"block_tokens\": 32767}, \"tiers\": [" + TIER + "]}";
    String m = fails(huge);
    assertTrue(m.contains("$.model: a block of 32767 tokens holds more than 2^63 bytes"), m);
    assertTrue(m.contains("at most 1099511627776 (1 TiB)"), m);
    assertTrue(fails("{\"model\": {\"layers\": 32, \"kv_heads\": 8, \"head_dim\": 128, \"parameters\": 9223372036854775807}, "
        + "\"tiers\": [" + TIER + "]}").contains("$.model.parameters: 9223372036854775807 must be in [0, 1000000000000000]"));
    String shapes = "{\"model\": {\"layers\": 10000, \"kv_heads\": 1, \"head_dim\": 1, \"attention_heads\": 100000, "
        + "\"hidden\": 1000000, \"intermediate\": 10000000, \"vocab\": 100000000}, \"tiers\": [" + TIER + "]}";
    assertTrue(fails(shapes).contains("$.model: the shapes give"), fails(shapes));
  }

  @Test
  void ratesAndCostsStayInPhysicalRanges() throws Exception {
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 10, "
        + "\"read_bandwidth_bps\": 5e-324}]}").contains("$.tiers[0].read_bandwidth_bps: 4.9E-324 must be in [1000000, "));
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [" + TIER + "], \"hardware\": {\"hbm_bandwidth_bps\": 3e12, "
        + "\"peak_flops\": 1e15, \"layer_overhead_ns\": 2305843009213693951}}")
        .contains("$.hardware.layer_overhead_ns: 2305843009213693951 must be in [0, 1000000000000]"));
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_bytes\": "
        + "9223372036854775807}]}").contains("$.tiers[0].capacity_bytes: 9223372036854775807 must be in [1, "));
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": "
        + "1e400}]}").contains("$.tiers[0].capacity_blocks"));
  }

  @Test
  void sizesTheTracesBlockSizeDerivesAreCheckedBeforeAReplay() throws Exception {
    // capacity in blocks of a huge block: more than 2^60 bytes
    ReplayConfig big = load(dir, "{\"model\": {\"layers\": 1000, \"kv_heads\": 1000, \"head_dim\": 1000, "
        + "\"block_tokens\": 1}, \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 2000000000}]}");
    ConfigException e = assertThrows(ConfigException.class, () -> big.checkApplies(TraceKind.REQUESTS, 16));
    assertTrue(e.getMessage().startsWith("$.tiers[0].capacity_blocks: 2000000000 placement units of "), e.getMessage());
    // a trace whose blocks are too large for the model
    ReplayConfig small = load(dir, "{\"model\": {\"layers\": 1000, \"kv_heads\": 100, \"head_dim\": 1000, "
        + "\"kv_dtype_bytes\": 8}, \"tiers\": [" + TIER + "]}");
    e = assertThrows(ConfigException.class, () -> small.checkApplies(TraceKind.REQUESTS, 1 << 30));
    assertTrue(e.getMessage().startsWith("$.model: a block of 1073741824 tokens holds "), e.getMessage());
    assertTrue(e.getMessage().contains("the trace's blocks are 1073741824 tokens"), e.getMessage());
    // more units than are simulated, and none at all
    ReplayConfig many = load(dir, "{\"model\": \"llama-3-8b\", \"placement\": \"block-layer\", \"tiers\": [{\"name\": \"hbm\", "
        + "\"kind\": \"hbm\", \"capacity_bytes\": 1152921504606846976}]}");
    e = assertThrows(ConfigException.class, () -> many.checkApplies(TraceKind.REQUESTS, 16));
    assertTrue(e.getMessage().startsWith("$.tiers[0].capacity_bytes: 1152921504606846976 bytes are "), e.getMessage());
    assertTrue(e.getMessage().contains("at most 2147483639 (2^31) are simulated"), e.getMessage());
    ReplayConfig none = load(dir, "{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", "
        + "\"capacity_bytes\": 1000}]}");
    e = assertThrows(ConfigException.class, () -> none.checkApplies(TraceKind.REQUESTS, 16));
    assertTrue(e.getMessage().startsWith("$.tiers[0].capacity_bytes: 1000 holds no placement unit of 2097152 bytes"),
        e.getMessage());
    assertEquals(10, load(dir, "{\"model\": \"llama-3-8b\", \"tiers\": [" + TIER + "]}").placementUnits(16));
  }

  @Test
  void maxTransferBytesMaySplitAUnitIntoSixteenTransfersAtMost() throws Exception {
    String timed = "{\"model\": \"llama-3-8b\", \"tiers\": [" + TIER + ", " + DRAM + "], \"hardware\": \"h100-sxm\", "
        + "\"max_transfer_bytes\": ";
    ReplayConfig one = load(dir, timed + "1}");
    ConfigException e = assertThrows(ConfigException.class, () -> one.checkApplies(TraceKind.REQUESTS, 16));
    assertEquals("$.max_transfer_bytes: 1 splits every placement unit of 65536 bytes (one layer of a 16-token block) into "
        + "65536 transfers; at most 16 a unit are simulated; give at least 4096, or 0 for one transfer a unit",
        e.getMessage());
    load(dir, timed + "4096}").checkApplies(TraceKind.REQUESTS, 16);
    load(dir, timed + "0}").checkApplies(TraceKind.REQUESTS, 16);
    load(dir, timed + "9223372036854775807}").checkApplies(TraceKind.REQUESTS, 16);
  }
}
