package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A setting that cannot apply exits 2 with one line naming the JSON path, before anything is
 * written, whether it comes from a config file or a command-line override, in replay, compare and
 * sweep.
 */
class SettingsThatCannotApplyCliTest {
  @TempDir
  Path dir;

  private static final Path CHAT = ReplayCompareCliTest.CHAT; // requests
  private static final Path DECODE = ReplayCompareCliTest.DECODE; // accesses

  private static final String TIERS = "\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 500},"
      + " {\"name\": \"dram\", \"kind\": \"dram\", \"capacity_blocks\": 100000}]";

  private Path config(String name, String fields) throws Exception {
    return Files.writeString(dir.resolve(name), "{\"model\": \"llama-3-8b\", " + fields + "}");
  }

  private Path out() {
    return dir.resolve("out");
  }

  /** Exit 2, one line containing every fragment, and no output directory. */
  private void refused(CliTestSupport.Result r, String... fragments) {
    for (String f : fragments) {
      GenerateInspectCliTest.assertBadInput(r, f);
    }
    assertTrue(Files.notExists(out()), "nothing written");
  }

  @Test
  void sparseReadsOnARequestsTrace() throws Exception {
    Path c = config("sparse.json", TIERS + ", \"sparse_reads\": {\"policy\": \"top-k\", \"k\": 8}");
    refused(CliTestSupport.run("replay", CHAT.toString(), "--config", c.toString(), "--out", out().toString()),
        "$.sparse_reads", "chat-small.parquet (a requests trace) with config " + c, "accesses traces only");
  }

  @Test
  void discardAndCodecRuleOnARequestsTrace() throws Exception {
    Path d = config("discard.json", TIERS + ", \"discard\": {\"policy\": \"streaming-llm\"}");
    refused(CliTestSupport.run("replay", CHAT.toString(), "--config", d.toString(), "--out", out().toString()),
        "$.discard");
    Path r = config("rule.json", TIERS + ", \"codec_rule\": {\"recent_window\": 16, \"cold_int4_distance\": 64}");
    refused(CliTestSupport.run("replay", CHAT.toString(), "--config", r.toString(), "--out", out().toString()),
        "$.codec_rule");
  }

  @Test
  void policyOptWithLowerTiersIsRefusedNotDropped() throws Exception {
    refused(CliTestSupport.run("replay", CHAT.toString(), "--policy", "opt", "--expansion", "prefix", "--out",
        out().toString()), "$.tiers[0].policy", "config default with --policy opt", "single-tier");
  }

  @Test
  void policyOptOnItsOwnRunsWithPrefixExpansionOnly() throws Exception {
    Path one = config("one.json", "\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 500}]");
    refused(CliTestSupport.run("replay", CHAT.toString(), "--config", one.toString(), "--policy", "opt", "--out",
        out().toString()), "$.tiers[0].policy", "\"expansion\": \"prefix\"");
    CliTestSupport.Result ok = CliTestSupport.run("replay", CHAT.toString(), "--config", one.toString(), "--policy", "opt",
        "--expansion", "prefix", "--out", out().toString(), "-q");
    assertEquals(0, ok.exit(), ok.err());
    JsonNode report = new ObjectMapper().readTree(out().resolve("report.json").toFile());
    assertEquals(1, report.get("tiers").size());
    assertEquals("opt", report.get("config").get("tiers").get(0).get("policy").asText());
  }

  @Test
  void hotWarmColdSettingsOnAnotherPolicy() throws Exception {
    Path c = config("hot.json", TIERS.replace("\"capacity_blocks\": 100000}", "\"capacity_blocks\": 100000, \"hot_window\": 64}"));
    refused(CliTestSupport.run("replay", DECODE.toString(), "--config", c.toString(), "--out", out().toString()),
        "$.tiers[1].hot_window", "hot-warm-cold only");
    // the policy override goes through the same rule
    Path hwc = config("hwc.json", "\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 500,"
        + " \"policy\": \"hot-warm-cold\", \"warm_threshold\": 3}]");
    refused(CliTestSupport.run("replay", DECODE.toString(), "--config", hwc.toString(), "--policy", "lru", "--out",
        out().toString()), "$.tiers[0].warm_threshold", "--policy lru");
  }

