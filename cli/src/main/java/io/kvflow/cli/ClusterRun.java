package io.kvflow.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.listen.LatencyHistograms;
import io.kvflow.analysis.listen.OverflowGuard;
import io.kvflow.analysis.listen.ResultExport;
import io.kvflow.analysis.listen.ShardsMrcListener;
import io.kvflow.analysis.listen.StepTimes;
import io.kvflow.analysis.report.HtmlReport;
import io.kvflow.analysis.report.Manifest;
import io.kvflow.analysis.report.ReplayReport;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.cluster.ClusterReplay;
import io.kvflow.common.AtomicOutput;
import io.kvflow.engine.cluster.ClusterResult;
import io.kvflow.engine.cluster.RequestLog;
import io.kvflow.engine.cluster.TransferTotals;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * {@code instance-<i>/} holds each instance's requests.csv and steps.csv; the top-level requests.csv
 * each request's instances, KV transfer and times. Disaggregated, report.json's request latencies
 * are the decode pool's (measured from the arrival, so they include the prefill and the transfer)
 * and {@code cluster.disaggregation} totals the transfers.
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
    // the cluster's request latencies come from the instances that serve requests to the end: a
    // prefill instance's requests end at their prefill, so only its step and transfer times merge
    int prefillOnly = c.cluster().disaggregation() == null ? 0 : c.cluster().disaggregation().prefillInstances();
    List<LatencyHistograms> mergeable = new ArrayList<>();
    List<ResultExport> exports = new ArrayList<>();
    ClusterResult result;
    try (TerminalProgress progress = new TerminalProgress(label, quiet)) {
      try {
        result = ClusterReplay.run(trace, c, List.of(mrc), i -> {
          LatencyHistograms latency = new LatencyHistograms(links);
          latencies.add(latency);
          LatencyHistograms merged = latency;
          if (i < prefillOnly) {
            merged = new LatencyHistograms(links);
          }
          mergeable.add(merged);
          Path dir = out.resolve("instance-" + i);
          ReplayRun.ensureDir(dir);
          ResultExport export = new ResultExport(dir, true, true);
          exports.add(export);
          List<ReplayListener> own = new ArrayList<>();
          own.add(new OverflowGuard(trace + " with config " + configName + ", instance " + i));
          own.add(latency);
          if (merged != latency) {
            own.add(new StepTimes(merged));
          }
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
    for (LatencyHistograms l : mergeable) {
      merged.add(l);
    }
    merged.addTo(report);
    merged.write(out);
    ObjectNode cluster = report.putObject("cluster");
    cluster.put("router", result.router());
    cluster.put("instance_count", n);
    TransferTotals tt = result.transfers();
    if (tt != null) {
      ObjectNode d = cluster.putObject("disaggregation");
      d.put("prefill_instances", tt.prefillInstances());
      d.put("decode_instances", tt.decodeInstances());
      d.put("decode_router", c.cluster().disaggregation().decodeRouter().wireName());
      d.put("transfers", tt.transfers());
      d.put("transfer_blocks", tt.blocks());
      d.put("transfer_bytes", tt.bytes());
      d.put("decode_reused_blocks", tt.reusedBlocks());
      d.put("link_busy_ns", tt.linkBusyNs());
      d.put("transfer_ns_total", tt.transferNs());
      d.put("transfer_ns_mean", total.trace().requests() == 0 ? 0 : tt.transferNs() / (double) total.trace().requests());
      d.put("transfer_ns_max", tt.maxTransferNs());
    }
    writeRequests(out.resolve("requests.csv"), result.requests());
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

  /** The cluster's requests.csv: one row per request, in arrival order: its instances, KV transfer and times. */
  private static void writeRequests(Path file, RequestLog log) {
    try (AtomicOutput o = AtomicOutput.create(file);
        BufferedWriter w = Files.newBufferedWriter(o.temporary(), StandardCharsets.UTF_8)) {
      w.write("request_id,arrival_ns,instance,decode_instance,kv_transfer_blocks,kv_transfer_bytes,kv_transfer_ns,"
          + "ttft_ns,e2e_ns\n");
      StringBuilder line = new StringBuilder(128);
      for (int k = 0; k < log.size(); k++) {
        line.setLength(0);
        line.append(log.requestId(k)).append(',').append(log.arrivalNs(k)).append(',').append(log.instance(k))
            .append(',').append(log.decodeInstance(k)).append(',').append(log.transferBlocks(k)).append(',')
            .append(log.transferBytes(k)).append(',').append(log.transferNs(k)).append(',').append(log.ttftNs(k))
            .append(',').append(log.e2eNs(k)).append('\n');
        w.append(line);
      }
      w.flush();
      o.commit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
