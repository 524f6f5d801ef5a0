package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** replay and compare as a user runs them: outputs, determinism, histogram files, bad configs. */
class ReplayCompareCliTest {
  @TempDir
  Path dir;

  static final Path DECODE = Path.of("..", "sample-traces", "decode-small.parquet");

  private Path config(String json) throws Exception {
    return Files.writeString(dir.resolve("c" + json.hashCode() + ".json"), json);
  }

  static final String TIMED = "{\"model\": {\"layers\": 4, \"kv_heads\": 8, \"head_dim\": 128, \"parameters\": 1000000000},"
      + " \"hardware\": \"h100-sxm\", \"placement\": \"block-layer\","
      + " \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 64, \"policy\": \"static\"},"
      + " {\"name\": \"dram\", \"kind\": \"dram\", \"capacity_blocks\": 100000}],"
      + " \"prefetch\": {\"policy\": \"layer-ahead\", \"depth\": 1}}";

  @Test
  void timedReplayIsDeterministicAndWritesHistograms() throws Exception {
    Path cfg = config(TIMED);
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    assertEquals(0, CliTestSupport.run("replay", DECODE.toString(), "--config", cfg.toString(), "--out", a.toString(), "-q").exit());
    assertEquals(0, CliTestSupport.run("replay", DECODE.toString(), "--config", cfg.toString(), "--out", b.toString(), "-q").exit());
    for (String f : new String[] {"report.json", "steps.csv", "requests.csv", "step_ns.hgrm", "step_ns.hlog"}) {
      assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f + " differs between runs");
    }
    ReportConservation.assertConsistent(a);
    JsonNode r = new ObjectMapper().readTree(a.resolve("report.json").toFile());
    for (String name : new String[] {"step", "step_stall", "ttft", "tpot", "e2e"}) {
      JsonNode h = r.get("latency_ns").get(name);
      for (String k : new String[] {"p50", "p90", "p99", "p999", "max", "mean", "count"}) {
        assertTrue(h.has(k), name + "." + k);
      }
    }
    assertEquals(17, r.get("latency_ns").get("step").get("count").asLong()); // prefill + 16 decode steps
    long sim = r.get("time").get("simulated_ns").asLong();
    assertEquals(sim, r.get("time").get("compute_ns").asLong() + r.get("time").get("stall_ns").asLong(),
        "simulated time = compute + stall when nothing idles");
    assertTrue(r.get("links").get(0).get("bytes").asLong() > 0, "the layers that do not fit stream over PCIe");
    assertTrue(Files.readString(a.resolve("step_ns.hgrm")).contains("Percentile"));
    HistogramLogReader reader = new HistogramLogReader(a.resolve("step_ns.hlog").toString());
    assertTrue(reader.nextIntervalHistogram() != null, "interval histograms in the .hlog");
  }

  @Test
  void prefetchThatStopsAtTheStepBoundaryStallsMore() throws Exception {
    Path cross = dir.resolve("cross");
    Path within = dir.resolve("within");
    assertEquals(0, CliTestSupport.run("replay", DECODE.toString(), "--config", config(TIMED).toString(), "--out",
        cross.toString(), "-q").exit());
    String noCross = TIMED.replace("\"depth\": 1}", "\"depth\": 1, \"cross_step\": false}");
    CliTestSupport.Result r = CliTestSupport.run("replay", DECODE.toString(), "--config", config(noCross).toString(),
        "--out", within.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    JsonNode a = new ObjectMapper().readTree(cross.resolve("report.json").toFile());
    JsonNode b = new ObjectMapper().readTree(within.resolve("report.json").toFile());
    // each step's first layer now waits for its demand transfer
    assertTrue(b.get("time").get("stall_ns").asLong() > a.get("time").get("stall_ns").asLong());
    assertEquals(a.get("links").get(0).get("bytes").asLong(), b.get("links").get(0).get("bytes").asLong());
  }

  @Test
  void compareWritesBothRunsAndDeltas() throws Exception {
    Path out = dir.resolve("cmp");
    Path fast = config(TIMED);
    Path slow = config(TIMED.replace("\"layer-ahead\", \"depth\": 1", "\"none\""));
    CliTestSupport.Result r = CliTestSupport.run("compare", DECODE.toString(), "--baseline", slow.toString(), "--candidate",
        fast.toString(), "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    JsonNode j = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertTrue(j.has("baseline") && j.has("candidate") && j.has("delta"));
    double before = j.get("delta").get("step_stall_mean_ns").get("baseline").asDouble();
    double after = j.get("delta").get("step_stall_mean_ns").get("candidate").asDouble();
    assertTrue(after < before, "prefetch lowers the stall: " + before + " -> " + after);
    assertTrue(Files.exists(out.resolve("report.html")));
    assertTrue(Files.exists(out.resolve("baseline").resolve("report.json")));
    ReportConservation.assertConsistent(out.resolve("baseline"));
    ReportConservation.assertConsistent(out.resolve("candidate"));
    assertTrue(r.out().contains("hbm_bytes_read"));
  }

  static final Path CHAT = Path.of("..", "sample-traces", "chat-small.parquet");

  static String scheduler(String prefetch, String preemption) {
    return "{\"model\": \"llama-3-8b\", \"hardware\": \"h100-sxm\", \"tiers\": ["
        + "{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 1500, \"policy\": \"lru\"},"
        + "{\"name\": \"dram\", \"kind\": \"dram\", \"capacity_blocks\": 100000, \"policy\": \"lru\"}],"
        + " \"max_batch\": 8, \"max_transfer_bytes\": 16777216, \"prefetch\": {\"policy\": \"" + prefetch + "\""
        + (prefetch.equals("none") ? "" : ", \"depth\": 1") + "},"
        + " \"preemption\": \"" + preemption + "\"}";
  }

  private JsonNode replay(String json, String name) throws Exception {
    Path out = dir.resolve(name);
    CliTestSupport.Result r = CliTestSupport.run("replay", CHAT.toString(), "--config", config(json).toString(), "--out",
        out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    ReportConservation.assertConsistent(out);
    return new ObjectMapper().readTree(out.resolve("report.json").toFile());
  }

  /**
   * Issue 12's reproductions 3 and 4: with the h100-8b preset on chat-small, steps.csv's
   * first_tier_hits summed to 510,868,576 against report.json's 511,071,998, and TTFT and E2E
   * counted 600 values for 300 requests. Every figure now adds up.
   */
  @Test
  void chatSmallWithTheH100PresetAddsUpEverywhere() throws Exception {
    Path out = dir.resolve("h100");
    CliTestSupport.Result r = CliTestSupport.run("replay", CHAT.toString(), "--config", "h100-8b", "--out", out.toString(),
        "-q");
    assertEquals(0, r.exit(), r.err());
    ReportConservation.assertConsistent(out);
    JsonNode j = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertEquals(300, j.get("latency_ns").get("ttft").get("count").asLong());
  }

  @Test
  void preemptionStopsTheBatchFromThrashingTheFirstTier() throws Exception {
    JsonNode none = replay(scheduler("none", "none"), "none");
    JsonNode recompute = replay(scheduler("none", "recompute"), "recompute");
    JsonNode swap = replay(scheduler("none", "swap"), "swap");
    assertEquals(0, none.get("totals").get("preemptions").asLong());
    assertTrue(recompute.get("totals").get("preemptions").asLong() > 0);
    assertTrue(swap.get("totals").get("preemptions").asLong() > 0);
    long thrash = none.get("tiers").get(0).get("evicted_unused").asLong();
    assertTrue(recompute.get("tiers").get(0).get("evicted_unused").asLong() * 10 < thrash, "preemption avoids thrash");
    assertTrue(recompute.get("time").get("stall_ns").asLong() < none.get("time").get("stall_ns").asLong());
  }

  @Test
  void requestAheadPrefetchHidesPrefixFetches() throws Exception {
    JsonNode demand = replay(scheduler("none", "recompute"), "demand");
    JsonNode ahead = replay(scheduler("request-ahead", "recompute"), "ahead");
    assertTrue(ahead.get("prefetch").get("issued").asLong() > 0);
    assertEquals(0, demand.get("prefetch").get("issued").asLong());
    assertTrue(ahead.get("time").get("stall_ns").asLong() < demand.get("time").get("stall_ns").asLong(),
        "request-ahead lowers the stall");
  }

  @Test
  void comparePoliciesRunsOneReplayPerPolicy() throws Exception {
    Path out = dir.resolve("policies");
    CliTestSupport.Result r = CliTestSupport.run("compare", CHAT.toString(), "--policies", "lru,fifo,s3fifo", "--config",
        config(scheduler("none", "none")).toString(), "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    JsonNode j = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertEquals(3, j.get("runs").size());
    assertEquals("s3fifo", j.get("runs").get("s3fifo").get("config").get("tiers").get(0).get("policy").asText());
    assertTrue(r.out().contains("fifo"));
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("compare", CHAT.toString(), "--policies", "lru,nope", "--out",
        out.toString()), "unknown policy 'nope'");
  }

  @Test
  void badConfigurationsExitTwoNamingTheField() throws Exception {
    String neg = TIMED.replace("\"hardware\": \"h100-sxm\"", "\"hardware\": {\"hbm_bandwidth_bps\": 3e12, \"peak_flops\": 1e15, "
        + "\"links\": [{\"name\": \"p\", \"from\": \"dram\", \"to\": \"hbm\", \"bandwidth_bps\": -1}]}");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("replay", DECODE.toString(), "--config", config(neg).toString(),
        "--out", dir.resolve("x").toString()), "$.hardware.links[0].bandwidth_bps");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("replay", DECODE.toString(), "--config",
        config(TIMED.replace("\"depth\": 1", "\"depth\": -2")).toString(), "--out", dir.resolve("x").toString()),
        "$.prefetch.depth");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("replay", DECODE.toString(), "--policy", "nope", "--out",
        dir.resolve("x").toString()), "--policy");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("replay", DECODE.toString(), "--capacity-blocks", "0", "--out",
        dir.resolve("x").toString()), "--capacity-blocks");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("replay", DECODE.toString(), "--preset", "gpt-9", "--out",
        dir.resolve("x").toString()), "unknown model preset");
    assertTrue(Files.notExists(dir.resolve("x").resolve("report.json")), "nothing written");
  }
}
