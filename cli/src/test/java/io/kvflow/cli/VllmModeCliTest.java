package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code "engine": "vllm"} from the command line: report.json's engine object, metrics.prom beside
 * it (parsed strictly, its counters equal to the report's), per-tier attribution that adds up, and
 * the refusals where the mode cannot apply.
 */
class VllmModeCliTest {
  @TempDir
  Path dir;

  static final Path MOONCAKE = Path.of("..", "sample-traces", "real", "mooncake", "conversation_trace.jsonl.gz");

  private Path config(String fields) throws Exception {
    return Files.writeString(dir.resolve("vllm.json"), "{\"model\": \"llama-3-8b\", \"engine\": \"vllm\", " + fields + "}");
  }

  private static final String TWO_TIERS = "\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": %d},"
      + " {\"name\": \"dram\", \"kind\": \"dram\", \"capacity_blocks\": %d}], \"max_batch\": 64, "
      + "\"max_batched_tokens\": 8192";

  private JsonNode replay(Path trace, Path config, Path out) throws Exception {
    CliTestSupport.Result r = CliTestSupport.run("replay", trace.toString(), "--config", config.toString(), "--out",
        out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    return new ObjectMapper().readTree(out.resolve("report.json").toFile());
  }

  static double value(Map<String, PromTextParser.Family> f, String family, String source) {
    for (PromTextParser.Sample s : f.get(family).samples()) {
      if (source == null || source.equals(s.labels().get("source"))) {
        assertEquals("llama-3-8b", s.labels().get("model_name"));
        return s.value();
      }
    }
    throw new AssertionError("no sample of " + family + " " + source);
  }

  /** Prompt tokens split into GPU hits, CPU loads and computed, adding up exactly; metrics.prom says the same. */
  static void checkAttributionAndMetrics(JsonNode report, Path out) throws Exception {
    JsonNode e = report.get("engine");
    long prompt = e.get("prompt_tokens").asLong();
    JsonNode src = e.get("prompt_tokens_by_source");
    assertEquals(prompt, src.get("local_cache_hit").asLong() + src.get("external_kv_transfer").asLong()
        + src.get("local_compute").asLong());
    assertEquals(report.get("prefix_cache").get("input_tokens").asLong(), prompt);
    assertEquals(report.get("prefix_cache").get("input_token_hits").asLong(),
        src.get("local_cache_hit").asLong() + src.get("external_kv_transfer").asLong());
    Map<String, PromTextParser.Family> m = PromTextParser.parse(Files.readString(out.resolve("metrics.prom")));
    assertEquals("counter", m.get("vllm:prefix_cache_queries").type());
    assertEquals("counter", m.get("vllm:prefix_cache_hits").type());
    assertEquals("counter", m.get("vllm:num_preemptions").type());
    assertEquals("gauge", m.get("vllm:kv_cache_usage_perc").type());
    assertEquals(e.get("prefix_cache_queries").asDouble(), value(m, "vllm:prefix_cache_queries", null));
    assertEquals(e.get("prefix_cache_hits").asDouble(), value(m, "vllm:prefix_cache_hits", null));
    assertEquals(e.get("num_preemptions").asDouble(), value(m, "vllm:num_preemptions", null));
    assertEquals(e.get("generation_tokens").asDouble(), value(m, "vllm:generation_tokens", null));
    assertEquals(e.get("kv_cache_usage_mean").asDouble(), value(m, "vllm:kv_cache_usage_perc", null));
    assertEquals(e.get("kv_cache_usage_peak").asDouble(), value(m, "kvflow:kv_cache_usage_perc_peak", null));
    for (String s : new String[] {"local_cache_hit", "external_kv_transfer", "local_compute"}) {
      assertEquals(src.get(s).asDouble(), value(m, "vllm:prompt_tokens_by_source", s), s);
    }
    if (e.get("cpu_capacity_blocks").asLong() > 0) {
      assertEquals(e.get("external_prefix_cache_hits").asDouble(), value(m, "vllm:external_prefix_cache_hits", null));
      assertEquals(e.get("external_prefix_cache_queries").asDouble(),
          value(m, "vllm:external_prefix_cache_queries", null));
    }
  }

  @Test
  void mooncakeConversationWithCpuOffloadAddsUp() throws Exception {
    Path trace = dir.resolve("conversation.parquet");
    CliTestSupport.Result imp = CliTestSupport.run("import", "mooncake", MOONCAKE.toString(), "-o", trace.toString());
    assertEquals(0, imp.exit(), imp.err());
    Path out = dir.resolve("out");
    JsonNode report = replay(trace, config(String.format(TWO_TIERS, 2048, 8192)), out);
    JsonNode e = report.get("engine");
    assertEquals(12031, e.get("requests").asLong());
    assertEquals(0, e.get("requests_too_large").asLong());
    assertEquals(144793823L, e.get("prompt_tokens").asLong(), "every prompt token of the trace");
    assertTrue(e.get("prefix_cache_hits").asLong() > 0);
    assertTrue(e.get("external_prefix_cache_hits").asLong() > 0, "the CPU tier served some prompts");
    assertTrue(e.get("num_preemptions").asLong() > 0, "2048 blocks of 512 tokens preempt 64 long conversations");
    checkAttributionAndMetrics(report, out);
    assertEquals("vllm", report.get("config").get("engine").asText());
  }

  @Test
  void chatSmallOnTheGpuPoolAlone() throws Exception {
    Path out = dir.resolve("chat");
    JsonNode report = replay(ReplayCompareCliTest.CHAT, config("\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", "
        + "\"capacity_blocks\": 4000}], \"max_batch\": 16"), out);
    JsonNode e = report.get("engine");
    assertEquals(300, e.get("requests").asLong());
    assertEquals(0, e.get("prompt_tokens_by_source").get("external_kv_transfer").asLong());
    assertTrue(e.get("prefix_cache_hits").asLong() > 0);
    checkAttributionAndMetrics(report, out);
    Map<String, PromTextParser.Family> m = PromTextParser.parse(Files.readString(out.resolve("metrics.prom")));
    assertTrue(!m.containsKey("vllm:external_prefix_cache_hits"), "no connector, no external metrics");
    // the same run twice gives the same bytes
    Path again = dir.resolve("again");
    replay(ReplayCompareCliTest.CHAT, dir.resolve("vllm.json"), again);
    assertEquals(Files.readString(out.resolve("metrics.prom")), Files.readString(again.resolve("metrics.prom")));
  }

  @Test
  void refusedOnAnAccessesTrace() throws Exception {
    Path c = config(String.format(TWO_TIERS, 500, 1000));
    CliTestSupport.Result r = CliTestSupport.run("replay", ReplayCompareCliTest.DECODE.toString(), "--config",
        c.toString(), "--out", dir.resolve("x").toString());
    GenerateInspectCliTest.assertBadInput(r, "$.engine");
    assertTrue(Files.notExists(dir.resolve("x")));
  }

  @Test
  void refusedWhereASettingCannotApply() throws Exception {
    String tiers = "\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 500, \"policy\": \"%s\"}]";
    Object[][] cases = {
        {String.format(tiers, "lru") + ", \"hardware\": \"h100-sxm\"", "$.engine"},
        {String.format(tiers, "fifo"), "$.tiers[0].policy"},
        {String.format(tiers, "lru") + ", \"preemption\": \"swap\"", "$.preemption"},
        {String.format(tiers, "lru") + ", \"expansion\": \"prefix\"", "$.expansion"},
        {String.format(tiers, "lru") + ", \"placement\": \"block-layer\"", "$.placement"},
        {String.format(tiers, "lru") + ", \"finished_requests\": \"free\"", "$.finished_requests"},
        {String.format(tiers, "lru") + ", \"hierarchy\": \"inclusive\"", "$.hierarchy"},
        {"\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 500, \"admission\": \"never\"}]",
            "$.tiers[0].admission"},
        {"\"tiers\": [{\"name\": \"a\", \"kind\": \"hbm\", \"capacity_blocks\": 500}, {\"name\": \"b\", \"kind\": "
            + "\"dram\", \"capacity_blocks\": 500}, {\"name\": \"c\", \"kind\": \"ssd\", \"capacity_blocks\": 500}]",
            "$.tiers"},
    };
    for (Object[] k : cases) {
      Path c = config((String) k[0]);
      CliTestSupport.Result r = CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config",
          c.toString(), "--out", dir.resolve("y").toString());
      GenerateInspectCliTest.assertBadInput(r, (String) k[1]);
    }
  }
}
