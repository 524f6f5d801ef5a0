package io.kvflow.engine.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.trace.TraceKind;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Nothing is accepted that cannot apply: one case per refusal, each naming its JSON path, whether
 * the setting comes from JSON, from a {@code with*} override or from code, or is refused only for
 * the trace it meets.
 */
class ConfigRulesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String LRU = "{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 10}";
  private static final String DRAM = "{\"name\": \"dram\", \"kind\": \"dram\", \"capacity_blocks\": 100}";
  private static final String TWO = "\"tiers\": [" + LRU + ", " + DRAM + "]";
  private static final String HW = "\"hardware\": \"h100-sxm\"";

  /** A config of the 8B model with {@code fields} (JSON object members, comma-separated). */
  static String config(String fields) {
    return "{\"model\": \"llama-3-8b\", " + fields + "}";
  }

  static ReplayConfig bind(String json) {
    try {
      return ConfigLoader.fromJson("test.json", JSON.readTree(json)).config();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /** The one-line message, which starts with the source and the JSON path. */
  static String refused(String json, String path) {
    ConfigException e = assertThrows(ConfigException.class, () -> bind(json), json);
    assertTrue(e.getMessage().startsWith("test.json: " + path + ": "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e.getMessage();
  }

  static Stream<Arguments> refusedFromJson() {
    String hwc = "{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 10, \"policy\": \"hot-warm-cold\"}";
    return Stream.of(
        Arguments.of("hot_window on an lru tier", config("\"tiers\": [" + LRU + ", {\"name\": \"dram\", \"kind\": \"dram\","
            + " \"capacity_blocks\": 100, \"hot_window\": 1000}]"), "$.tiers[1].hot_window", "hot-warm-cold only, not lru"),
        Arguments.of("warm_threshold on an lru tier, even at its default", config("\"tiers\": [{\"name\": \"hbm\","
            + " \"kind\": \"hbm\", \"capacity_blocks\": 10, \"warm_threshold\": 2}]"), "$.tiers[0].warm_threshold",
            "hot-warm-cold only"),
        Arguments.of("hot_window on an s3fifo tier", config("\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\","
            + " \"capacity_blocks\": 10, \"policy\": \"s3fifo\", \"hot_window\": 5}]"), "$.tiers[0].hot_window",
            "not s3fifo"),
        Arguments.of("opt above a lower tier", config("\"tiers\": [" + LRU.replace("}", ", \"policy\": \"opt\"}") + ", "
            + DRAM + "]"), "$.tiers[0].policy", "single-tier"),
        Arguments.of("opt as a lower tier", config("\"tiers\": [" + LRU + ", " + DRAM.replace("}", ", \"policy\": \"opt\"}")
            + "]"), "$.tiers[1].policy", "single-tier"),
        Arguments.of("opt that never admits", config("\"tiers\": [" + LRU.replace("}", ", \"policy\": \"opt\","
            + " \"admission\": \"never\"}") + "]"), "$.tiers[0].admission", "must see every lookup"),
        Arguments.of("opt that admits after k", config("\"tiers\": [" + LRU.replace("}", ", \"policy\": \"opt\","
            + " \"admission\": {\"after\": 2}}") + "]"), "$.tiers[0].admission", "must see every lookup"),
        Arguments.of("prefetch depth without prefetch", config(TWO + ", " + HW + ", \"prefetch\": {\"policy\": \"none\","
            + " \"depth\": 2}"), "$.prefetch.depth", "not none"),
        Arguments.of("prefetch budget without prefetch", config(TWO + ", " + HW + ", \"prefetch\": {\"policy\": \"none\","
            + " \"budget_bytes_per_step\": 1000}"), "$.prefetch.budget_bytes_per_step", "not none"),
        Arguments.of("prefetch without hardware", config(TWO + ", \"prefetch\": {\"policy\": \"layer-ahead\"}"),
            "$.prefetch", "timing model only"),
        Arguments.of("max_transfer_bytes without hardware", config(TWO + ", \"max_transfer_bytes\": 4096"),
            "$.max_transfer_bytes", "timing model only"),
        Arguments.of("codec place on the compute tier", config(HW + ", \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\","
            + " \"capacity_blocks\": 10, \"codec\": {\"kind\": \"int4\", \"place\": \"compute-stream\"}}, " + DRAM + "]"),
            "$.tiers[0].codec.place", "lower tiers only"),
        Arguments.of("codec place without hardware", config("\"tiers\": [" + LRU + ", {\"name\": \"dram\", \"kind\": \"dram\","
            + " \"capacity_blocks\": 100, \"codec\": {\"kind\": \"int4\", \"place\": \"copy-path\"}}]"),
            "$.tiers[1].codec.place", "timing model only"),
        Arguments.of("codec group_size without group overhead", config("\"tiers\": [" + LRU + ", {\"name\": \"dram\","
            + " \"kind\": \"dram\", \"capacity_blocks\": 100, \"codec\": {\"kind\": \"int8\", \"group_size\": 64}}]"),
            "$.tiers[1].codec.group_size", "changes nothing"),
        Arguments.of("codec settings of codec none", config("\"tiers\": [" + LRU + ", {\"name\": \"dram\", \"kind\": \"dram\","
            + " \"capacity_blocks\": 100, \"codec\": {\"kind\": \"none\", \"compress_gbps\": 10}}]"),
            "$.tiers[1].codec.compress_gbps", "uncompressed"),
        Arguments.of("preemption without waiting for memory", config(TWO + ", \"wait_for_memory\": false,"
            + " \"preemption\": \"swap\""), "$.preemption", "wait_for_memory"),
        Arguments.of("finished_requests free with expansion prefix", config(TWO + ", \"expansion\": \"prefix\","
            + " \"finished_requests\": \"free\""), "$.finished_requests", "expansion\": \"prefix\""),
        Arguments.of("wait_for_memory false with expansion prefix", config(TWO + ", \"expansion\": \"prefix\","
            + " \"wait_for_memory\": false"), "$.wait_for_memory", "expansion\": \"prefix\""),
        Arguments.of("preemption swap with expansion prefix", config(TWO + ", \"expansion\": \"prefix\","
            + " \"preemption\": \"swap\""), "$.preemption", "expansion\": \"prefix\""),
        Arguments.of("sparse reads with opt", config("\"tiers\": [" + LRU.replace("}", ", \"policy\": \"opt\"}")
            + "], \"sparse_reads\": {\"policy\": \"top-k\", \"k\": 4}"), "$.sparse_reads", "oracle"),
        Arguments.of("discard with opt", config("\"tiers\": [" + LRU.replace("}", ", \"policy\": \"opt\"}")
            + "], \"discard\": {\"policy\": \"h2o\"}"), "$.discard", "oracle"),
        Arguments.of("codec_rule with one tier", config("\"tiers\": [" + LRU + "], \"codec_rule\": {\"recent_window\": 16,"
            + " \"cold_int4_distance\": 64}"), "$.codec_rule", "one tier"),
        Arguments.of("top-k's k with sink-recent", config(TWO + ", \"sparse_reads\": {\"policy\": \"sink-recent\", \"k\": 4}"),
            "$.sparse_reads.k", "top-k only"),
        Arguments.of("sink-recent's window with top-k", config(TWO + ", \"sparse_reads\": {\"policy\": \"top-k\", \"k\": 4,"
            + " \"recent_tokens\": 64}"), "$.sparse_reads.recent_tokens", "sink-recent only"),
        Arguments.of("heavy hitters with streaming-llm", config(TWO + ", \"discard\": {\"policy\": \"streaming-llm\","
            + " \"heavy_hitters\": 4}"), "$.discard.heavy_hitters", "h2o and snapkv only"),
        Arguments.of("sink tokens with h2o", config(TWO + ", \"discard\": {\"policy\": \"h2o\", \"sink_tokens\": 4}"),
            "$.discard.sink_tokens", "streaming-llm only"),
        Arguments.of("sparse reads and discard together", config(TWO + ", \"sparse_reads\": {\"policy\": \"top-k\","
            + " \"k\": 4}, \"discard\": {\"policy\": \"h2o\"}"), "$.discard", "choose one"),
        Arguments.of("hot_window on hot-warm-cold is accepted, warm_threshold 0 is not", config("\"tiers\": ["
            + hwc.replace("}", ", \"hot_window\": 10, \"warm_threshold\": 0}") + "]"), "$.tiers[0].warm_threshold",
            "must be"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void refusedFromJson(String name, String json, String path, String why) {
    String message = refused(json, path);
    assertTrue(message.contains(why), message);
  }

  static Stream<Arguments> refusedForTheTrace() {
    String opt = "\"tiers\": [" + LRU.replace("}", ", \"policy\": \"opt\"}") + "]";
    return Stream.of(
        Arguments.of("sparse reads on a requests trace", config(TWO + ", \"sparse_reads\": {\"policy\": \"top-k\", \"k\": 4}"),
            TraceKind.REQUESTS, "$.sparse_reads"),
        Arguments.of("discard on a requests trace", config(TWO + ", \"discard\": {\"policy\": \"streaming-llm\"}"),
            TraceKind.REQUESTS, "$.discard"),
        Arguments.of("codec_rule on a requests trace", config(TWO + ", \"codec_rule\": {\"recent_window\": 16,"
            + " \"cold_int4_distance\": 64}"), TraceKind.REQUESTS, "$.codec_rule"),
        Arguments.of("opt on a requests trace expanded in full", config(opt), TraceKind.REQUESTS, "$.tiers[0].policy"),
        Arguments.of("expansion prefix on an accesses trace", config(TWO + ", \"expansion\": \"prefix\""),
            TraceKind.ACCESSES, "$.expansion"),
        Arguments.of("finished_requests free on an accesses trace", config(TWO + ", \"finished_requests\": \"free\""),
            TraceKind.ACCESSES, "$.finished_requests"),
        Arguments.of("wait_for_memory false on an accesses trace", config(TWO + ", \"wait_for_memory\": false"),
            TraceKind.ACCESSES, "$.wait_for_memory"),
        Arguments.of("preemption swap on an accesses trace", config(TWO + ", \"preemption\": \"swap\""),
            TraceKind.ACCESSES, "$.preemption"),
        Arguments.of("request-ahead prefetch on an accesses trace", config(TWO + ", " + HW + ", \"prefetch\":"
            + " {\"policy\": \"request-ahead\", \"depth\": 1}"), TraceKind.ACCESSES, "$.prefetch.policy"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void refusedForTheTrace(String name, String json, TraceKind kind, String path) {
    ReplayConfig c = bind(json); // valid on its own
    ConfigException e = assertThrows(ConfigException.class, () -> c.checkApplies(kind));
    assertTrue(e.getMessage().startsWith(path + ": "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    TraceKind other = kind == TraceKind.REQUESTS ? TraceKind.ACCESSES : TraceKind.REQUESTS;
    if (!json.contains("\"opt\"") && !json.contains("\"prefix\"")) {
      c.checkApplies(other); // the same setting applies to the other kind
    }
    assertEquals("from.json: " + e.getMessage(), e.from("from.json").getMessage());
  }

  @Test
  void whatAppliesIsAccepted() {
    ReplayConfig c = bind(config("\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 10,"
        + " \"policy\": \"hot-warm-cold\", \"hot_window\": 100, \"warm_threshold\": 3}, {\"name\": \"dram\", \"kind\":"
        + " \"dram\", \"capacity_blocks\": 100, \"codec\": {\"kind\": \"int4\", \"group_size\": 64, \"place\":"
        + " \"compute-stream\"}}], " + HW + ", \"prefetch\": {\"policy\": \"request-ahead\", \"depth\": 2,"
        + " \"budget_bytes_per_step\": 1000000}, \"wait_for_memory\": false, \"preemption\": \"none\""));
    assertEquals(100, c.tiers().get(0).hotWindowAccesses());
    assertEquals(CodecPlace.COMPUTE_STREAM, c.tiers().get(1).codec().place());
    c.checkApplies(TraceKind.REQUESTS);
    ReplayConfig accesses = bind(config(TWO + ", " + HW + ", \"sparse_reads\": {\"policy\": \"top-k\", \"k\": 4},"
        + " \"codec_rule\": {\"recent_window\": 16, \"cold_int4_distance\": 64}, \"max_batch\": 4,"
        + " \"max_batched_tokens\": 4096"));
    accesses.checkApplies(TraceKind.ACCESSES); // batch sizes describe the serving system: not refused
    ReplayConfig opt = bind(config("\"tiers\": [" + LRU.replace("}", ", \"policy\": \"opt\"}") + "],"
        + " \"expansion\": \"prefix\""));
    opt.checkApplies(TraceKind.REQUESTS);
    // without waiting for memory nothing preempts by default
    assertEquals(Preemption.NONE, bind(config(TWO + ", \"wait_for_memory\": false")).preemption());
  }

  private static ReplayConfig kvflow() {
    return ConfigLoader.load("kvflow").config();
  }

  /** The {@code with*} overrides the command line uses go through the same rules as JSON. */
  @Test
  void overridesCannotMakeAConfigJsonCouldNot() {
    ReplayConfig two = ConfigLoader.load("counts").config();
    assertPath("$.tiers[0].policy", () -> two.withFirstTierPolicy(PolicyKind.OPT));
    ReplayConfig hot = bind(config("\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 10,"
        + " \"policy\": \"hot-warm-cold\", \"hot_window\": 100}]"));
    assertPath("$.tiers[0].hot_window", () -> hot.withFirstTierPolicy(PolicyKind.LRU));
    assertPath("$.tiers[0].capacity_blocks", () -> two.withTiers(List.of(two.tiers().get(0).withCapacityBlocks(-1),
        two.tiers().get(1))));
    assertPath("$.tiers[0].capacity_bytes", () -> two.withTiers(List.of(two.tiers().get(0).withCapacityBytes(0),
        two.tiers().get(1))));
    ReplayConfig free = bind(config(TWO + ", \"finished_requests\": \"free\""));
    assertPath("$.finished_requests", () -> free.withExpansion(Expansion.PREFIX));
    ReplayConfig oneTier = bind(config("\"tiers\": [" + LRU + "], \"discard\": {\"policy\": \"h2o\"}"));
    assertPath("$.discard", () -> oneTier.withFirstTierPolicy(PolicyKind.OPT));
    // the kvflow preset: a hot/warm/cold HBM behind an SRAM scratch; any policy of its first tier is fine
    for (PolicyKind k : PolicyKind.values()) {
      if (k != PolicyKind.OPT) {
        assertEquals(k, kvflow().withFirstTierPolicy(k).tiers().get(0).policy());
      }
    }
  }

  /** Configs made in code obey the same rules. */
  @Test
  void recordsMadeInCodeCheckThemselves() {
    ReplayConfig c = ConfigLoader.load("counts").config();
    TierSpec hbm = c.tiers().get(0).tier();
    assertPath("$.tiers[0].hot_window", () -> c.withTiers(List.of(new TierConfig(hbm, 10, PolicyKind.LRU,
        AdmissionKind.ALWAYS, 1, 500, 2))));
    assertPath("$.tiers[0].admission", () -> c.withTiers(List.of(new TierConfig(hbm, 10, PolicyKind.LRU,
        AdmissionKind.NEVER, 3, 0, 2))));
    assertPath("$.tiers[0].admission", () -> c.withTiers(List.of(new TierConfig(hbm, 10, PolicyKind.OPT,
        AdmissionKind.NEVER, 1, 0, 2))));
    assertPath("$.tiers[0].codec", () -> c.withTiers(List.of(new TierConfig(hbm, 10, PolicyKind.LRU,
        AdmissionKind.ALWAYS, 1, 0, 2, new CodecSpec(CodecKind.NONE, 32, 0, 1, 0, 1, CodecPlace.COPY_PATH)))));
    HardwareSpec hw = Presets.hardware("h100-sxm");
    assertPath("$.prefetch.depth", () -> new TimingSpec(hw, PrefetchKind.NONE, 2, 0, 0));
    assertPath("$.prefetch.depth", () -> new TimingSpec(hw, PrefetchKind.LAYER_AHEAD, 0, 0, 0));
    assertPath("$.prefetch.budget_bytes_per_step", () -> new TimingSpec(hw, PrefetchKind.NONE, 0, 5, 0));
    assertPath("$.sparse_reads.k", () -> new SparseSpec(SparseKind.TOP_K, 0, 0, 0));
    assertPath("$.sparse_reads.recent_tokens", () -> new SparseSpec(SparseKind.TOP_K, 3, 0, 10));
    assertPath("$.discard.heavy_hitters", () -> new DiscardSpec(DiscardKind.STREAMING_LLM, 4, 32, 2));
    assertPath("$.codec_rule.cold_int4_distance", () -> new CodecRule(64, 16));
    assertPath("$.max_batch", () -> new ReplayConfig(c.model(), c.tiers(), c.hierarchy(), c.placement(), c.finished(),
        c.expansion(), 0, 0, null));
    assertPath("$.preemption", () -> new ReplayConfig(c.model(), c.tiers(), c.hierarchy(), c.placement(), c.finished(),
        c.expansion(), 8, 0, null, 0, false, Preemption.RECOMPUTE, SparseSpec.DENSE, DiscardSpec.NONE, null));
    assertPath("$.tiers[1].codec.place", () -> c.withTiers(List.of(c.tiers().get(0), new TierConfig(
        c.tiers().get(1).tier(), 10, PolicyKind.LRU, AdmissionKind.ALWAYS, 1, 0, 2, new CodecSpec(CodecKind.INT4, 32, 16,
        5e11, 0, 2.5e11, CodecPlace.COMPUTE_STREAM)))));
    assertPath("$.model.layers", () -> new ModelSpec("m", 0, 1, 1, 2, 16, 0, 0));
  }

  private static void assertPath(String path, org.junit.jupiter.api.function.Executable make) {
    ConfigException e = assertThrows(ConfigException.class, make);
    assertTrue(e.getMessage().startsWith(path + ": ") || e.getMessage().startsWith(path + "."), e.getMessage());
  }

  /**
   * Every shipped config, and every config a command-line override makes of it, writes JSON that
   * binds again to the same config: the effective config in report.json and a sweep's base claim
   * only settings that apply.
   */
  @Test
  void effectiveConfigsBindAgain() {
    for (String name : Presets.CONFIGS) {
      ReplayConfig c = ConfigLoader.load(name).config();
      assertRoundTrip(c, name);
      for (PolicyKind k : PolicyKind.values()) {
        ReplayConfig o;
        try {
          o = c.withFirstTierPolicy(k).withExpansion(Expansion.PREFIX);
        } catch (ConfigException e) {
          assertEquals(PolicyKind.OPT, k, e.getMessage()); // every shipped config has lower tiers
          continue;
        }
        assertRoundTrip(o, name + " with " + k.jsonName());
      }
    }
    assertRoundTrip(bind(config("\"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 10,"
        + " \"policy\": \"hot-warm-cold\", \"hot_window\": 100, \"codec\": \"fp8\"}, {\"name\": \"dram\", \"kind\": \"dram\","
        + " \"capacity_blocks\": 100, \"codec\": {\"kind\": \"kivi2\", \"place\": \"compute-stream\"}}], " + HW
        + ", \"prefetch\": {\"policy\": \"none\"}, \"wait_for_memory\": false, \"sparse_reads\": {\"policy\":"
        + " \"sink-recent\"}, \"codec_rule\": {\"recent_window\": 16, \"cold_int4_distance\": 64}")), "inline");
  }

  private static void assertRoundTrip(ReplayConfig c, String what) {
    JsonNode json = ConfigJson.toJson(c);
    assertEquals(c, ConfigLoader.fromJson(what, json).config(), what + ": " + json);
  }

  @Test
  void docsExamplesLoad() throws Exception {
    try (var files = java.nio.file.Files.list(java.nio.file.Path.of("..", "docs", "examples"))) {
      List<java.nio.file.Path> configs = files.filter(p -> p.toString().endsWith(".json")).toList();
      assertFalse(configs.isEmpty());
      for (java.nio.file.Path p : configs) {
        assertRoundTrip(ConfigLoader.load(p.toString()).config(), p.toString());
      }
    }
  }
}
