package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each warning, triggered: on stderr as one line and in the command's JSON under "warnings". */
class WarningsCliTest {
  @TempDir
  Path dir;

  static final Path CHAT = Path.of("..", "sample-traces", "chat-small.parquet");
  static final ObjectMapper JSON = new ObjectMapper();

  static List<String> codes(JsonNode json) {
    assertTrue(json.get("warnings").isArray(), "a warnings array");
    List<String> codes = new ArrayList<>();
    json.get("warnings").forEach(w -> {
      assertFalse(w.get("message").asText().isBlank());
      codes.add(w.get("code").asText());
    });
    return codes;
  }

  /** The stderr lines that are warnings. */
  static List<String> warningLines(String err) {
    return err.lines().filter(l -> l.startsWith("kvflow: warning: ")).toList();
  }

  Path mooncake() {
    Path conv = dir.resolve("conv.parquet");
    CliTestSupport.Result r = CliTestSupport.run("import", "mooncake", Path.of("..", "sample-traces", "real", "mooncake",
        "conversation_trace.jsonl.gz").toString(), "-o", conv.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    return conv;
  }

  @Test
  void sizeSaysTheCeilingWhenNoCapacityReachesTheTarget() throws Exception {
    Path conv = mooncake();
    double ideal = JSON.readTree(CliTestSupport.run("inspect", conv.toString(), "--json", "-q").out())
        .get("ideal_block_hit_ratio").asDouble();
    Path out = dir.resolve("size");
    CliTestSupport.Result r = CliTestSupport.run("size", conv.toString(), "--first", "100,1000", "--second", "1000,100000",
        "--target", "0.9", "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    String expected = String.format(Locale.ROOT, "kvflow: warning: ideal hit ratio %.3f: no capacity reaches 0.9", ideal);
    assertEquals(1, warningLines(r.err()).size(), r.err());
    assertTrue(warningLines(r.err()).get(0).startsWith(expected), r.err());
    assertTrue(r.err().contains("ideal hit ratio 0.366: no capacity reaches 0.9"), r.err());
    assertFalse(r.err().contains("no grid point meets the target"), r.err());
    JsonNode s = JSON.readTree(out.resolve("size.json").toFile());
    assertEquals(List.of("target_unreachable"), codes(s));
    assertEquals(ideal, s.get("ideal_hit_ratio").asDouble(), 1e-12);
    // the largest grid point holds every block, and still only reaches the ideal
    double best = 0;
    for (JsonNode p : s.get("grid")) {
      best = Math.max(best, p.get("combined_hit_ratio").asDouble());
    }
    assertTrue(best <= ideal + 1e-12, best + " vs " + ideal);
    assertTrue(Files.isRegularFile(out.resolve("report.html")));
  }

  @Test
  void sizeSaysWhenOnlyCapacitiesBeyondTheGridReachTheTarget() throws Exception {
    Path out = dir.resolve("size");
    CliTestSupport.Result r = CliTestSupport.run("size", CHAT.toString(), "--first", "1", "--second", "1", "--target", "0.5",
        "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    JsonNode s = JSON.readTree(out.resolve("size.json").toFile());
    assertTrue(s.get("ideal_hit_ratio").asDouble() >= 0.5, "chat-small shares its prompts: " + s.get("ideal_hit_ratio"));
    assertEquals(List.of("target_off_grid"), codes(s));
    assertTrue(warningLines(r.err()).get(0).contains("no grid point reaches 0.5"), r.err());
    // a grid that reaches it: no warning at all
    Path big = dir.resolve("big");
    r = CliTestSupport.run("size", CHAT.toString(), "--first", "100000", "--second", "100000", "--target", "0.5", "--out",
        big.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertEquals(List.of(), codes(JSON.readTree(big.resolve("size.json").toFile())));
    assertEquals(List.of(), warningLines(r.err()));
  }

  @Test
  void aTraceWithoutPrefixHashesMakesPrefixHitRatiosMeaningless() throws Exception {
    Path azure = dir.resolve("azure.parquet");
    assertEquals(0, CliTestSupport.run("import", "azure", Path.of("..", "sample-traces", "real", "azure-llm-2023",
        "AzureLLMInferenceTrace_code.csv.gz").toString(), "-o", azure.toString(), "-q").exit());
    Path grid = Files.writeString(dir.resolve("g.json"), "{\"axes\": {\"$.tiers[0].policy\": [\"lru\", \"fifo\"]}}");
    Path out = dir.resolve("sw");
    CliTestSupport.Result r = CliTestSupport.run("sweep", azure.toString(), "--grid", grid.toString(), "--config", "counts",
        "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertEquals(List.of("no_prefix_hashes"), codes(JSON.readTree(out.resolve("sweep.json").toFile())));
    assertEquals(1, warningLines(r.err()).size(), r.err());
    assertTrue(r.err().contains("prefix hit ratios are 0 by construction"), r.err());
    // replay says it too, in report.json
    Path rep = dir.resolve("rep");
    r = CliTestSupport.run("replay", azure.toString(), "--config", "counts", "--out", rep.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertTrue(codes(JSON.readTree(rep.resolve("report.json").toFile())).contains("no_prefix_hashes"));
    // a trace with hashes: an empty array, nothing on stderr
    Path clean = dir.resolve("clean");
    r = CliTestSupport.run("sweep", CHAT.toString(), "--grid", grid.toString(), "--config", "counts", "--out",
        clean.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertEquals(List.of(), codes(JSON.readTree(clean.resolve("sweep.json").toFile())));
    assertEquals(List.of(), warningLines(r.err()));
  }

  @Test
  void vllmEventImportsCannotShowHits() throws Exception {
    Path events = Files.writeString(dir.resolve("events.jsonl"),
        "[1700000000.5, [[\"BlockStored\", [11, 12], null, [1, 2, 3], 16, null, \"GPU\"]]]\n"
            + "[1700000001, [[\"BlockStored\", [13], 12, [5], 16, null, \"GPU\"], [\"BlockRemoved\", [11], \"GPU\"]]]\n");
    Path trace = dir.resolve("vllm.parquet");
    CliTestSupport.Result r = CliTestSupport.run("import", "vllm-events", events.toString(), "-o", trace.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    r = CliTestSupport.run("inspect", trace.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertEquals(1, warningLines(r.err()).size(), r.err());
    assertTrue(r.err().contains("kvflow.hits_observed=false"), r.err());
    r = CliTestSupport.run("inspect", trace.toString(), "--json", "-q");
    assertEquals(List.of("hits_not_observed"), codes(JSON.readTree(r.out())));
    Path out = dir.resolve("reuse");
    r = CliTestSupport.run("reuse", trace.toString(), "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertEquals(List.of("hits_not_observed"), codes(JSON.readTree(out.resolve("reuse.json").toFile())));
    assertTrue(r.err().contains("kvflow: warning: vllm.parquet has kvflow.hits_observed=false"), r.err());
    r = CliTestSupport.run("simulate", trace.toString(), "--capacity-blocks", "2", "-q");
    assertEquals(0, r.exit(), r.err());
    assertEquals(List.of("hits_not_observed"), codes(JSON.readTree(r.out())));
    // a generated trace has no such warning
    r = CliTestSupport.run("inspect", CHAT.toString(), "--json", "-q");
    assertEquals(List.of(), codes(JSON.readTree(r.out())));
  }

  @Test
  void aReplayFarSlowerThanItsArrivalsIsOverloaded() throws Exception {
    Path fast = dir.resolve("fast.parquet");
    assertEquals(0, CliTestSupport.run("generate", "chat", "--requests", "200", "--rate", "1000", "--seed", "3", "-o",
        fast.toString(), "-q").exit());
    Path out = dir.resolve("fast");
    CliTestSupport.Result r = CliTestSupport.run("replay", fast.toString(), "--config", "h100-8b", "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
    assertTrue(codes(report).contains("overloaded"), report.get("warnings").toString());
    assertTrue(r.err().lines().anyMatch(l -> l.matches("kvflow: warning: simulated span [0-9.]+ (s|min|h) vs trace span "
        + "[0-9.]+ (ms|s): the configuration is overloaded; TTFT is mostly queueing")), r.err());
    // the model's 60 GB of HBM hold this trace: layer-ahead prefetch has nothing to fetch
    assertTrue(codes(report).contains("prefetch_idle"), report.get("warnings").toString());
    ReportConservation.assertConsistent(out);

    // the same requests arriving slowly: not overloaded
    Path slow = dir.resolve("slow.parquet");
    assertEquals(0, CliTestSupport.run("generate", "chat", "--requests", "200", "--rate", "0.05", "--seed", "3", "-o",
        slow.toString(), "-q").exit());
    Path out2 = dir.resolve("slow");
    r = CliTestSupport.run("replay", slow.toString(), "--config", "h100-8b", "--out", out2.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertFalse(codes(JSON.readTree(out2.resolve("report.json").toFile())).contains("overloaded"), r.err());
  }

  @Test
  void eagerExecutionWithTransfersIsIndicative() throws Exception {
    String shipped = Files.readString(Path.of("..", "replay-engine", "src", "main", "resources", "presets", "configs",
        "default.json"));
    Path eager = Files.writeString(dir.resolve("eager.json"), shipped.replaceFirst("\\{", "{\"execution\": \"eager\","));
    Path out = dir.resolve("eager");
    CliTestSupport.Result r = CliTestSupport.run("replay", CHAT.toString(), "--config", eager.toString(), "--out",
        out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
    assertTrue(codes(report).contains("eager_host_bound"), report.get("warnings").toString());
    assertTrue(report.get("links").findValues("bytes").stream().anyMatch(b -> b.asLong() > 0), "the rule's condition holds");
    // the shipped default (graph) replays the same trace without it
    Path graph = dir.resolve("graph");
    assertEquals(0, CliTestSupport.run("replay", CHAT.toString(), "--out", graph.toString(), "-q").exit());
    assertFalse(codes(JSON.readTree(graph.resolve("report.json").toFile())).contains("eager_host_bound"));
  }

  @Test
  void anEmptyTraceHasNoRatiosAndNoSteps() throws Exception {
    // a vLLM event stream with one empty batch: a valid accesses trace of no rows
    Path events = Files.writeString(dir.resolve("events.jsonl"), "[1700000000.5, []]\n");
    Path trace = dir.resolve("empty.parquet");
    assertEquals(0, CliTestSupport.run("import", "vllm-events", events.toString(), "-o", trace.toString(), "-q").exit());
    Path out = dir.resolve("r");
    CliTestSupport.Result r = CliTestSupport.run("replay", trace.toString(), "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertEquals(List.of("hits_not_observed", "empty_trace", "no_steps_timed"),
        codes(JSON.readTree(out.resolve("report.json").toFile())));
    assertEquals(3, warningLines(r.err()).size(), r.err());
    // without the timing model there are no steps to miss
    r = CliTestSupport.run("replay", trace.toString(), "--config", "counts", "--out", out.toString(), "-q");
    assertEquals(List.of("hits_not_observed", "empty_trace"), codes(JSON.readTree(out.resolve("report.json").toFile())));
  }

  @Test
  void compareNamesTheRunAWarningBelongsTo() throws Exception {
    Path out = dir.resolve("c");
    CliTestSupport.Result r = CliTestSupport.run("compare", CHAT.toString(), "--baseline", "counts", "--candidate", "h100-8b",
        "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
    assertEquals(List.of("prefetch_idle"), codes(report));
    assertTrue(report.get("warnings").get(0).get("message").asText().startsWith("candidate: prefetch layer-ahead"),
        report.get("warnings").toString());
    assertEquals(List.of(), codes(report.get("baseline")));
    assertTrue(r.err().contains("kvflow: warning: candidate: prefetch layer-ahead is configured"), r.err());
  }

  @Test
  void overloadRuleAndDurations() {
    long min = 60_000_000_000L;
    assertTrue(WarningRules.overloaded(21 * 60 * min, 59 * min));
    assertFalse(WarningRules.overloaded(100 * min, 59 * min), "less than twice the trace span");
    assertFalse(WarningRules.overloaded(900_000_000L, 100_000_000L), "less than a second more");
    assertEquals("21 h", WarningRules.duration(21 * 60 * min + 5 * min));
    assertEquals("59 min", WarningRules.duration(59 * min + 1_000_000_000L));
    assertEquals("4.2 s", WarningRules.duration(4_200_000_000L));
    assertEquals("850 ns", WarningRules.duration(850));
    assertEquals(null, WarningRules.unreachableTarget(0.5, 0.5));
    assertEquals("target_unreachable", WarningRules.unreachableTarget(0.366, 0.9).code());
  }
}
