package io.kvflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.listen.LatencyHistograms;
import io.kvflow.analysis.report.HtmlReport;
import io.kvflow.analysis.report.Manifest;
import io.kvflow.analysis.sweep.Grid;
import io.kvflow.common.AtomicOutput;
import io.kvflow.common.BadInputException;
import io.kvflow.common.Progress;
import io.kvflow.engine.ReplayEngine;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.spec.ConfigJson;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.LinkSpec;
import io.kvflow.engine.spec.ReplayConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kvflow sweep TRACE... --grid FILE [--config CFG] --out DIR}: one replay per grid point, locally in parallel. */
@Command(name = "sweep", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Replay traces over a grid of config values, in parallel on all cores; resumable (points already "
        + "done are skipped when rerun). Writes DIR/sweep.parquet, sweep.csv, sweep.json, report.html and points/."})
final class SweepCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(arity = "1..*", paramLabel = "TRACE", description = "trace files")
  List<Path> traces;

  @Option(names = "--grid", required = true, paramLabel = "FILE", description = "grid JSON: {\"axes\": {\"$.path\": [values]}, \"zip\": [...]}")
  Path grid;

  @Option(names = "--config", defaultValue = "default", paramLabel = "FILE|NAME", description = "base config [default: default]")
  String config;

  @Option(names = "--threads", paramLabel = "N", description = "points run at once [default: the machine's cores]")
  Integer threads;

  @Option(names = "--out", defaultValue = "out", paramLabel = "DIR")
  Path out;

  @Option(names = {"-q", "--quiet"}, description = "no progress display")
  boolean quiet;

  record Point(int index, Path trace, Map<String, JsonNode> values, ReplayConfig config, ObjectNode json, String id) {}

  @Override
  public Integer call() throws Exception {
    JsonNode gridJson;
    try {
      gridJson = JSON.readTree(Files.readString(grid));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new BadInputException(grid + ": no such file");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new BadInputException(grid + ": not valid JSON (" + e.getOriginalMessage() + ")");
    }
    Grid g = Grid.parse(grid.toString(), gridJson);
    ObjectNode base = ConfigJson.toJson(ConfigLoader.load(config).config());
    List<Point> points = new ArrayList<>();
    for (Path trace : traces) {
      if (!Files.isRegularFile(trace)) {
        throw new BadInputException(trace + ": no such trace file");
      }
      for (Map<String, JsonNode> values : g.points()) {
        ObjectNode json = base;
        for (var e : values.entrySet()) {
          json = Grid.set(grid.toString(), json, e.getKey(), e.getValue());
        }
        // binding checks every value (type, range, unknown fields) and names the path
        ReplayConfig c = ConfigLoader.fromJson(grid + " point " + values, json).config();
        String id = Manifest.sha256(pointJson(trace, json)).substring(0, 16);
        points.add(new Point(points.size(), trace, values, c, json, id));
      }
    }
    Path pointsDir = out.resolve("points");
    Files.createDirectories(pointsDir);
    ObjectNode[] rows = new ObjectNode[points.size()];
    AtomicLong done = new AtomicLong();
    long skipped = 0;
    List<Point> todo = new ArrayList<>();
    for (Point p : points) {
      Path f = pointsDir.resolve(p.index() + "-" + p.id() + ".json");
      if (Files.exists(f)) {
        rows[p.index()] = (ObjectNode) JSON.readTree(f.toFile());
        if (!"error".equals(rows[p.index()].path("status").asText())) {
          skipped++;
          continue;
        }
      }
      todo.add(p);
    }
    int n = threads != null ? Math.max(1, threads) : Runtime.getRuntime().availableProcessors();
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try (TerminalProgress progress = new TerminalProgress("sweep", quiet)) {
      List<Future<?>> futures = new ArrayList<>();
      for (Point p : todo) {
        futures.add(pool.submit(() -> {
          ObjectNode row = runPoint(p, g.paths());
          AtomicOutput.writeBytes(pointsDir.resolve(p.index() + "-" + p.id() + ".json"),
              row.toString().getBytes(StandardCharsets.UTF_8));
          rows[p.index()] = row;
          synchronized (progress) {
            progress.update(done.incrementAndGet(), todo.size());
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    ObjectNode table = JsonNodeFactory.instance.objectNode();
    ArrayNode list = table.putArray("points");
    StringBuilder csv = new StringBuilder();
    List<String> columns = new ArrayList<>(List.of("point", "trace"));
    columns.addAll(g.paths());
    columns.addAll(List.of("status", "error", "first_tier_hit_ratio", "hbm_capacity_bytes", "hbm_bytes_read",
        "source_reads", "prefix_token_hit_ratio", "step_mean_ns", "step_stall_mean_ns", "tpot_mean_ns", "ttft_mean_ns"));
    csv.append(String.join(",", columns)).append('\n');
    long failed = 0;
    for (ObjectNode row : rows) {
      list.add(row);
      failed += "error".equals(row.path("status").asText()) ? 1 : 0;
      List<String> cells = new ArrayList<>();
      for (String c : columns) {
        JsonNode v = row.get(c);
        String s = v == null || v.isNull() ? "" : v.isTextual() ? v.asText() : v.toString();
        cells.add(s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s);
      }
      csv.append(String.join(",", cells)).append('\n');
    }
    AtomicOutput.writeBytes(out.resolve("sweep.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
    AtomicOutput.writeBytes(out.resolve("sweep.json"), InspectCommand.JSON.writeValueAsBytes(table));
    List<String> text = new ArrayList<>(List.of("trace"));
    text.addAll(g.paths());
    text.addAll(List.of("status", "error"));
    List<String> numbers = new ArrayList<>(columns);
    numbers.removeAll(text);
    io.kvflow.analysis.sweep.TableWriter.write(out.resolve("sweep.parquet"), text, numbers, List.of(rows));
    HtmlReport.write(out.resolve("report.html"), sweepReport(rows, g.paths()), "KVFlow sweep: " + points.size() + " points");
    if (!quiet) {
      System.err.printf("%d points: %d run, %d already done, %d failed; wrote %s%n", points.size(), todo.size(), skipped,
          failed, out.resolve("sweep.csv"));
    }
    return failed > 0 ? Main.EXIT_INTERNAL : 0;
  }

  private static JsonNode pointJson(Path trace, ObjectNode config) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("trace", trace.toAbsolutePath().toString());
    try {
      o.put("trace_size", Files.size(trace));
      o.put("trace_mtime", Files.getLastModifiedTime(trace).toMillis());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    o.set("config", config);
    return o;
  }

  private static ObjectNode runPoint(Point p, List<String> paths) {
    ObjectNode row = JsonNodeFactory.instance.objectNode();
    row.put("point", p.index());
    row.put("trace", p.trace().getFileName().toString());
    for (String path : paths) {
      JsonNode v = p.values().get(path);
      row.put(path, v == null ? "" : v.isTextual() ? v.asText() : v.toString());
    }
    try {
      LatencyHistograms latency = p.config().timing() == null ? null
          : new LatencyHistograms(p.config().timing().hardware().links().stream().map(LinkSpec::name).toList());
      List<ReplayListener> listeners = latency == null ? List.of() : List.of(latency);
      ReplayResult r = ReplayEngine.run(p.trace(), p.config(), listeners, Progress.NONE);
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
      row.put("source_reads", r.sourceReads());
      row.put("prefix_token_hit_ratio", r.prefixTokenHitRatio());
      if (latency != null) {
        ObjectNode lat = JsonNodeFactory.instance.objectNode();
        latency.addTo(lat);
        row.put("step_mean_ns", lat.get("latency_ns").get("step").get("mean").asDouble());
        row.put("step_stall_mean_ns", lat.get("latency_ns").get("step_stall").get("mean").asDouble());
        row.put("tpot_mean_ns", lat.get("latency_ns").get("tpot").get("mean").asDouble());
        row.put("ttft_mean_ns", lat.get("latency_ns").get("ttft").get("mean").asDouble());
      }
    } catch (RuntimeException e) {
      row.put("status", "error");
      row.put("error", e.getMessage() == null ? e.toString() : e.getMessage());
    }
    return row;
  }

  /** A report.html body: the table, and the Pareto front of mean stall against HBM capacity. */
  private static ObjectNode sweepReport(ObjectNode[] rows, List<String> paths) {
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    ArrayNode tiers = r.putArray("tiers");
    for (ObjectNode row : rows) {
      ObjectNode o = tiers.addObject();
      o.put("name", "point " + row.path("point").asInt());
      for (String p : paths) {
        o.put(p, row.path(p).asText());
      }
      o.put("status", row.path("status").asText());
      o.put("hit_ratio", row.path("first_tier_hit_ratio").asDouble());
      o.put("bytes_read", row.path("hbm_bytes_read").asLong());
      o.put("bytes_written", 0);
      o.put("step_stall_mean_ns", row.path("step_stall_mean_ns").asDouble());
    }
    // Pareto front: points no other point beats on both lower HBM capacity and lower mean stall
    ArrayNode mrc = r.putArray("pareto_stall_vs_hbm");
    for (ObjectNode a : rows) {
      if (!a.has("step_stall_mean_ns") || !a.has("hbm_capacity_bytes")) {
        continue;
      }
      boolean dominated = false;
      for (ObjectNode b : rows) {
        if (b != a && b.has("step_stall_mean_ns") && b.has("hbm_capacity_bytes")
            && b.get("hbm_capacity_bytes").asLong() <= a.get("hbm_capacity_bytes").asLong()
            && b.get("step_stall_mean_ns").asDouble() <= a.get("step_stall_mean_ns").asDouble()
            && (b.get("hbm_capacity_bytes").asLong() < a.get("hbm_capacity_bytes").asLong()
                || b.get("step_stall_mean_ns").asDouble() < a.get("step_stall_mean_ns").asDouble())) {
          dominated = true;
          break;
        }
      }
      if (!dominated) {
        ArrayNode pt = mrc.addArray();
        pt.add(a.get("hbm_capacity_bytes").asLong());
        pt.add(a.get("step_stall_mean_ns").asDouble());
        pt.add(a.get("point").asInt());
      }
    }
    return r;
  }
}