  @Test
  void prefetchDepthWithoutPrefetch() throws Exception {
    Path c = config("depth.json", TIERS + ", \"hardware\": \"h100-sxm\", \"prefetch\": {\"policy\": \"none\", \"depth\": 2}");
    refused(CliTestSupport.run("replay", DECODE.toString(), "--config", c.toString(), "--out", out().toString()),
        "$.prefetch.depth");
  }

  @Test
  void expansionOverridesAreChecked() throws Exception {
    Path free = config("free.json", TIERS + ", \"finished_requests\": \"free\"");
    refused(CliTestSupport.run("replay", CHAT.toString(), "--config", free.toString(), "--expansion", "prefix", "--out",
        out().toString()), "$.finished_requests", "--expansion prefix");
    refused(CliTestSupport.run("replay", DECODE.toString(), "--expansion", "prefix", "--out", out().toString()),
        "$.expansion", "(an accesses trace)", "requests traces only");
  }

  @Test
  void compareRefusesTheCandidateBeforeTheBaselineRuns() throws Exception {
    Path c = config("sparse.json", TIERS + ", \"sparse_reads\": {\"policy\": \"top-k\", \"k\": 8}");
    refused(CliTestSupport.run("compare", CHAT.toString(), "--baseline", "default", "--candidate", c.toString(), "--out",
        out().toString()), "$.sparse_reads", "with config " + c);
    refused(CliTestSupport.run("compare", CHAT.toString(), "--policies", "lru,opt", "--out", out().toString()),
        "$.tiers[0].policy", "--policies opt");
  }

  @Test
  void sweepRefusesAPointBeforeAnyRuns() throws Exception {
    Path grid = Files.writeString(dir.resolve("g.json"), "{\"axes\": {\"$.expansion\": [\"full\", \"prefix\"]}}");
    refused(CliTestSupport.run("sweep", DECODE.toString(), "--grid", grid.toString(), "--out", out().toString()),
        "$.expansion", "point {$.expansion=\"prefix\"}", "(an accesses trace)");
    Path opt = Files.writeString(dir.resolve("o.json"), "{\"axes\": {\"$.tiers[0].policy\": [\"lru\", \"opt\"]}}");
    refused(CliTestSupport.run("sweep", CHAT.toString(), "--grid", opt.toString(), "--out", out().toString()),
        "$.tiers[0].policy", "single-tier");
  }

  @Test
  void aSweepGivesNullWhereASettingDoesNotApply() throws Exception {
    Path base = config("timed.json", TIERS + ", \"hardware\": \"h100-sxm\", \"prefetch\": {\"policy\": \"layer-ahead\","
        + " \"depth\": 1}");
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\"axes\": {\"$.prefetch.policy\": [\"none\", \"layer-ahead\"]}}");
    refused(CliTestSupport.run("sweep", DECODE.toString(), "--grid", bad.toString(), "--config", base.toString(), "--out",
        out().toString()), "$.prefetch.depth", "point {$.prefetch.policy=\"none\"}");
    Path good = Files.writeString(dir.resolve("good.json"), "{\"zip\": [{\"$.prefetch.policy\": [\"none\", \"layer-ahead\"],"
        + " \"$.prefetch.depth\": [null, 2]}]}");
    CliTestSupport.Result r = CliTestSupport.run("sweep", DECODE.toString(), "--grid", good.toString(), "--config",
        base.toString(), "--out", out().toString(), "--threads", "1", "-q");
    assertEquals(0, r.exit(), r.err());
    JsonNode t = new ObjectMapper().readTree(out().resolve("sweep.json").toFile());
    assertEquals(2, t.get("points").size());
    assertEquals("ok", t.get("points").get(0).get("status").asText());
  }
}
