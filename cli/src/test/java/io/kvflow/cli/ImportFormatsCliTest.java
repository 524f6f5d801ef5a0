package io.kvflow.cli;

import static io.kvflow.cli.GenerateInspectCliTest.assertBadInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kvflow import} of the hand-written fixtures of every newer format, {@code --prefix-model},
 * and {@code inspect --max-context}, through the command line.
 */
class ImportFormatsCliTest {
  private static final Path FIXTURES = Path.of("..", "sample-traces", "importers");

  @TempDir
  Path dir;

  private JsonNode inspect(Path trace, String... extra) throws Exception {
    String[] args = new String[4 + extra.length];
    args[0] = "inspect";
    args[1] = trace.toString();
    args[2] = "--json";
    args[3] = "-q";
    System.arraycopy(extra, 0, args, 4, extra.length);
    CliTestSupport.Result r = CliTestSupport.run(args);
    assertEquals(0, r.exit(), r.err());
    return new ObjectMapper().readTree(r.out());
  }

  private Path importOk(String format, Path in, String... extra) {
    Path out = dir.resolve(format + ".parquet");
    String[] args = new String[6 + extra.length];
    System.arraycopy(new String[] {"import", format, in.toString(), "-o", out.toString(), "-q"}, 0, args, 0, 6);
    System.arraycopy(extra, 0, args, 6, extra.length);
    CliTestSupport.Result r = CliTestSupport.run(args);
    assertEquals(0, r.exit(), r.err());
    return out;
  }

  @Test
  void qwenBailianFixtureImportsAndInspectsWithACutContext() throws Exception {
    Path out = importOk("qwen-bailian", FIXTURES.resolve("qwen-bailian/qwen_bailian_small.jsonl"));
    JsonNode stats = inspect(out, "--max-context", "32");
    assertEquals(6, stats.get("requests").asLong());
    assertEquals(0.45, stats.get("ideal_block_hit_ratio").asDouble(), 1e-12);
    // first 32 tokens: blocks [1 2] [1 4] [1 2] [1 2] [9 10] [1 4]: 12 refs, 7 hits (1 + 2 + 2 + 0 + 2); tokens 32+20+32+32+32+32 = 180,
    // hits 16 (101's 1) + 32 + 32 + 0 + 32 = 112
    JsonNode cut = stats.get("max_context");
    assertEquals(32, cut.get("max_context_tokens").asLong());
    assertEquals(12, cut.get("block_refs").asLong());
    assertEquals(7.0 / 12, cut.get("ideal_block_hit_ratio").asDouble(), 1e-12);
    assertEquals(112.0 / 180, cut.get("ideal_token_hit_ratio").asDouble(), 1e-12);
  }

  @Test
  void agenticCodingFixtureImports() throws Exception {
    Path out = importOk("agentic-coding", FIXTURES.resolve("agentic-coding/agentic_coding_small.jsonl"));
    JsonNode stats = inspect(out);
    assertEquals(10, stats.get("requests").asLong());
    assertEquals(64, stats.get("block_tokens").asLong());
    assertEquals(0.5, stats.get("ideal_block_hit_ratio").asDouble(), 1e-12);
  }

  @Test
  void lengthOnlyTracesTakeASeededPrefixModel() throws Exception {
    Path out = importOk("burstgpt", FIXTURES.resolve("burstgpt/burstgpt_small.csv"),
        "--prefix-model", "session", "--seed", "7", "--session-continue", "1", "--system-prompt-tokens", "100");
    JsonNode stats = inspect(out);
    assertEquals("synthetic", stats.get("prefix_sharing").asText());
    assertEquals(178, stats.get("distinct_blocks").asLong());
    Path azure = importOk("azure", FIXTURES.resolve("azure-2024/azure_llm_2024_small.csv"));
    assertEquals("unknown", inspect(azure).get("prefix_sharing").asText());
    // a replay of the synthetic trace says where its prefixes came from
    Path replay = dir.resolve("replay");
    CliTestSupport.Result r = CliTestSupport.run("replay", out.toString(), "--out", replay.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("synthetic prefixes"), r.out());
    JsonNode report = new ObjectMapper().readTree(replay.resolve("report.json").toFile());
    assertEquals("synthetic", report.get("prefix_cache").get("prefix_info").asText());
  }

