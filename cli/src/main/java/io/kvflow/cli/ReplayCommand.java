package io.kvflow.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.listen.ResultExport;
import io.kvflow.analysis.listen.ShardsMrcListener;
import io.kvflow.analysis.report.HtmlReport;
import io.kvflow.analysis.report.Manifest;
import io.kvflow.analysis.report.ReplayReport;
import io.kvflow.common.BadInputException;
import io.kvflow.common.InputCheck;
import io.kvflow.common.OutputSet;
import io.kvflow.engine.ReplayEngine;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.spec.ConfigJson;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.Expansion;
import io.kvflow.engine.spec.Presets;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.spec.TierConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kvflow replay TRACE [--config FILE] [--preset MODEL] [--policy P] [--capacity-...] --out DIR}. */
@Command(name = "replay", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Replay a trace through a tiered KV-cache model and write DIR/report.json.",
        "Without --config the shipped 'default' config is used (Llama-3-8B, 8 GiB HBM + 64 GiB DRAM, LRU)."})
final class ReplayCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "TRACE", description = "trace file (Parquet, schema v1)")
  Path trace;

  @Option(names = "--config", paramLabel = "FILE|NAME", defaultValue = "default",
      completionCandidates = Registries.Configs.class,
      description = "config file, or a shipped config: ${COMPLETION-CANDIDATES} [default: default]")
  String config;

  @Option(names = "--preset", paramLabel = "MODEL", completionCandidates = Registries.Models.class,
      description = "model preset replacing the config's model: ${COMPLETION-CANDIDATES}")
  String preset;

  @Option(names = "--policy", paramLabel = "P", completionCandidates = Registries.Policies.class,
      description = "eviction policy of the first tier: ${COMPLETION-CANDIDATES} (opt: a single-tier config only); "
      + "the config's rules apply as if it were written there")
  String policy;

  static final class Capacity {
    @Option(names = "--capacity-blocks", paramLabel = "N", description = "capacity of the first tier in placement units")
    Long blocks;

    @Option(names = "--capacity-bytes", paramLabel = "B", description = "capacity of the first tier in bytes")
    Long bytes;
  }

  @ArgGroup(exclusive = true)
  Capacity capacity;

  @Option(names = "--expansion", paramLabel = "E", description = "requests traces: full (prefill + decode) or prefix (input blocks only)")
  String expansion;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "out", description = "output directory [default: out]")
  Path out;

  @Option(names = "--kv-events", description = "\"engine\": \"vllm\": also write DIR/kv_events.jsonl, vLLM's KV events "
      + "(BlockStored, BlockRemoved) one batch per engine step, in vLLM's JSON shape")
  boolean kvEvents;

  @Option(names = {"-q", "--quiet"}, description = "no progress display")
  boolean quiet;

  /** The config's name with the overrides applied to it, for messages. */
  private String overridden;

  @Override
  public Integer call() throws Exception {
    InputCheck.requireRegularFile(trace, "trace");
    Path configFile = Outputs.configFile(config);
    ConfigLoader.LoadedConfig loaded = ConfigLoader.load(config);
    ReplayConfig c = overrides(loaded.config());
    // a setting refused for this trace is named with the options that made it
    ReplayRun.checkApplies(trace, c, overridden);
    if (kvEvents && c.engine() != io.kvflow.engine.spec.EngineKind.VLLM) {
      throw new BadInputException("option --kv-events: applies to \"engine\": \"vllm\"; config " + overridden
          + " replays with the " + c.engine().name().toLowerCase(java.util.Locale.ROOT) + " engine (set \"engine\": "
          + "\"vllm\" in the config)");
    }
    ReplayRun.Outcome o;
    try (OutputSet set = Outputs.directory(out, Outputs.REPLAY, trace, configFile)) {
      o = ReplayRun.run(trace, c, config, set.directory(), "replay", quiet, kvEvents);
      set.commit();
    }
    spec.commandLine().getOut().print(io.kvflow.analysis.report.TextSummary.render(o.report(), TerminalText::escape));
    var e = o.result().engine();
    if (e != null) {
      spec.commandLine().getOut().printf("vllm: prompt tokens %,d = GPU hits %,d + CPU loads %,d + computed %,d; "
          + "preemptions %,d; KV usage mean %.3f, peak %.3f%s%n", e.promptTokens(), e.gpuHitTokens(), e.cpuHitTokens(),
          e.computedTokens(), e.preemptions(), e.usageMean(), e.usagePeak(), e.skippedTooLarge() == 0 ? ""
              : "; " + e.skippedTooLarge() + " requests larger than the GPU pool left out");
    }
    var g = o.result().sglang();
    if (g != null) {
      spec.commandLine().getOut().printf("sglang: prompt tokens %,d = GPU hits %,d + host loads %,d + computed %,d; "
          + "cache_hit_rate %.4f; retractions %,d; token usage mean %.3f, peak %.3f%s%n", g.promptTokens(),
          g.deviceHitTokens(), g.hostHitTokens(), g.computedTokens(), g.cacheHitRate(), g.retractions(),
          g.tokenUsageMean(), g.tokenUsagePeak(), g.skippedTooLarge() == 0 ? ""
              : "; " + g.skippedTooLarge() + " requests larger than the GPU pool left out");
    }
    spec.commandLine().getOut().flush();
    Warning.print(spec.commandLine().getErr(), o.warnings());
    if (!quiet) {
      System.err.println("wrote " + out.resolve("report.json") + " and " + out.resolve("report.html"));
    }
    return 0;
  }

  /**
   * The loaded config with the command-line overrides applied. Each goes through the config's own
   * rules (a {@link ReplayConfig} is valid by construction), so an override cannot make a config the
   * file could not: a refusal names the JSON path, the config and the options.
   */
  ReplayConfig overrides(ReplayConfig c) {
    List<String> given = new ArrayList<>();
    overridden = config;
    try {
      if (preset != null) {
        given.add("--preset " + preset);
        c = c.withModel(Presets.model(preset, "--preset", "model"));
      }
      List<TierConfig> tiers = new ArrayList<>(c.tiers());
      TierConfig first = tiers.get(0);
      if (policy != null) {
        PolicyKind k = Registries.policy("--policy", policy, Registries.policies());
        given.add("--policy " + k.jsonName());
        first = first.withPolicy(k);
      }
      if (capacity != null && capacity.blocks != null) {
        if (capacity.blocks <= 0 || capacity.blocks > TierConfig.MAX_CAPACITY_BLOCKS) {
          throw new BadInputException("option --capacity-blocks: " + capacity.blocks + " must be in 1.."
              + TierConfig.MAX_CAPACITY_BLOCKS);
        }
        given.add("--capacity-blocks " + capacity.blocks);
        first = first.withCapacityBlocks(capacity.blocks);
      }
      if (capacity != null && capacity.bytes != null) {
        if (capacity.bytes <= 0) {
          throw new BadInputException("option --capacity-bytes: " + capacity.bytes + " must be > 0");
        }
        given.add("--capacity-bytes " + capacity.bytes);
        first = first.withCapacityBytes(capacity.bytes);
      }
      tiers.set(0, first);
      c = c.withTiers(tiers);
      if (expansion != null) {
        Expansion e = switch (expansion) {
          case "full" -> Expansion.FULL;
          case "prefix" -> Expansion.PREFIX;
          default -> throw new BadInputException("option --expansion: '" + expansion + "' is not full or prefix");
        };
        given.add("--expansion " + expansion);
        c = c.withExpansion(e);
      }
      overridden = given.isEmpty() ? config : config + " with " + String.join(" ", given);
      return c;
    } catch (io.kvflow.engine.spec.ConfigException e) {
      throw e.from("config " + config + " with " + String.join(" ", given));
    }
  }
}
