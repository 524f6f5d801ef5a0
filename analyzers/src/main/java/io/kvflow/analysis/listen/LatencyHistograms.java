package io.kvflow.analysis.listen;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.AtomicOutput;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.time.TimedListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

/**
 * HdrHistogram distributions of the timing model's measurements, all in simulated nanoseconds:
 * step time, step stall, TTFT, TPOT, end-to-end, and transfer latency per link. Writes one
 * {@code NAME_ns.hgrm} (percentile distribution) per histogram and {@code step_ns.hlog} /
 * {@code step_stall_ns.hlog} (interval histograms of 64 steps each, stamped with simulated time).
 */
public final class LatencyHistograms implements ReplayListener, TimedListener {
  private static final int SIGNIFICANT_DIGITS = 3;
  private static final int STEPS_PER_INTERVAL = 64;

  private final Map<String, Histogram> histograms = new LinkedHashMap<>();
  private final List<String> linkNames;
  private final Histogram[] transfers;
  private final ByteArrayOutputStream stepLog = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stallLog = new ByteArrayOutputStream();
  private final HistogramLogWriter stepWriter;
  private final HistogramLogWriter stallWriter;
  private final Histogram stepInterval = histogram();
  private final Histogram stallInterval = histogram();
  private long intervalStartNs = -1;
  private long intervalSteps;
  private long lastStepEndNs;

  public LatencyHistograms(List<String> linkNames) {
    for (String n : new String[] {"step", "step_stall", "ttft", "tpot", "e2e"}) {
      histograms.put(n, histogram());
    }
    this.linkNames = List.copyOf(linkNames);
    transfers = new Histogram[linkNames.size()];
    for (int i = 0; i < transfers.length; i++) {
      transfers[i] = histogram();
    }
    stepWriter = header(new HistogramLogWriter(new PrintStream(stepLog, true, StandardCharsets.UTF_8)), "step time");
    stallWriter = header(new HistogramLogWriter(new PrintStream(stallLog, true, StandardCharsets.UTF_8)), "step stall");
  }

  private static HistogramLogWriter header(HistogramLogWriter w, String what) {
    w.outputComment("KVFlow " + what + " in simulated nanoseconds; interval timestamps are simulated time");
    w.outputLogFormatVersion();
    w.outputStartTime(0);
    w.setBaseTime(0);
    w.outputLegend();
    return w;
  }

  private static Histogram histogram() {
    Histogram h = new Histogram(SIGNIFICANT_DIGITS);
    h.setAutoResize(true);
    return h;
  }

  private static void record(Histogram h, long v) {
    h.recordValue(Math.max(0, v));
  }

  /** Accesses are not looked at: nothing to do for a run of them either. */
  @Override
  public void firstTierHits(io.kvflow.engine.HitRun run) {}

  @Override
  public void stepTimed(long step, long startNs, long stepNs, long stallNs, long computeNs) {
    record(histograms.get("step"), stepNs);
    record(histograms.get("step_stall"), stallNs);
    if (intervalStartNs < 0) {
      intervalStartNs = startNs;
    }
    record(stepInterval, stepNs);
    record(stallInterval, stallNs);
    lastStepEndNs = startNs + stepNs;
    if (++intervalSteps == STEPS_PER_INTERVAL) {
      flushInterval();
    }
  }

  private void flushInterval() {
    if (intervalSteps == 0) {
      return;
    }
    // HdrHistogram timestamps are milliseconds: simulated ns / 1e6
    for (Histogram h : new Histogram[] {stepInterval, stallInterval}) {
      h.setStartTimeStamp(intervalStartNs / 1_000_000);
      h.setEndTimeStamp(Math.max(intervalStartNs, lastStepEndNs) / 1_000_000);
    }
    stepWriter.outputIntervalHistogram(stepInterval);
    stallWriter.outputIntervalHistogram(stallInterval);
    stepInterval.reset();
    stallInterval.reset();
    intervalSteps = 0;
    intervalStartNs = lastStepEndNs;
  }

  @Override
  public void requestTimed(long requestId, long ttftNs, long tpotNs, long e2eNs) {
    record(histograms.get("ttft"), ttftNs);
    if (tpotNs >= 0) {
      record(histograms.get("tpot"), tpotNs);
    }
    record(histograms.get("e2e"), e2eNs);
  }

  @Override
  public void transferTimed(int link, long latencyNs) {
    record(transfers[link], latencyNs);
  }

  /**
   * Adds every distribution of {@code other} (same links) into this one (HdrHistogram add): a
   * cluster's latencies from its instances'. The interval logs are not merged (their steps interleave).
   */
  public void add(LatencyHistograms other) {
    if (!other.linkNames.equals(linkNames)) {
      throw new IllegalArgumentException("links differ: " + other.linkNames + " vs " + linkNames);
    }
    for (var e : histograms.entrySet()) {
      e.getValue().add(other.histograms.get(e.getKey()));
    }
    for (int i = 0; i < transfers.length; i++) {
      transfers[i].add(other.transfers[i]);
    }
  }

  /** Adds {@code latency_ns} to a report: p50..max, mean, count and a percentile curve per histogram. */
  public void addTo(ObjectNode report) {
    ObjectNode lat = report.putObject("latency_ns");
    for (var e : histograms.entrySet()) {
      summary(lat.putObject(e.getKey()), e.getValue());
    }
    for (int i = 0; i < transfers.length; i++) {
      summary(lat.putObject("transfer_" + linkNames.get(i)), transfers[i]);
    }
  }

  private static void summary(ObjectNode o, Histogram h) {
    long count = h.getTotalCount();
    o.put("p50", count == 0 ? 0 : h.getValueAtPercentile(50));
    o.put("p90", count == 0 ? 0 : h.getValueAtPercentile(90));
    o.put("p99", count == 0 ? 0 : h.getValueAtPercentile(99));
    o.put("p999", count == 0 ? 0 : h.getValueAtPercentile(99.9));
    o.put("max", count == 0 ? 0 : h.getMaxValue());
    o.put("mean", count == 0 ? 0 : h.getMean());
    o.put("count", count);
    ArrayNode curve = o.putArray("percentiles");
    if (count > 0) {
      for (double p : new double[] {0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100}) {
        ArrayNode pt = curve.addArray();
        pt.add(p);
        pt.add(h.getValueAtPercentile(p));
      }
    }
  }

  /** Writes the .hgrm and .hlog files into {@code dir}; returns their names. */
  public List<String> write(Path dir) {
    flushInterval();
    List<String> names = new ArrayList<>();
    for (var e : histograms.entrySet()) {
      names.add(writeHgrm(dir, e.getKey(), e.getValue()));
    }
    for (int i = 0; i < transfers.length; i++) {
      names.add(writeHgrm(dir, "transfer_" + linkNames.get(i).replaceAll("[^A-Za-z0-9_.-]", "_"), transfers[i]));
    }
    AtomicOutput.writeBytes(dir.resolve("step_ns.hlog"), stepLog.toByteArray());
    AtomicOutput.writeBytes(dir.resolve("step_stall_ns.hlog"), stallLog.toByteArray());
    names.add("step_ns.hlog");
    names.add("step_stall_ns.hlog");
    return names;
  }

  private static String writeHgrm(Path dir, String name, Histogram h) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      out.println("# KVFlow " + name + " latency; values in simulated nanoseconds (output value unit ratio 1)");
      if (h.getTotalCount() > 0) {
        h.outputPercentileDistribution(out, 5, 1.0);
      }
    }
    String file = name + "_ns.hgrm";
    AtomicOutput.writeBytes(dir.resolve(file), bytes.toByteArray());
    return file;
  }
}
