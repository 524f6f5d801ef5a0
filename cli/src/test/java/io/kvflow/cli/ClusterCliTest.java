package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code $.cluster} through the CLI: one instance writes the single replay's report.json figures
 * exactly; on several, each instance's figures add up to the cluster's and every request is served
 * once; where a cluster cannot apply the replay exits 2 naming {@code $.cluster}.
 */
class ClusterCliTest {
  @TempDir
  Path dir;

  static String config(String cluster) {
    return "{\"model\": \"llama-3-8b\", \"hardware\": \"h200\", \"tiers\": ["
        + "{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 600, \"policy\": \"lru\"},"
        + "{\"name\": \"dram\", \"kind\": \"dram\", \"capacity_blocks\": 2000, \"policy\": \"lru\"}],"
        + " \"max_batch\": 16" + cluster + "}";
  }

  private ObjectNode replay(String name, String json) throws Exception {
    Path cfg = Files.writeString(dir.resolve(name + ".json"), json);
    Path out = dir.resolve(name);
    CliTestSupport.Result r = CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config",
        cfg.toString(), "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    return (ObjectNode) new ObjectMapper().readTree(out.resolve("report.json").toFile());
  }

  @Test
  void oneInstanceWritesTheSingleReplaysFigures() throws Exception {
    ObjectNode single = replay("single", config(""));
    ObjectNode one = replay("one", config(", \"cluster\": {\"instances\": 1, \"router\": \"round-robin\"}"));
    assertEquals("round-robin", one.get("cluster").get("router").asText());
    for (ObjectNode r : List.of(single, one)) {
      r.remove(List.of("manifest", "config", "cluster"));
    }
    assertEquals(single, one);
  }

  @Test
  void instancesAddUpToTheCluster() throws Exception {
    JsonNode r = replay("three", config(", \"cluster\": {\"instances\": 3, \"router\": \"kv-aware\", "
        + "\"kv_aware\": {\"overlap_weight\": 1, \"load_weight\": 0.5}}"));
    JsonNode instances = r.get("cluster").get("instances");
    assertEquals(3, instances.size());
    long requests = 0;
    long inputBlocks = 0;
    long inputHits = 0;
    long ttftCount = 0;
    long[] hits = new long[2];
    for (JsonNode in : instances) {
      requests += in.get("trace").get("requests").asLong();
      inputBlocks += in.get("prefix_cache").get("input_blocks").asLong();
      inputHits += in.get("prefix_cache").get("input_block_hits").asLong();
      ttftCount += in.get("latency_ns").get("ttft").get("count").asLong();
      for (int t = 0; t < 2; t++) {
        hits[t] += in.get("tiers").get(t).get("hits").asLong();
      }
    }
    assertEquals(300, r.get("trace").get("requests").asLong());
    assertEquals(300, requests, "every request served exactly once");
    assertEquals(300, r.get("latency_ns").get("ttft").get("count").asLong());
    assertEquals(300, ttftCount);
    assertEquals(r.get("prefix_cache").get("input_blocks").asLong(), inputBlocks);
    assertEquals(r.get("prefix_cache").get("input_block_hits").asLong(), inputHits);
    for (int t = 0; t < 2; t++) {
      assertEquals(r.get("tiers").get(t).get("hits").asLong(), hits[t]);
    }
    for (int i = 0; i < 3; i++) {
      assertTrue(Files.exists(dir.resolve("three").resolve("instance-" + i).resolve("requests.csv")));
    }
  }

