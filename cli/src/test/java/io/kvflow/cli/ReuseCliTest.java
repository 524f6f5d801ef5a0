package io.kvflow.cli;

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
 * Bad reuse options: exit 2, one line naming what is wrong, no output directory; the prefix studies'
 * fields and chart.
 */
class ReuseCliTest {
  @TempDir
  Path dir;

  static final Path ZIPF = Path.of("..", "sample-traces", "zipf-small.parquet");

  @Test
  void perTenantOfAnAccessesTraceLeavesNothing() {
    Path out = dir.resolve("o");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("reuse", ZIPF.toString(), "--per-tenant", "--out",
        out.toString()), "needs a requests trace");
    assertFalse(Files.exists(out), "no output directory for bad input");
  }

  @Test
  void perTenantWithSamplingIsRefused() {
    Path out = dir.resolve("s");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("reuse", SweepCliTest.CHAT.toString(), "--per-tenant",
        "--shards-rate", "0.1", "--out", out.toString()), "--per-tenant");
    assertFalse(Files.exists(out), "no output directory for bad input");
  }

  @Test
  void prefixAwareOfAnAccessesTraceLeavesNothing() {
    Path out = dir.resolve("p");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("reuse", ZIPF.toString(), "--prefix-aware", "--out",
        out.toString()), "need a requests trace");
    assertFalse(Files.exists(out), "no output directory for bad input");
  }

  @Test
  void optWithSamplingIsRefused() {
    Path out = dir.resolve("o");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("reuse", SweepCliTest.CHAT.toString(), "--opt",
        "--shards-rate", "0.1", "--out", out.toString()), "--opt");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("reuse", SweepCliTest.CHAT.toString(), "--prefix-aware",
        "--per-tenant", "--out", out.toString()), "--prefix-aware");
    assertFalse(Files.exists(out), "no output directory for bad input");
  }

  @Test
  void shardsNearWritesItsStrataAndIsDeterministic() throws Exception {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    for (Path out : new Path[] {a, b}) {
      CliTestSupport.Result r = CliTestSupport.run("reuse", ZIPF.toString(), "--shards-rate", "0.1", "--shards-near",
          "500", "--shards-near-rate", "0.5", "--shards-seed", "3", "-q", "--out", out.toString());
      assertEquals(0, r.exit(), r.err());
    }
    assertEquals(Files.readString(a.resolve("reuse.json")), Files.readString(b.resolve("reuse.json")));
    JsonNode s = new ObjectMapper().readTree(a.resolve("reuse.json").toFile());
    assertEquals("shards-hybrid", s.path("sampling").asText());
    assertEquals(500, s.path("shards_near_blocks").asLong());
    assertEquals(3, s.path("shards_seed").asLong());
    assertTrue(s.path("near_sampled_references").asLong() > s.path("sampled_references").asLong());
    assertTrue(s.path("mrc").isArray() && !s.path("mrc").isEmpty());
  }

  @Test
  void shardsNearWithoutARateOrBelowItIsRefused() {
    Path out = dir.resolve("n");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("reuse", ZIPF.toString(), "--shards-near", "100", "--out",
        out.toString()), "--shards-near: needs --shards-rate");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("reuse", ZIPF.toString(), "--shards-rate", "0.1",
        "--shards-near", "100", "--shards-near-rate", "0.05", "--out", out.toString()), "--shards-near-rate");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("reuse", ZIPF.toString(), "--shards-rate", "0.1",
        "--shards-near-rate", "0.5", "--out", out.toString()), "needs --shards-near");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("reuse", ZIPF.toString(), "--shards-rate", "0.1",
        "--shards-near", "100", "--policy", "lru", "--out", out.toString()), "--policy");
    assertFalse(Files.exists(out), "no output directory for bad input");
  }

  @Test
  void prefixAwareAndOptCurvesShareOneChartInBytes() throws Exception {
    Path out = dir.resolve("curves");
    CliTestSupport.Result r = CliTestSupport.run("reuse", SweepCliTest.CHAT.toString(), "--prefix-aware", "--opt",
        "--preset", "llama-3-8b", "--sizes", "500,1GiB", "-q", "--out", out.toString());
    assertEquals(0, r.exit(), r.err());
    JsonNode s = new ObjectMapper().readTree(out.resolve("reuse.json").toFile());
    assertTrue(s.path("block_bytes").asLong() > 0);
    for (String f : new String[] {"mrc", "prefix_mrc", "prefix_mrc_tokens", "opt_mrc", "tree_opt_mrc", "tree_opt_mrc_tokens"}) {
      assertTrue(s.path(f).isArray() && !s.path(f).isEmpty(), f);
    }
    // chat-small keys blocks by chained hashes: tree-OPT is flat OPT (docs/reuse.md)
    assertEquals(s.get("opt_mrc"), s.get("tree_opt_mrc"));
    assertEquals(0.0, s.path("tree_opt_gap_max").asDouble());
    // no prefix-respecting cache beats tree-OPT
    java.util.Map<Long, Double> prefix = new java.util.HashMap<>();
    s.get("prefix_mrc").forEach(p -> prefix.put(p.get(0).asLong(), p.get(1).asDouble()));
    int compared = 0;
    for (JsonNode p : s.get("tree_opt_mrc")) {
      Double lru = prefix.get(p.get(0).asLong());
      if (lru != null) {
        assertTrue(lru >= p.get(1).asDouble() - 1e-12, "size " + p.get(0));
        compared++;
      }
    }
    assertTrue(compared >= 2, "the requested sizes are in both curves");
    JsonNode chart = s.path("charts").get(0);
    assertEquals("cache size (bytes)", chart.path("x").asText());
    assertEquals("miss ratio", chart.path("y").asText());
    java.util.List<String> names = new java.util.ArrayList<>();
    chart.path("series").forEach(x -> names.add(x.path("name").asText()));
    assertEquals(java.util.List.of("flat LRU", "prefix-aware LRU", "flat OPT", "tree-OPT"), names);
    String html = Files.readString(out.resolve("report.html"));
    assertTrue(html.contains("flat vs prefix-aware vs optimum"), "the chart is on the page");
  }
}
