package io.kvflow.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.listen.LatencyHistograms;
import io.kvflow.analysis.listen.OverflowGuard;
import io.kvflow.analysis.listen.ResultExport;
import io.kvflow.analysis.listen.ShardsMrcListener;
import io.kvflow.analysis.report.HtmlReport;
import io.kvflow.analysis.report.Manifest;
import io.kvflow.analysis.report.ReplayReport;
import io.kvflow.engine.ReplayEngine;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.spec.ConfigJson;
import io.kvflow.engine.spec.LinkSpec;
import io.kvflow.engine.spec.ReplayConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One replay with every analyzer attached, written to a directory: report.json, report.html, CSVs, histograms. */
final class ReplayRun {
  /**
   * Heap bytes one placement unit takes at the least while simulated (its key, index entry, free
   * slot and list links in its tier's policy); the policies with ghosts or heaps take more.
   */
  static final long HEAP_BYTES_PER_UNIT = 40;

  private ReplayRun() {}

  /** A finished replay: its result, its report.json and the warnings that report holds. */
  record Outcome(ReplayResult result, ObjectNode report, List<Warning> warnings) {}

  /**
   * Refuses, before anything is written, a trace that is no trace at all and a config with a setting
   * that cannot apply to this trace's kind (the engine checks the same when it starts); returns the
   * trace's kind.
   */
  static io.kvflow.trace.TraceKind checkApplies(Path trace, ReplayConfig c, String configName) {
    io.kvflow.trace.TraceMetadata meta = io.kvflow.trace.parquet.TraceReader.readMetadata(trace);
    io.kvflow.trace.TraceKind kind = meta.kind();
    try {
      c.checkApplies(kind, meta.blockTokens());
    } catch (io.kvflow.engine.spec.ConfigException e) {
      throw e.from(trace + " (" + described(kind) + ") with config " + configName);
    }
    checkHeap(trace + " with config " + configName, c.placementUnits(meta.blockTokens()), 1);
    return kind;
  }

  /**
   * Refuses a config ({@code what} names it) whose tiers hold more placement units than this JVM's
   * heap, shared by {@code parallel} replays, can simulate (its policies keep tables of every unit).
   */
  static void checkHeap(String what, long units, int parallel) {
    if (units > Runtime.getRuntime().maxMemory() / parallel / HEAP_BYTES_PER_UNIT) {
      throw heapTooSmall(what, units, parallel);
    }
  }

  /** The refusal of {@link #checkHeap}: the limit named, and how to raise it. */
  private static io.kvflow.common.BadInputException heapTooSmall(String what, long units, int parallel) {
    long heapMiB = Runtime.getRuntime().maxMemory() >> 20;
    long needMiB = units * HEAP_BYTES_PER_UNIT * parallel >> 20;
    return new io.kvflow.common.BadInputException(what + ": $.tiers: the tiers hold " + units + " placement units, "
        + "which take at least " + (units * HEAP_BYTES_PER_UNIT >> 20) + " MiB of memory to simulate ("
        + HEAP_BYTES_PER_UNIT + " bytes a unit" + (parallel > 1 ? ", " + parallel + " replays at once" : "")
        + "); this JVM may use " + heapMiB + " MiB; lower the capacities or give the JVM more (e.g. "
        + "KVFLOW_JAVA_OPTS=-Xmx" + Math.max(2, (needMiB * 2 >> 10) + 1) + "g)");
  }

  /** "a requests trace", "an accesses trace". */
  static String described(io.kvflow.trace.TraceKind kind) {
    return (kind == io.kvflow.trace.TraceKind.ACCESSES ? "an " : "a ") + kind.wireName() + " trace";
  }

  static Outcome run(Path trace, ReplayConfig c, String configName, Path out, String label, boolean quiet) {
    return run(trace, c, configName, out, label, quiet, false);
  }

  /** The KV-event log of a vllm-mode replay, written beside report.json when asked for. */
  static final String KV_EVENTS = "kv_events.jsonl";

