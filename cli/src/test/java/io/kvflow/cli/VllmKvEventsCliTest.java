package io.kvflow.cli;

import static io.kvflow.cli.GenerateInspectCliTest.assertBadInput;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * {@code kvflow replay --kv-events} in vllm mode, read back with {@code kvflow import vllm-events}:
 * the imported trace's removals equal report.json's evictions per medium, the file is the same on a
 * second run, a generic replay of the imported events inserts and frees what the vllm mode stored and
 * removed, and the option is refused where it cannot apply; {@code import token-ids} and
 * {@code import mooncake --rechunk-tokens} from the command line.
 */
class VllmKvEventsCliTest {
  @TempDir
  Path dir;

  private Path config(int gpu, int cpu) throws Exception {
    return Files.writeString(dir.resolve("vllm.json"), "{\"model\": \"llama-3-8b\", \"engine\": \"vllm\", \"tiers\": "
        + "[{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": " + gpu + "}, {\"name\": \"dram\", \"kind\": "
        + "\"dram\", \"capacity_blocks\": " + cpu + "}], \"max_batch\": 64, \"max_batched_tokens\": 8192}");
  }

  private JsonNode ops(Path events, String medium) throws Exception {
    Path t = dir.resolve("ev-" + medium + ".parquet");
    CliTestSupport.Result imp = CliTestSupport.run("import", "vllm-events", events.toString(), "-o", t.toString(), "-q",
        "--medium", medium);
    assertEquals(0, imp.exit(), imp.err());
    CliTestSupport.Result r = CliTestSupport.run("inspect", t.toString(), "--json", "-q");
    assertEquals(0, r.exit(), r.err());
    return new ObjectMapper().readTree(r.out()).get("ops");
  }

  @Test
  void replayEventsImportBackWithTheReportsCounts() throws Exception {
    Path config = config(300, 600);
    Path out = dir.resolve("r1");
    CliTestSupport.Result r = CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config",
        config.toString(), "--out", out.toString(), "-q", "--kv-events");
    assertEquals(0, r.exit(), r.err());
    JsonNode engine = new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("engine");
    Path events = out.resolve("kv_events.jsonl");
    JsonNode gpu = ops(events, "GPU");
    JsonNode cpu = ops(events, "CPU");
    assertTrue(engine.get("gpu_evictions").asLong() > 0 && engine.get("cpu_evictions").asLong() > 0, engine.toString());
    assertEquals(engine.get("gpu_evictions").asLong(), gpu.get("free").asLong());
    assertEquals(engine.get("cpu_evictions").asLong(), cpu.get("free").asLong());
    assertTrue(gpu.get("write").asLong() >= gpu.get("free").asLong());
    assertTrue(cpu.get("write").asLong() - cpu.get("free").asLong() <= 600, "the CPU tier holds at most its capacity");
    // the imported events replayed in generic mode, in a tier too large to evict: one insertion per
    // stored block, one free per removed block, no eviction of its own
    Path generic = Files.writeString(dir.resolve("generic.json"), "{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": "
        + "\"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 100000, \"policy\": \"lru\"}]}");
    Path g = dir.resolve("g");
    CliTestSupport.Result gr = CliTestSupport.run("replay", dir.resolve("ev-GPU.parquet").toString(), "--config",
        generic.toString(), "--out", g.toString(), "-q");
    assertEquals(0, gr.exit(), gr.err());
    JsonNode gen = new ObjectMapper().readTree(g.resolve("report.json").toFile());
    assertEquals(gpu.get("write").asLong(), gen.get("tiers").get(0).get("insertions").asLong());
    assertEquals(0, gen.get("tiers").get(0).get("evictions").asLong());
    assertEquals(engine.get("gpu_evictions").asLong(), gen.get("totals").get("frees").asLong());
    Path again = dir.resolve("r2");
    assertEquals(0, CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config", config.toString(),
        "--out", again.toString(), "-q", "--kv-events").exit());
    assertArrayEquals(Files.readAllBytes(events), Files.readAllBytes(again.resolve("kv_events.jsonl")));
  }

  @Test
  void kvEventsOutsideTheVllmModeAreRefused() throws Exception {
    Path generic = Files.writeString(dir.resolve("g.json"), "{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\","
        + " \"kind\": \"hbm\", \"capacity_blocks\": 300}]}");
    Path out = dir.resolve("g");
    assertBadInput(CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config", generic.toString(),
        "--out", out.toString(), "-q", "--kv-events"), "option --kv-events: applies to \"engine\": \"vllm\"");
    assertFalse(Files.exists(out));
  }

  @Test
  void tokenIdsAndRechunkFromTheCommandLine() throws Exception {
    Path t = dir.resolve("t.parquet");
    CliTestSupport.Result r = CliTestSupport.run("import", "token-ids", Path.of("..", "sample-traces", "importers",
        "token-ids", "token_ids_small.jsonl").toString(), "-o", t.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    Path m = dir.resolve("m.parquet");
    r = CliTestSupport.run("import", "mooncake", VllmModeCliTest.MOONCAKE.toString(), "-o", m.toString(), "-q",
        "--rechunk-tokens", "32");
    assertEquals(0, r.exit(), r.err());
    CliTestSupport.Result i = CliTestSupport.run("inspect", m.toString(), "--json", "-q");
    JsonNode stats = new ObjectMapper().readTree(i.out());
    assertEquals(32, stats.get("block_tokens").asInt());
    assertBadInput(CliTestSupport.run("import", "azure", "../sample-traces/importers/azure-2024/azure_llm_2024_small.csv",
        "-o", dir.resolve("a.parquet").toString(), "-q", "--rechunk-tokens", "16"), "option --rechunk-tokens: azure");
    assertBadInput(CliTestSupport.run("import", "mooncake", VllmModeCliTest.MOONCAKE.toString(), "-o",
        dir.resolve("b.parquet").toString(), "-q", "--rechunk-tokens", "24"), "must divide the source's block size 512");
    assertFalse(Files.exists(dir.resolve("b.parquet")));
  }
}
