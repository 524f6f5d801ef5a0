package io.kvflow.analysis.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.listen.LatencyHistograms;
import io.kvflow.analysis.listen.OverflowGuard;
import io.kvflow.analysis.listen.StepTimes;
import io.kvflow.common.Progress;
import io.kvflow.engine.ReplayEngine;
import io.kvflow.engine.cluster.ClusterReplay;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.LinkSpec;
import io.kvflow.engine.spec.ReplayConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs one sweep point: one replay, reduced to one table row. Every executor calls this, so a row
 * does not depend on where it was computed. A failing point becomes a row with status {@code error}
 * and the message; it never takes the other points with it.
 */
public final class SweepRunner {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Metric columns of the table, after the point's parameters, in order. */
  public static final List<String> METRICS = List.of("first_tier_hit_ratio", "hbm_capacity_bytes", "hbm_bytes_read",
      "source_reads", "prefix_token_hit_ratio", "step_mean_ns", "step_stall_mean_ns", "tpot_mean_ns", "ttft_mean_ns");

  private SweepRunner() {}

  /** The row of {@code p}, replaying the trace at {@code localTrace} (a local copy of {@code p.trace()}). */
  public static ObjectNode run(SweepPoint p, Path localTrace) {
    ObjectNode row = header(p);
    try {
      ReplayConfig config = ConfigLoader.fromJson("point " + p.index(), JSON.readTree(p.configJson())).config();
      LatencyHistograms latency = config.timing() == null ? null
          : new LatencyHistograms(config.timing().hardware().links().stream().map(LinkSpec::name).toList());
      List<ReplayListener> listeners = new java.util.ArrayList<>(List.of(new OverflowGuard("point " + p.index())));
      if (latency != null) {
        listeners.add(latency);
      }
      ReplayResult r = config.cluster() == null ? ReplayEngine.run(localTrace, config, listeners, Progress.NONE)
          : cluster(localTrace, config, latency, "point " + p.index());
      row.put("status", "ok");
      row.putNull("error");
      TierResult first = r.tiers().get(0);
      row.put("first_tier_hit_ratio", first.hitRatio());
      for (TierResult t : r.tiers()) {
        if (t.kind().equals("hbm")) {
          row.put("hbm_capacity_bytes", t.capacityBytes());
          row.put("hbm_bytes_read", t.bytesRead());
        }
      }
      row.put("source_reads", r.residency().sourceReads());
      row.put("prefix_token_hit_ratio", r.prefixTokenHitRatio());
      if (latency != null) {
        ObjectNode lat = JsonNodeFactory.instance.objectNode();
        latency.addTo(lat);
        row.put("step_mean_ns", lat.get("latency_ns").get("step").get("mean").asDouble());
        row.put("step_stall_mean_ns", lat.get("latency_ns").get("step_stall").get("mean").asDouble());
        row.put("tpot_mean_ns", lat.get("latency_ns").get("tpot").get("mean").asDouble());
        row.put("ttft_mean_ns", lat.get("latency_ns").get("ttft").get("mean").asDouble());
      }
    } catch (JsonProcessingException e) {
      return failed(p, "point " + p.index() + ": config is not valid JSON (" + e.getOriginalMessage() + ")");
    } catch (RuntimeException e) {
      return failed(p, e.getMessage() == null ? e.toString() : e.getMessage());
    }
    return row;
  }

  /**
   * A point whose config has {@code $.cluster}: the cluster replay, its totals as the row's figures
   * and its request latencies from the instances that serve requests to the end (the decode pool's
   * when disaggregated), merged into {@code latency}.
   */
  private static ReplayResult cluster(Path trace, ReplayConfig config, LatencyHistograms latency, String label) {
    List<String> links = config.timing().hardware().links().stream().map(LinkSpec::name).toList();
    int prefillOnly = config.cluster().disaggregation() == null ? 0 : config.cluster().disaggregation().prefillInstances();
    List<LatencyHistograms> parts = new java.util.ArrayList<>();
    ReplayResult total = ClusterReplay.run(trace, config, List.of(), i -> {
      LatencyHistograms h = new LatencyHistograms(links);
      parts.add(h);
      return List.of(new OverflowGuard(label + ", instance " + i), i < prefillOnly ? new StepTimes(h) : h);
    }, Progress.NONE).total();
    for (LatencyHistograms h : parts) {
      latency.add(h);
    }
    return total;
  }

  /** The row of a point that failed with {@code message}: its parameters, status error and the message. */
  public static ObjectNode failed(SweepPoint p, String message) {
    ObjectNode row = header(p);
    row.put("status", "error");
    row.put("error", message);
    return row;
  }

  private static ObjectNode header(SweepPoint p) {
    ObjectNode row = JsonNodeFactory.instance.objectNode();
    row.put("point", p.index());
    row.put("trace", p.traceName());
    for (int i = 0; i < p.paths().size(); i++) {
      row.put(p.paths().get(i), p.cells().get(i));
    }
    return row;
  }

  /** {@link #run} as JSON text, the form rows travel in between machines. */
  public static String runToJson(SweepPoint p, Path localTrace) {
    return run(p, localTrace).toString();
  }
}