  @Test
  void disaggregatedRequestsCsvAddsUpToTheTransferTotals() throws Exception {
    JsonNode r = replay("pd", config(", \"cluster\": {\"instances\": 3, \"router\": \"kv-aware\", "
        + "\"disaggregation\": {\"prefill_instances\": 1, \"decode_instances\": 2, "
        + "\"link\": {\"bandwidth_bps\": 5e10, \"latency_ns\": 5000, \"overhead_ns\": 20000}}}"));
    JsonNode d = r.get("cluster").get("disaggregation");
    List<String> rows = Files.readAllLines(dir.resolve("pd").resolve("requests.csv"));
    assertEquals("request_id,arrival_ns,instance,decode_instance,kv_transfer_blocks,kv_transfer_bytes,kv_transfer_ns,"
        + "ttft_ns,e2e_ns", rows.get(0));
    assertEquals(301, rows.size(), "one row per request");
    long blocks = 0;
    long bytes = 0;
    long ns = 0;
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (String line : rows.subList(1, rows.size())) {
      String[] f = line.split(",");
      assertTrue(ids.add(f[0]), "request " + f[0] + " twice");
      assertEquals("0", f[2]);
      assertTrue(f[3].equals("1") || f[3].equals("2"), line);
      blocks += Long.parseLong(f[4]);
      bytes += Long.parseLong(f[5]);
      ns += Long.parseLong(f[6]);
      assertTrue(Long.parseLong(f[7]) >= Long.parseLong(f[6]), "TTFT includes the transfer: " + line);
    }
    assertEquals(d.get("transfer_blocks").asLong(), blocks);
    assertEquals(d.get("transfer_bytes").asLong(), bytes);
    assertEquals(d.get("transfer_ns_total").asLong(), ns);
    assertTrue(bytes > 0);
    // the cluster's request latencies are the decode pool's: each request once
    assertEquals(300, r.get("latency_ns").get("ttft").get("count").asLong());
    JsonNode instances = r.get("cluster").get("instances");
    assertEquals(300, instances.get(0).get("trace").get("requests").asLong());
    assertEquals(300, instances.get(1).get("trace").get("requests").asLong()
        + instances.get(2).get("trace").get("requests").asLong());
  }

  @Test
  void aSharedPoolCountsItsCapacityOnce() throws Exception {
    JsonNode r = replay("pool", config(", \"cluster\": {\"instances\": 2, \"router\": \"round-robin\", "
        + "\"shared_pool\": {\"tier\": \"dram\"}}"));
    assertEquals(2000, r.get("tiers").get(1).get("capacity_units").asLong());
    assertEquals(1200, r.get("tiers").get(0).get("capacity_units").asLong());
    assertEquals("dram", r.get("config").get("cluster").get("shared_pool").get("tier").asText());
  }

  @Test
  void aClusterWhereItCannotApplyIsRefused() throws Exception {
    String cluster = ", \"cluster\": {\"instances\": 2, \"router\": \"oracle\"}";
    Path accesses = Files.writeString(dir.resolve("acc.json"), config(cluster));
    CliTestSupport.Result r = CliTestSupport.run("replay", ReplayCompareCliTest.DECODE.toString(), "--config",
        accesses.toString(), "--out", dir.resolve("x").toString(), "-q");
    GenerateInspectCliTest.assertBadInput(r, "$.cluster");
    Path untimed = Files.writeString(dir.resolve("untimed.json"), config(cluster).replace("\"hardware\": \"h200\", ", ""));
    r = CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config", untimed.toString(), "--out",
        dir.resolve("y").toString(), "-q");
    GenerateInspectCliTest.assertBadInput(r, "$.cluster");
    Path weights = Files.writeString(dir.resolve("weights.json"), config(", \"cluster\": {\"instances\": 2, "
        + "\"router\": \"round-robin\", \"kv_aware\": {\"load_weight\": 0}}"));
    r = CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config", weights.toString(), "--out",
        dir.resolve("z").toString(), "-q");
    GenerateInspectCliTest.assertBadInput(r, "$.cluster.kv_aware");
    Path pools = Files.writeString(dir.resolve("pools.json"), config(", \"cluster\": {\"instances\": 3, "
        + "\"disaggregation\": {\"prefill_instances\": 1, \"decode_instances\": 1, \"link\": {\"bandwidth_bps\": 1e9}}}"));
    r = CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config", pools.toString(), "--out",
        dir.resolve("v").toString(), "-q");
    GenerateInspectCliTest.assertBadInput(r, "$.cluster.disaggregation.decode_instances");
    Path pool = Files.writeString(dir.resolve("pooltier.json"), config(", \"cluster\": {\"instances\": 2, "
        + "\"shared_pool\": {\"tier\": \"hbm\"}}"));
    r = CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config", pool.toString(), "--out",
        dir.resolve("w").toString(), "-q");
    GenerateInspectCliTest.assertBadInput(r, "$.cluster.shared_pool.tier");
    assertTrue(Files.notExists(dir.resolve("x")) && Files.notExists(dir.resolve("y")) && Files.notExists(dir.resolve("z"))
        && Files.notExists(dir.resolve("v")) && Files.notExists(dir.resolve("w")));
  }
}