  @Test
  void badInputAndMisusedOptionsExitTwoWithOneLine() throws Exception {
    Path out = dir.resolve("x.parquet");
    Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"chat_id\": 1, \"parent_chat_id\": -1, \"timestamp\": 0,"
        + " \"input_length\": 20, \"output_length\": 1, \"type\": \"text\", \"turn\": 1, \"hash_ids\": [1, 2, 3]}\n");
    assertBadInput(CliTestSupport.run("import", "qwen-bailian", bad.toString(), "-o", out.toString(), "-q"),
        "line 1, field hash_ids");
    assertFalse(Files.exists(out));
    assertBadInput(CliTestSupport.run("import", "agentic-coding", bad.toString(), "-o", out.toString(), "-q"),
        "line 1, field block_size");
    assertBadInput(CliTestSupport.run("import", "qwen-bailian", FIXTURES.resolve("qwen-bailian/qwen_bailian_small.jsonl")
        .toString(), "-o", out.toString(), "-q", "--prefix-model", "session"), "carry their own block hashes");
    assertBadInput(CliTestSupport.run("import", "burstgpt", FIXTURES.resolve("burstgpt/burstgpt_small.csv").toString(),
        "-o", out.toString(), "-q", "--prefix-model", "chat"), "expected none, system-prompt or session");
    assertBadInput(CliTestSupport.run("import", "burstgpt", FIXTURES.resolve("burstgpt/burstgpt_small.csv").toString(),
        "-o", out.toString(), "-q", "--prefix-model", "session", "--session-continue", "1.5"), "must be in [0, 1]");
    assertFalse(Files.exists(out));
    assertTrue(CliTestSupport.run("import", "--help").out().contains("--prefix-model"));
  }

  @Test
  void sessionMooncakeCopilotAndMultimodalFixturesImportAndHelpListsThemFromTheRegistry() throws Exception {
    for (String format : new String[] {"mooncake-sessions", "mooncake-sessions-delta"}) {
      String file = format.equals("mooncake-sessions") ? "mooncake_sessions_small.jsonl" : "mooncake_sessions_delta_small.jsonl";
      JsonNode stats = inspect(importOk(format, FIXTURES.resolve("mooncake-sessions/" + file)));
      assertEquals(6, stats.get("requests").asLong(), format);
      assertEquals(0.5, stats.get("ideal_block_hit_ratio").asDouble(), 1e-12, format);
    }
    Path copilot = importOk("copilot-sessions", FIXTURES.resolve("copilot-sessions/copilot_sessions_small.jsonl"),
        "--prefix-model", "session", "--session-continue", "1");
    JsonNode stats = inspect(copilot);
    assertEquals(137.0 / 314, stats.get("ideal_block_hit_ratio").asDouble(), 1e-12);
    assertEquals(0.4816, stats.get("reported_cached_token_ratio").asDouble(), 1e-12);
    CliTestSupport.Result table = CliTestSupport.run("inspect", copilot.toString(), "-q");
    assertEquals(0, table.exit(), table.err());
    assertTrue(table.out().contains("reported_cached_token_ratio") && table.out().contains("0.4816"), table.out());
    JsonNode multimodal = inspect(importOk("azure-multimodal",
        FIXTURES.resolve("azure-multimodal-2025/azure_multimodal_2025_small.csv")));
    assertEquals(3, multimodal.get("images").asLong());
    assertEquals("unknown", multimodal.get("prefix_sharing").asText());
    String help = CliTestSupport.run("import", "--help").out().replaceAll("\\s+", " "); // picocli wraps at 80 columns
    for (io.kvflow.trace.imports.ImportFormat f : io.kvflow.trace.imports.ImportFormat.values()) {
      assertTrue(help.contains(" " + f.cliName() + " "), f.cliName() + " missing from: " + help);
    }
    assertTrue(help.contains("Length-only formats (--prefix-model applies): azure, kvflow-jsonl, burstgpt, copilot-sessions,"
        + " azure-multimodal"), help);
    assertBadInput(CliTestSupport.run("import", "mooncake-sessions", FIXTURES.resolve("mooncake-sessions/"
        + "mooncake_sessions_small.jsonl").toString(), "-o", dir.resolve("y.parquet").toString(), "-q", "--prefix-model",
        "session"), "length-only formats azure, kvflow-jsonl, burstgpt, copilot-sessions, azure-multimodal");
  }
}
