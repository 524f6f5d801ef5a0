package io.kvflow.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.listen.LatencyHistograms;
import io.kvflow.analysis.listen.OverflowGuard;
import io.kvflow.analysis.listen.ResultExport;
import io.kvflow.analysis.listen.ShardsMrcListener;
import io.kvflow.analysis.report.HtmlReport;
import io.kvflow.analysis.report.Manifest;
import io.kvflow.analysis.report.ReplayReport;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.cluster.ClusterReplay;
import io.kvflow.engine.cluster.ClusterResult;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.spec.ConfigJson;
import io.kvflow.engine.spec.LinkSpec;
import io.kvflow.engine.spec.ReplayConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One replay on a cluster ({@code $.cluster}), written as a single replay is: report.json holds the
 * cluster's totals (every counter summed over the instances, latency histograms added together) in
 * the single replay's fields, and {@code cluster}: the router and each instance's own figures;
 * {@code instance-<i>/} holds each instance's requests.csv and steps.csv.
 */
final class ClusterRun {
  private ClusterRun() {}

  static ReplayRun.Outcome run(Path trace, ReplayConfig c, String configName, Path out, String label, boolean quiet) {
    int n = c.cluster().instances();
    io.kvflow.trace.TraceMetadata meta = io.kvflow.trace.parquet.TraceReader.readMetadata(trace);
    ReplayRun.checkHeap(trace + " with config " + configName + " on " + n + " instances",
        c.placementUnits(meta.blockTokens()), n);
    ReplayRun.ensureDir(out);
    List<String> links = c.timing().hardware().links().stream().map(LinkSpec::name).toList();
    ShardsMrcListener mrc = new ShardsMrcListener(c.seed());
    List<LatencyHistograms> latencies = new ArrayList<>();
    List<ResultExport> exports = new ArrayList<>();
    ClusterResult result;
    try (TerminalProgress progress = new TerminalProgress(label, quiet)) {
      try {
        result = ClusterReplay.run(trace, c, List.of(mrc), i -> {
          LatencyHistograms latency = new LatencyHistograms(links);
          latencies.add(latency);
          Path dir = out.resolve("instance-" + i);
          ReplayRun.ensureDir(dir);
          ResultExport export = new ResultExport(dir, true, true);
          exports.add(export);
          List<ReplayListener> own = new ArrayList<>();
          own.add(new OverflowGuard(trace + " with config " + configName + ", instance " + i));
          own.add(latency);
          own.add(export);
          return own;
        }, progress);
      } finally {
        for (ResultExport e : exports) {
          e.close();
        }
      }
    }
    ObjectNode effective = ConfigJson.toJson(c);
    Manifest manifest = Manifest.of(Version.get(), trace, configName, effective, c.seed());
    ReplayResult total = result.total();
    ObjectNode report = ReplayReport.toJson(total, manifest, effective);
    ReplayReport.addTraceFacts(report, TraceFacts.source(trace), TraceFacts.tenants(trace, 20));
    long maxUnits = 0;
    for (TierResult t : total.tiers()) {
      maxUnits += t.capacityUnits();
    }
    ReplayReport.addMrc(report, mrc, Math.max(maxUnits * 2, total.trace().distinctBlocks()));
    LatencyHistograms merged = new LatencyHistograms(links);
    for (LatencyHistograms l : latencies) {
      merged.add(l);
    }
    merged.addTo(report);
    merged.write(out);
    ObjectNode cluster = report.putObject("cluster");
    cluster.put("router", result.router());
    cluster.put("instance_count", n);
    ArrayNode instances = cluster.putArray("instances");
    for (int i = 0; i < n; i++) {
      ObjectNode one = ReplayReport.toJson(result.instances().get(i), manifest, effective);
      one.remove(List.of("manifest", "config", "occupancy", "mrc"));
      latencies.get(i).addTo(one);
      ObjectNode o = instances.addObject();
      o.put("index", i);
      o.setAll(one);
    }
    long[] range = total.time() != null ? TraceFacts.arrivalRange(trace) : new long[] {0, 0};
    List<Warning> warnings = WarningRules.replay(trace.getFileName().toString(), meta, c, total, range[0],
        range[1] - range[0]);
    Warning.addTo(report, warnings);
    ReplayReport.write(out.resolve("report.json"), report);
    HtmlReport.write(out.resolve("report.html"), report, "KVFlow replay: " + trace.getFileName() + " (" + configName
        + ", " + n + " instances, " + result.router() + ")");
    return new ReplayRun.Outcome(total, report, warnings);
  }
}