  /** As above; {@code kvEvents} also writes the vllm mode's KV events to {@code out/kv_events.jsonl}. */
  static Outcome run(Path trace, ReplayConfig c, String configName, Path out, String label, boolean quiet,
      boolean kvEvents) {
    // a file that is no trace at all, or a setting that cannot apply to it, fails here, before an
    // output directory is made for it
    boolean requestsTrace = checkApplies(trace, c, configName) == io.kvflow.trace.TraceKind.REQUESTS;
    if (c.cluster() != null) {
      return ClusterRun.run(trace, c, configName, out, label, quiet);
    }
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new io.kvflow.common.BadInputException(out + ": cannot create the output directory (" + e.getMessage() + ")");
    }
    ShardsMrcListener mrc = new ShardsMrcListener(c.seed());
    LatencyHistograms latency = c.timing() == null ? null
        : new LatencyHistograms(c.timing().hardware().links().stream().map(LinkSpec::name).toList());
    ReplayResult result;
    try (TerminalProgress progress = new TerminalProgress(label, quiet);
        ResultExport export = new ResultExport(out, requestsTrace, c.timing() != null);
        io.kvflow.engine.vllm.KvEventLog events = kvEvents ? new io.kvflow.engine.vllm.KvEventLog(out.resolve(KV_EVENTS),
            io.kvflow.trace.parquet.TraceReader.readMetadata(trace).blockTokens()) : null) {
      // a figure that wrapped around 64 bits ends the replay with one line, before anything is kept
      OverflowGuard guard = new OverflowGuard(trace + " with config " + configName);
      List<ReplayListener> listeners = new ArrayList<>(List.of(guard, mrc, export));
      if (latency != null) {
        listeners.add(latency);
      }
      if (events != null) {
        listeners.add(events);
      }
      try {
        result = ReplayEngine.run(trace, c, listeners, progress);
      } catch (OutOfMemoryError e) {
        // the tiers' tables, when they are a large part of the heap, are what did not fit: say so
        long units = c.placementUnits(io.kvflow.trace.parquet.TraceReader.readMetadata(trace).blockTokens());
        if (units > Runtime.getRuntime().maxMemory() / 4 / HEAP_BYTES_PER_UNIT) {
          throw heapTooSmall(trace + " with config " + configName, units, 1);
        }
        throw e;
      }
    }
    ObjectNode effective = ConfigJson.toJson(c);
    Manifest manifest = Manifest.of(Version.get(), trace, configName, effective, c.seed());
    ObjectNode report = ReplayReport.toJson(result, manifest, effective);
    ReplayReport.addTraceFacts(report, TraceFacts.source(trace), TraceFacts.tenants(trace, 20));
    long maxUnits = 0;
    for (TierResult t : result.tiers()) {
      maxUnits += t.capacityUnits();
    }
    ReplayReport.addMrc(report, mrc, Math.max(maxUnits * 2, result.trace().distinctBlocks()));
    if (latency != null) {
      latency.addTo(report);
      latency.write(out);
    }
    String massCsv = ReplayReport.retainedMassCsv(result);
    if (massCsv != null) {
      io.kvflow.common.AtomicOutput.writeBytes(out.resolve("attention_mass_retained.csv"),
          massCsv.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    // the arrival span, for the overload rule (requests traces with timing: one more pass, over one column)
    long[] range = requestsTrace && result.time() != null ? TraceFacts.arrivalRange(trace) : new long[] {0, 0};
    List<Warning> warnings = WarningRules.replay(trace.getFileName().toString(),
        io.kvflow.trace.parquet.TraceReader.readMetadata(trace), c, result, range[0], range[1] - range[0]);
    Warning.addTo(report, warnings);
    ReplayReport.write(out.resolve("report.json"), report);
    if (result.engine() != null) {
      io.kvflow.analysis.report.PrometheusText.write(out.resolve("metrics.prom"),
          io.kvflow.analysis.report.PrometheusText.vllm(result.engine(), c.model().name()));
    }
    if (result.sglang() != null) {
      io.kvflow.analysis.report.PrometheusText.write(out.resolve("metrics.prom"),
          io.kvflow.analysis.report.SglangReport.prometheus(result.sglang(), c.model().name()));
    }
    HtmlReport.write(out.resolve("report.html"), report, "KVFlow replay: " + trace.getFileName() + " (" + configName + ")");
    return new Outcome(result, report, warnings);
  }

  static void ensureDir(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
