package io.kvflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.report.HtmlReport;
import io.kvflow.analysis.report.ReplayReport;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.common.InputCheck;
import io.kvflow.common.OutputSet;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kvflow compare TRACE --baseline CFG --candidate CFG --out DIR}. */
@Command(name = "compare", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Replay a trace under two configurations and report them side by side with deltas.",
        "Writes DIR/report.json {baseline, candidate, delta}, DIR/report.html, and each run's files under "
            + "DIR/baseline/ and DIR/candidate/."})
final class CompareCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "TRACE", description = "trace file (Parquet, schema v1)")
  Path trace;

  @Option(names = "--baseline", paramLabel = "CFG", completionCandidates = Registries.Configs.class,
      description = "config file or shipped config: ${COMPLETION-CANDIDATES}")
  String baseline;

  @Option(names = "--candidate", paramLabel = "CFG", completionCandidates = Registries.Configs.class,
      description = "config file or shipped config: ${COMPLETION-CANDIDATES}")
  String candidate;

  @Option(names = "--policies", split = ",", paramLabel = "P", completionCandidates = Registries.Policies.class,
      description = "instead of two configs: one replay per first-tier policy of --config (the common one-axis "
      + "comparison); policies: ${COMPLETION-CANDIDATES}")
  java.util.List<String> policies;

  @Option(names = "--config", defaultValue = "default", paramLabel = "CFG", description = "base config for --policies [default: default]")
  String config;

  @Option(names = "--out", defaultValue = "out", paramLabel = "DIR", description = "output directory [default: out]")
  Path out;

  @Option(names = "--preset", paramLabel = "MODEL", completionCandidates = Registries.Models.class,
      description = "model preset replacing both configs' model: ${COMPLETION-CANDIDATES}")
  String preset;

  @Option(names = {"-q", "--quiet"}, description = "no progress display")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    if (policies != null) {
      return comparePolicies();
    }
    if (baseline == null || candidate == null) {
      throw new io.kvflow.common.BadInputException("give --baseline CFG and --candidate CFG, or --policies a,b,c");
    }
    InputCheck.requireRegularFile(trace, "trace");
    Path baselineFile = Outputs.configFile(baseline);
    Path candidateFile = Outputs.configFile(candidate);
    var b = withPreset(ConfigLoader.load(baseline).config(), baseline);
    var c = withPreset(ConfigLoader.load(candidate).config(), candidate);
    // both refused before anything is written
    ReplayRun.checkApplies(trace, b, baseline);
    ReplayRun.checkApplies(trace, c, candidate);
    ObjectNode report = JsonNodeFactory.instance.objectNode();
    java.util.List<Warning> warnings;
    // nothing is written unless both replays succeed: both write into the set, committed at the end
    try (OutputSet set = Outputs.directory(out, Outputs.COMPARE, trace, baselineFile, candidateFile)) {
      Path dir = set.directory();
      // the two replays are independent: the candidate runs on a second core (its progress not shown)
      var cand = c;
      java.util.concurrent.FutureTask<ReplayRun.Outcome> second = new java.util.concurrent.FutureTask<>(
          () -> ReplayRun.run(trace, cand, candidate, dir.resolve("candidate"), "candidate", true));
      boolean parallel = Runtime.getRuntime().availableProcessors() > 1;
      Thread t = null;
      if (parallel) {
        t = new Thread(second, "kvflow-candidate");
        t.setDaemon(true);
        t.start();
      }
      ReplayRun.Outcome rb;
      try {
        rb = ReplayRun.run(trace, b, baseline, dir.resolve("baseline"), "baseline", quiet);
      } catch (RuntimeException | Error e) {
        if (t != null) {
          t.join(); // the candidate writes into the set too: let it end before the set is deleted
        }
        throw e;
      }
      if (!parallel) {
        second.run();
      }
      ReplayRun.Outcome rc;
      try {
        rc = second.get();
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw e;
      }
      report.set("baseline", rb.report());
      report.set("candidate", rc.report());
      report.set("delta", delta(rb.report(), rc.report()));
      warnings = merged(java.util.List.of("baseline", "candidate"), java.util.List.of(rb.warnings(), rc.warnings()));
      Warning.addTo(report, warnings);
      ReplayReport.write(dir.resolve("report.json"), report);
      HtmlReport.write(dir.resolve("report.html"), report, "KVFlow compare: " + baseline + " vs " + candidate);
      set.commit();
    }
    print(spec.commandLine().getOut(), report.get("delta"));
    Warning.print(spec.commandLine().getErr(), warnings);
    if (!quiet) {
      System.err.println("wrote " + out.resolve("report.json") + " and " + out.resolve("report.html"));
    }
    return 0;
  }

  /** {@code c} with the model of {@code --preset}, if given; a refusal names the config and the option. */
  private io.kvflow.engine.spec.ReplayConfig withPreset(io.kvflow.engine.spec.ReplayConfig c, String name) {
    if (preset == null) {
      return c;
    }
    try {
      return c.withModel(io.kvflow.engine.spec.Presets.model(preset, "--preset", "model"));
    } catch (io.kvflow.engine.spec.ConfigException e) {
      throw e.from("config " + name + " with --preset " + preset);
    }
  }

  private int comparePolicies() throws Exception {
    InputCheck.requireRegularFile(trace, "trace");
    Path configFile = Outputs.configFile(config);
    var base = withPreset(ConfigLoader.load(config).config(), config);
    // every run's config, refused up front (a policy whose settings cannot apply, or not to this
    // trace) before any run writes its directory
    var kinds = new java.util.ArrayList<io.kvflow.engine.policy.PolicyKind>();
    var configs = new java.util.ArrayList<io.kvflow.engine.spec.ReplayConfig>();
    for (String p : policies) {
      var kind = Registries.policy("--policies", p.strip(), Registries.policies());
      io.kvflow.engine.spec.ReplayConfig c;
      try {
        c = base.withFirstTierPolicy(kind);
      } catch (io.kvflow.engine.spec.ConfigException e) {
        throw e.from("config " + config + " with --policies " + kind.jsonName());
      }
      ReplayRun.checkApplies(trace, c, config + " with " + kind.jsonName());
      kinds.add(kind);
      configs.add(c);
    }
    try (OutputSet set = Outputs.directory(out, Outputs.COMPARE, trace, configFile)) {
      writePolicyRuns(kinds, configs, set.directory());
      set.commit();
    }
    return 0;
  }

  private void writePolicyRuns(java.util.List<io.kvflow.engine.policy.PolicyKind> kinds,
      java.util.List<io.kvflow.engine.spec.ReplayConfig> configs, Path dir) {
    ObjectNode report = JsonNodeFactory.instance.objectNode();
    ObjectNode runs = report.putObject("runs");
    PrintWriter w = spec.commandLine().getOut();
    java.util.List<java.util.List<Warning>> each = new java.util.ArrayList<>();
    java.util.List<String> names = new java.util.ArrayList<>();
    w.printf("%-14s %12s %20s %16s %16s%n", "policy", "hit_ratio", "hbm_bytes_read", "step_mean_ms", "stall_mean_ms");
    for (int i = 0; i < kinds.size(); i++) {
      var kind = kinds.get(i);
      ReplayRun.Outcome o = ReplayRun.run(trace, configs.get(i), config + " with " + kind.jsonName(),
          dir.resolve(kind.jsonName()), kind.jsonName(), quiet);
      runs.set(kind.jsonName(), o.report());
      each.add(o.warnings());
      names.add(kind.jsonName());
      JsonNode hbm = tier(o.report(), "hbm");
      JsonNode lat = o.report().path("latency_ns");
      w.printf("%-14s %12.4f %,20d %16s %16s%n", kind.jsonName(), o.result().tiers().get(0).hitRatio(),
          hbm == null ? 0 : hbm.get("bytes_read").asLong(),
          lat.has("step") ? String.format("%.3f", lat.get("step").get("mean").asDouble() / 1e6) : "-",
          lat.has("step_stall") ? String.format("%.3f", lat.get("step_stall").get("mean").asDouble() / 1e6) : "-");
    }
    java.util.List<Warning> warnings = merged(names, each);
    Warning.addTo(report, warnings);
    ReplayReport.write(dir.resolve("report.json"), report);
    HtmlReport.write(dir.resolve("report.html"), report, "KVFlow compare: first-tier policies " + String.join(", ",
        kinds.stream().map(io.kvflow.engine.policy.PolicyKind::jsonName).toList()) + " on " + trace.getFileName());
    Warning.print(spec.commandLine().getErr(), warnings);
  }

  /**
   * The warnings of several runs of one trace: one every run has (the trace's own) once, the others
   * with the name of their run.
   */
  static java.util.List<Warning> merged(java.util.List<String> names, java.util.List<java.util.List<Warning>> each) {
    java.util.List<Warning> out = new java.util.ArrayList<>();
    for (int i = 0; i < each.size(); i++) {
      for (Warning w : each.get(i)) {
        boolean everyRun = each.stream().allMatch(l -> l.contains(w));
        if (!everyRun) {
          out.add(new Warning(w.code(), names.get(i) + ": " + w.message()));
        } else if (!out.contains(w)) {
          out.add(w);
        }
      }
    }
    return out;
  }

  static JsonNode tier(JsonNode report, String kind) {
    for (JsonNode t : report.get("tiers")) {
      if (t.get("kind").asText().equals(kind)) {
        return t;
      }
    }
    return null;
  }

  static ObjectNode delta(JsonNode b, JsonNode c) {
    ObjectNode d = JsonNodeFactory.instance.objectNode();
    pair(d, "hbm_bytes_read", value(tier(b, "hbm"), "bytes_read"), value(tier(c, "hbm"), "bytes_read"));
    pair(d, "sram_hit_ratio", value(tier(b, "sram"), "hit_ratio"), value(tier(c, "sram"), "hit_ratio"));
    for (String[] m : new String[][] {{"step_stall", "p50"}, {"step_stall", "p99"}, {"step_stall", "mean"},
        {"step", "mean"}, {"step", "p99"}, {"tpot", "mean"}, {"ttft", "mean"}}) {
      pair(d, m[0] + "_" + m[1] + "_ns", value(b.path("latency_ns").get(m[0]), m[1]), value(c.path("latency_ns").get(m[0]), m[1]));
    }
    ObjectNode links = d.putObject("link_bytes");
    for (JsonNode l : b.path("links")) {
      double other = Double.NaN;
      for (JsonNode k : c.path("links")) {
        if (k.get("name").asText().equals(l.get("name").asText())) {
          other = k.get("bytes").asDouble();
        }
      }
      pair(links, l.get("name").asText(), l.get("bytes").asDouble(), other);
    }
    return d;
  }

  private static double value(JsonNode n, String field) {
    return n == null || !n.has(field) ? Double.NaN : n.get(field).asDouble();
  }

  private static void pair(ObjectNode d, String name, double b, double c) {
    ObjectNode o = d.putObject(name);
    put(o, "baseline", b);
    put(o, "candidate", c);
    put(o, "change", c - b);
    put(o, "change_ratio", b == 0 || Double.isNaN(b) || Double.isNaN(c) ? Double.NaN : (c - b) / b);
  }

  private static void put(ObjectNode o, String k, double v) {
    if (Double.isNaN(v)) {
      o.putNull(k);
    } else {
      o.put(k, v);
    }
  }

  private static void print(PrintWriter out, JsonNode delta) {
    out.printf("%-26s %18s %18s %10s%n", "metric", "baseline", "candidate", "change");
    delta.fields().forEachRemaining(e -> {
      if (e.getKey().equals("link_bytes")) {
        e.getValue().fields().forEachRemaining(l -> row(out, "link " + l.getKey() + " bytes", l.getValue()));
      } else {
        row(out, e.getKey(), e.getValue());
      }
    });
  }

  private static void row(PrintWriter out, String name, JsonNode v) {
    out.printf("%-26s %18s %18s %10s%n", name, fmt(v.get("baseline")), fmt(v.get("candidate")),
        v.get("change_ratio").isNull() ? "-" : String.format("%+.1f%%", 100 * v.get("change_ratio").asDouble()));
  }

  private static String fmt(JsonNode v) {
    if (v == null || v.isNull()) {
      return "-";
    }
    double d = v.asDouble();
    return d == Math.rint(d) && Math.abs(d) < 1e18 ? String.format("%,d", (long) d) : String.format("%.4f", d);
  }
}
