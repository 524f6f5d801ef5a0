package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile inputs of the reliability review, each refused at once with exit 2 and one line that
 * names the file and where in it (or the option) and the limit, leaving nothing behind.
 */
class HostileInputCliTest {
  @TempDir
  Path dir;

  private static final String CHAT = OutputSafetyCliTest.CHAT.toString();

  /** Runs a command expected to be refused: exit 2, one line holding every fragment, nothing in {@code dir} but inputs. */
  private String refused(List<String> inputs, String... args) throws Exception {
    CliTestSupport.Result r = CliTestSupport.run(args);
    assertEquals(2, r.exit(), r.err());
    assertTrue(r.err().startsWith("kvflow: ") && r.err().indexOf('\n') == r.err().length() - 1, r.err());
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(inputs.stream().sorted().toList(), s.map(p -> p.getFileName().toString()).sorted().toList(),
          "left behind");
    }
    return r.err().strip();
  }

  private Path file(String name, byte[] bytes) throws Exception {
    return Files.write(dir.resolve(name), bytes);
  }

  private Path file(String name, String text) throws Exception {
    return file(name, text.getBytes(StandardCharsets.UTF_8));
  }

  private String out() {
    return dir.resolve("out").toString();
  }

  @Test
  void configsNestedTooDeeplyOrNotUtf8OrWithTooManyTiers() throws Exception {
    Path deep = file("deep.json", "{\"model\": " + "[".repeat(1001) + "]".repeat(1001) + "}");
    String m = refused(List.of("deep.json"), "replay", CHAT, "--config", deep.toString(), "--out", out());
    assertTrue(m.contains(deep + ": not valid JSON (line 1, column "), m);
    assertTrue(m.endsWith("objects and arrays nested more than 64 levels deep)"), m);
    byte[] utf8 = "{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"h\u00ff\"}]}".getBytes(StandardCharsets.ISO_8859_1);
    Path bad = file("bad.json", utf8);
    m = refused(List.of("deep.json", "bad.json"), "replay", CHAT, "--config", bad.toString(), "--out", out());
    assertEquals("kvflow: " + bad + ": not valid UTF-8 at line 1, column 46 (byte offset 45: 0xFF); save the file as UTF-8",
        m);
    StringBuilder tiers = new StringBuilder("{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 10}");
    for (int i = 0; i < 5000; i++) {
      tiers.append(", {\"name\": \"d").append(i).append("\", \"kind\": \"dram\", \"capacity_blocks\": 10}");
    }
    Path many = file("many.json", "{\"model\": \"llama-3-8b\", \"tiers\": [" + tiers + "]}");
    assertTrue(refused(List.of("deep.json", "bad.json", "many.json"), "replay", CHAT, "--config", many.toString(),
        "--out", out()).endsWith(": $.tiers: 5001 tiers; at most 16"));
  }

  @Test
  @Timeout(120)
  void aTransferSizeOfOneByteIsRefusedNamingTheLimit() throws Exception {
    Path c = file("tiny.json", "{\"model\": \"llama-3-8b\", \"hardware\": \"h100-sxm\", \"tiers\": [{\"name\": \"hbm\", "
        + "\"kind\": \"hbm\", \"capacity_bytes\": 2000000000}, {\"name\": \"dram\", \"kind\": \"dram\", "
        + "\"capacity_bytes\": 68719476736}], \"max_transfer_bytes\": 1}");
    String m = refused(List.of("tiny.json"), "replay", CHAT, "--config", c.toString(), "--out", out());
    assertTrue(m.contains("$.max_transfer_bytes: 1 splits every placement unit of 65536 bytes"), m);
    assertTrue(m.contains("at most 16 a unit are simulated; give at least 4096"), m);
  }

  @Test
  @Timeout(120)
  void aReplayWhoseFiguresWouldWrapIsRefused() throws Exception {
    // a block of 1 TiB in one layer, read from HBM at 1 MB/s: the clock passes 2^63 ns within the first steps
    Path c = file("wrap.json", "{\"model\": {\"layers\": 1, \"kv_heads\": 65536, \"head_dim\": 65536, "
        + "\"kv_dtype_bytes\": 8}, \"hardware\": {\"hbm_bandwidth_bps\": 1e6, \"peak_flops\": 1e15}, "
        + "\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 4000}]}");
    String m = refused(List.of("wrap.json"), "replay", CHAT, "--config", c.toString(), "--out", out());
    assertTrue(m.contains("with config " + c + ": a 64-bit figure wrapped around ("), m);
  }

  @Test
  void gridsThatAreNotUtf8OrHaveNegativeIndicesOrExplode() throws Exception {
    Path bad = file("bad.json", "{\"axes\": {\"$.tiers[0].policy\": [\"l\u00ffru\"]}}".getBytes(StandardCharsets.ISO_8859_1));
    assertTrue(refused(List.of("bad.json"), "sweep", CHAT, "--grid", bad.toString(), "--out", out())
        .endsWith(bad + ": not valid UTF-8 at line 1, column 35 (byte offset 34: 0xFF); save the file as UTF-8"));
    Path negative = file("neg.json", "{\"axes\": {\"$.tiers[-1].policy\": [\"lru\"]}}");
    assertTrue(refused(List.of("bad.json", "neg.json"), "sweep", CHAT, "--grid", negative.toString(), "--out", out())
        .endsWith("$.tiers[-1].policy: '-1' is not an index (a whole number from 0)"));
    StringBuilder values = new StringBuilder("1");
    for (int i = 2; i <= 100; i++) {
      values.append(", ").append(i);
    }
    Path explode = file("big.json", "{\"axes\": {\"$.seed\": [" + values + "], \"$.max_batch\": [" + values
        + "], \"$.max_batched_tokens\": [" + values + "]}}");
    assertTrue(refused(List.of("bad.json", "neg.json", "big.json"), "sweep", CHAT, "--grid", explode.toString(),
        "--out", out()).endsWith("$: the grid has 1000000 points (100 x 100 x 100 values); a sweep runs at most 10000 "
            + "replays; split it or shorten the lists"));
    Path two = file("two.json", "{\"axes\": {\"$.seed\": [" + values + "]}}");
    List<String> args = new java.util.ArrayList<>(List.of("sweep"));
    args.addAll(java.util.Collections.nCopies(101, CHAT));
    args.addAll(List.of("--grid", two.toString(), "--out", out()));
    String m = refused(List.of("bad.json", "neg.json", "big.json", "two.json"), args.toArray(String[]::new));
    assertTrue(m.endsWith(": 100 points x 101 traces are 10100 replays; a sweep runs at most 10000; split it"), m);
  }

  @Test
  void optionValuesPastTheirLimitsAreRefusedNamingOptionAndLimit() throws Exception {
    String o = dir.resolve("z.parquet").toString();
    assertEquals("kvflow: option --keys: 2000000000 must be <= 100000000",
        refused(List.of(), "generate", "zipf", "--keys", "2000000000", "-o", o));
    assertEquals("kvflow: option --interval-ns: 9223372036854775807 ns between 1000 reads passes the largest time_ns "
        + "(2^63-1 ns); at most 9232604641496272 with --accesses 1000",
        refused(List.of(), "generate", "zipf", "--accesses", "1000", "--interval-ns", "9223372036854775807", "-o", o));
    assertEquals("kvflow: option --partitions: 100000 must be in 1..1024",
        refused(List.of(), "reuse", CHAT, "--partitions", "100000", "--out", out()));
    assertEquals("kvflow: option --shards-max: 2000000000 must be in 1..16777216",
        refused(List.of(), "reuse", CHAT, "--shards-max", "2000000000", "--out", out()));
    assertEquals("kvflow: option --sizes: '\u0663\u0667\u0664' is not a number of blocks or a byte size like 8GiB",
        refused(List.of(), "reuse", CHAT, "--sizes", "\u0663\u0667\u0664", "--out", out()));
    assertTrue(refused(List.of(), "replay", CHAT, "--capacity-bytes", "9223372036854775807", "--out", out())
        .contains("$.tiers[0].capacity_bytes: 9223372036854775807 must be <= 1152921504606846976 (2^60, 1 EiB)"));
  }

  @Test
  void textFromInputsIsEscapedInMessagesAndTierNames() throws Exception {
    assertEquals("a\\u202Eb\\u200Bc\\u2028d\\uD800e", TerminalText.escape("a\u202eb\u200bc\u2028d\ud800e"));
    assertEquals("\ud83d\ude00 kept", TerminalText.escape("\ud83d\ude00 kept"));
    Path c = file("esc.json", "{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"h\\u001b[31m\\u2028\", \"kind\": \"hbm\", "
        + "\"capacity_blocks\": 100}]}");
    CliTestSupport.Result r = CliTestSupport.run("replay", CHAT, "--config", c.toString(), "--out", out(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("h\\u001B[31m\\u2028 "), r.out());
    assertFalse(r.out().contains("\u001b"));
  }
}
