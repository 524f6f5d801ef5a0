package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code "engine": "sglang"} from the command line: report.json's engine object, metrics.prom beside
 * it (parsed strictly, every figure equal to the report's), prompt tokens attributed to GPU, host and
 * computed adding up, byte-identical reruns, and the refusals where a setting cannot apply.
 */
class SglangModeCliTest {
  @TempDir
  Path dir;

  private Path config(String fields) throws Exception {
    return Files.writeString(dir.resolve("sglang.json"), "{\"model\": \"llama-3-8b\", \"engine\": \"sglang\", " + fields
        + "}");
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

  /** The single sample of {@code family} (with {@code source} when given), labelled with the model. */
  static double value(Map<String, PromTextParser.Family> f, String family, String source) {
    for (PromTextParser.Sample s : f.get(family).samples()) {
      if (source == null || source.equals(s.labels().get("source"))) {
        assertEquals("llama-3-8b", s.labels().get("model_name"));
        return s.value();
      }
    }
    throw new AssertionError("no sample of " + family + " " + source);
  }

  /** Prompt tokens = GPU hits + host loads + computed; metrics.prom's counters and gauges equal report.json's. */
  static void checkAttributionAndMetrics(JsonNode report, Path out) throws Exception {
    JsonNode e = report.get("engine");
    assertEquals("sglang", e.get("kind").asText());
    long prompt = e.get("prompt_tokens").asLong();
    JsonNode src = e.get("prompt_tokens_by_source");
    assertEquals(prompt, src.get("device").asLong() + src.get("host").asLong() + src.get("computed").asLong());
    assertEquals(e.get("cached_tokens").asLong(), src.get("device").asLong() + src.get("host").asLong());
    assertEquals(report.get("prefix_cache").get("input_tokens").asLong(), prompt);
    assertEquals(report.get("prefix_cache").get("input_token_hits").asLong(), e.get("cached_tokens").asLong());
    Map<String, PromTextParser.Family> m = PromTextParser.parse(Files.readString(out.resolve("metrics.prom")));
    for (String counter : new String[] {"sglang:prompt_tokens", "sglang:generation_tokens", "sglang:cached_tokens",
        "sglang:num_requests", "kvflow:num_retractions", "kvflow:evicted_tokens", "kvflow:prompt_tokens_by_source"}) {
      assertEquals("counter", m.get(counter).type(), counter);
    }
    for (String gauge : new String[] {"sglang:cache_hit_rate", "sglang:token_usage", "sglang:num_running_reqs"}) {
      assertEquals("gauge", m.get(gauge).type(), gauge);
    }
    assertEquals(e.get("prompt_tokens").asDouble(), value(m, "sglang:prompt_tokens", null));
    assertEquals(e.get("generation_tokens").asDouble(), value(m, "sglang:generation_tokens", null));
    assertEquals(e.get("cached_tokens").asDouble(), value(m, "sglang:cached_tokens", null));
    assertEquals(e.get("requests").asDouble(), value(m, "sglang:num_requests", null));
    assertEquals(e.get("num_retractions").asDouble(), value(m, "kvflow:num_retractions", null));
    assertEquals(e.get("evicted_tokens").asDouble(), value(m, "kvflow:evicted_tokens", null));
    assertEquals(e.get("cache_hit_rate").asDouble(), value(m, "sglang:cache_hit_rate", null));
    assertEquals(e.get("token_usage_mean").asDouble(), value(m, "sglang:token_usage", null));
    assertEquals(e.get("token_usage_peak").asDouble(), value(m, "kvflow:token_usage_peak", null));
    assertEquals(e.get("num_running_reqs_mean").asDouble(), value(m, "sglang:num_running_reqs", null));
    for (String s : new String[] {"device", "host", "computed"}) {
      assertEquals(src.get(s).asDouble(), value(m, "kvflow:prompt_tokens_by_source", s), s);
    }
    long hit = e.get("logged_hit_tokens").asLong();
    long input = e.get("logged_input_tokens").asLong();
    assertEquals((double) hit / (hit + input), e.get("cache_hit_rate").asDouble(), 1e-12);
    if (e.get("host_capacity_tokens").asLong() > 0) {
      assertEquals(e.get("hicache_written_tokens").asDouble(), value(m, "kvflow:hicache_written_tokens", null));
      assertEquals(e.get("hicache_loaded_tokens").asDouble(), value(m, "kvflow:hicache_loaded_tokens", null));
      assertEquals(e.get("hicache_evicted_tokens").asDouble(), value(m, "kvflow:hicache_evicted_tokens", null));
    } else {
      assertTrue(!m.containsKey("kvflow:hicache_written_tokens"), "no host tier, no HiCache figures");
    }
  }

  @Test
  void mooncakeConversationWithAHostTierAddsUp() throws Exception {
    Path trace = dir.resolve("conversation.parquet");
    CliTestSupport.Result imp = CliTestSupport.run("import", "mooncake", VllmModeCliTest.MOONCAKE.toString(), "-o",
        trace.toString());
    assertEquals(0, imp.exit(), imp.err());
    Path out = dir.resolve("out");
    JsonNode report = replay(trace, config(String.format(TWO_TIERS, 2048, 8192)), out);
    JsonNode e = report.get("engine");
    assertEquals(12031, e.get("requests").asLong());
    assertEquals(0, e.get("requests_too_large").asLong());
    assertEquals(144793823L, e.get("prompt_tokens").asLong(), "every prompt token of the trace");
    assertTrue(e.get("prompt_tokens_by_source").get("device").asLong() > 0);
    assertTrue(e.get("prompt_tokens_by_source").get("host").asLong() > 0, "the host tier served some prompts");
    assertEquals("write_through", e.get("hicache_write_policy").asText());
    checkAttributionAndMetrics(report, out);
    assertEquals("sglang", report.get("config").get("engine").asText());
    assertEquals(1, report.get("config").get("sglang").get("page_size").asInt());
  }

  @Test
  void chatSmallTwiceGivesTheSameBytesAndThePolicyAndPageSizeMatter() throws Exception {
    Path out = dir.resolve("chat");
    String host = "\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 300}, {\"name\": \"dram\", "
        + "\"kind\": \"dram\", \"capacity_blocks\": 3000}], \"max_batch\": 16";
    JsonNode through = replay(ReplayCompareCliTest.CHAT, config(host), out);
    checkAttributionAndMetrics(through, out);
    Path again = dir.resolve("again");
    replay(ReplayCompareCliTest.CHAT, dir.resolve("sglang.json"), again);
    assertEquals(Files.readString(out.resolve("metrics.prom")), Files.readString(again.resolve("metrics.prom")));
    assertEquals(Files.readString(out.resolve("report.json")), Files.readString(again.resolve("report.json")));
    Path back = dir.resolve("back");
    JsonNode writeBack = replay(ReplayCompareCliTest.CHAT,
        config(host + ", \"sglang\": {\"hicache_write_policy\": \"write_back\"}"), back);
    checkAttributionAndMetrics(writeBack, back);
    assertEquals("write_back", writeBack.get("engine").get("hicache_write_policy").asText());
    assertTrue(writeBack.get("engine").get("hicache_written_tokens").asLong()
        <= writeBack.get("engine").get("evicted_tokens").asLong(), "write-back writes evicted nodes only");
    assertNotEquals(through.get("engine").get("hicache_written_tokens").asLong(),
        writeBack.get("engine").get("hicache_written_tokens").asLong());
    Path paged = dir.resolve("paged");
    JsonNode p16 = replay(ReplayCompareCliTest.CHAT, config(host + ", \"sglang\": {\"page_size\": 16}"), paged);
    checkAttributionAndMetrics(p16, paged);
    assertEquals(0, p16.get("engine").get("cached_tokens").asLong() % 16, "whole 16-token pages only");
  }

  @Test
  void refusedWhereASettingCannotApply() throws Exception {
    String tiers = "\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 500, \"policy\": \"%s\"}]";
    Object[][] cases = {
        {String.format(tiers, "lru") + ", \"hardware\": \"h100-sxm\"", "$.engine"},
        {String.format(tiers, "lfu"), "$.tiers[0].policy"},
        {String.format(tiers, "lru") + ", \"preemption\": \"swap\"", "$.preemption"},
        {String.format(tiers, "lru") + ", \"expansion\": \"prefix\"", "$.expansion"},
        {String.format(tiers, "lru") + ", \"placement\": \"block-layer\"", "$.placement"},
        {String.format(tiers, "lru") + ", \"finished_requests\": \"free\"", "$.finished_requests"},
        {String.format(tiers, "lru") + ", \"hierarchy\": \"inclusive\"", "$.hierarchy"},
        {String.format(tiers, "lru") + ", \"sglang\": {\"hicache_write_policy\": \"write_back\"}",
            "$.sglang.hicache_write_policy"},
        {String.format(tiers, "lru") + ", \"sglang\": {\"page_size\": 0}", "$.sglang.page_size"},
        {String.format(tiers, "lru") + ", \"sglang\": {\"page_size\": 64}, \"max_batched_tokens\": 32",
            "$.max_batched_tokens"},
        {String.format(tiers, "lru") + ", \"sglang\": {\"paging\": 4}", "$.sglang"},
        {"\"tiers\": [{\"name\": \"a\", \"kind\": \"hbm\", \"capacity_blocks\": 500}, {\"name\": \"b\", \"kind\": "
            + "\"dram\", \"capacity_blocks\": 500}, {\"name\": \"c\", \"kind\": \"ssd\", \"capacity_blocks\": 500}]",
            "$.tiers"},
    };
    for (Object[] k : cases) {
      Path c = config((String) k[0]);
      CliTestSupport.Result r = CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config",
          c.toString(), "--out", dir.resolve("y").toString());
      GenerateInspectCliTest.assertBadInput(r, (String) k[1]);
      assertTrue(Files.notExists(dir.resolve("y")), "no partial output");
    }
    // the sglang settings on another engine
    Path v = Files.writeString(dir.resolve("v.json"), "{\"model\": \"llama-3-8b\", \"engine\": \"vllm\", "
        + String.format(tiers, "lru") + ", \"sglang\": {\"page_size\": 16}}");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config",
        v.toString(), "--out", dir.resolve("z").toString()), "$.sglang");
    Path acc = config(String.format(tiers, "lru"));
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("replay", ReplayCompareCliTest.DECODE.toString(),
        "--config", acc.toString(), "--out", dir.resolve("w").toString()), "$.engine");
  }
}
