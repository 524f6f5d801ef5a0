package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offload by token range: the oldest half of every sequence is read from DRAM each step, and only it. */
class OffloadRangeCliTest {
  @TempDir
  Path dir;

  static String config(String offload) {
    return "{\"model\": \"llama-3-8b\", \"hardware\": \"h100-sxm\", \"tiers\": ["
        + "{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 100000, \"policy\": \"lru\"},"
        + "{\"name\": \"dram\", \"kind\": \"dram\", \"capacity_blocks\": 100000, \"policy\": \"lru\"}],"
        + " \"max_batch\": 8" + offload + "}";
  }

  private JsonNode replay(String name, String json) throws Exception {
    Path cfg = Files.writeString(dir.resolve(name + ".json"), json);
    Path out = dir.resolve(name);
    CliTestSupport.Result r = CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config",
        cfg.toString(), "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    ReportConservation.assertConsistent(out);
    return new ObjectMapper().readTree(out.resolve("report.json").toFile());
  }

  @Test
  void theOldestHalfIsStreamedFromDram() throws Exception {
    JsonNode none = replay("none", config(""));
    JsonNode half = replay("half", config(", \"offload\": {\"tier\": \"dram\", \"oldest_fraction\": 0.5}"));
    assertEquals(0, none.get("tiers").get(1).get("hits").asLong(), "everything fits HBM");
    long lookups = half.get("totals").get("lookup_layer_accesses").asLong();
    long dram = half.get("tiers").get(1).get("hits").asLong();
    // about half of the decode reads (floor of half the blocks of each sequence) come from DRAM
    assertTrue(dram > 0.3 * lookups && dram < 0.5 * lookups, dram + " of " + lookups);
    assertTrue(half.get("links").get(0).get("bytes").asLong() > 0);
    assertTrue(half.get("time").get("stall_ns").asLong() > none.get("time").get("stall_ns").asLong());
  }

  @Test
  void anOffloadRangeOnAnAccessesTraceIsRefused() throws Exception {
    Path cfg = Files.writeString(dir.resolve("acc.json"), config(", \"offload\": {\"tier\": \"dram\", \"oldest_fraction\": 0.5}"));
    CliTestSupport.Result r = CliTestSupport.run("replay", ReplayCompareCliTest.DECODE.toString(), "--config",
        cfg.toString(), "--out", dir.resolve("x").toString(), "-q");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("$.offload"), r.err());
  }
}
