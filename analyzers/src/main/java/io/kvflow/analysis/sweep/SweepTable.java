package io.kvflow.analysis.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.report.HtmlReport;
import io.kvflow.common.AtomicOutput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A finished sweep as files: {@code sweep.csv}, {@code sweep.json}, {@code sweep.parquet} (one row
 * per point: its parameters, status and key metrics) and {@code report.html} (table, MRC families,
 * metric-vs-parameter plots, Pareto front). Rows are in point order whatever executed them.
 */
public final class SweepTable {
  private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SweepTable() {}

  /** Table columns: point, trace, the grid's paths, status, error, then {@link SweepRunner#METRICS}. */
  public static List<String> columns(List<String> paths) {
    List<String> columns = new ArrayList<>(List.of("point", "trace"));
    columns.addAll(paths);
    columns.addAll(List.of("status", "error"));
    columns.addAll(SweepRunner.METRICS);
    return columns;
  }

  /** Writes every output of the sweep under {@code out}; returns the number of failed points. */
  public static long write(Path out, List<ObjectNode> rows, List<String> paths) {
    return write(out, rows, paths, null);
  }

  /**
   * Writes every output of the sweep under {@code out}, sweep.json with {@code warnings} (an array
   * of {code, message}, or null for none) after its points; returns the number of failed points.
   */
  public static long write(Path out, List<ObjectNode> rows, List<String> paths, ArrayNode warnings) {
    List<String> columns = columns(paths);
    ObjectNode table = JsonNodeFactory.instance.objectNode();
    ArrayNode list = table.putArray("points");
    if (warnings != null) {
      table.set("warnings", warnings);
    }
    StringBuilder csv = new StringBuilder(String.join(",", columns)).append('\n');
    long failed = 0;
    for (ObjectNode row : rows) {
      list.add(row);
      failed += "error".equals(row.path("status").asText()) ? 1 : 0;
      List<String> cells = new ArrayList<>();
      for (String c : columns) {
        JsonNode v = row.get(c);
        String s = v == null || v.isNull() ? "" : v.isTextual() ? v.asText() : v.toString();
        cells.add(s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s);
      }
      csv.append(String.join(",", cells)).append('\n');
    }
    AtomicOutput.writeBytes(out.resolve("sweep.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
    try {
      AtomicOutput.writeBytes(out.resolve("sweep.json"), PRETTY.writeValueAsBytes(table));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    List<String> text = new ArrayList<>(List.of("trace"));
    text.addAll(paths);
    text.addAll(List.of("status", "error"));
    List<String> numbers = new ArrayList<>(columns);
    numbers.removeAll(text);
    TableWriter.write(out.resolve("sweep.parquet"), text, numbers, rows);
    HtmlReport.write(out.resolve("report.html"), report(rows, paths), "KVFlow sweep: " + rows.size() + " points");
    return failed;
  }

  /** The report.html body: {"sweep": {paths, metrics, points, charts, pareto_stall_vs_hbm}} (rendered by HtmlReport). */
  static ObjectNode report(List<ObjectNode> rows, List<String> paths) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode r = root.putObject("sweep");
    ArrayNode pathList = r.putArray("paths");
    paths.forEach(pathList::add);
    ArrayNode metrics = r.putArray("metrics");
    SweepRunner.METRICS.forEach(metrics::add);
    ArrayNode points = r.putArray("points");
    rows.forEach(points::add);
    ArrayNode charts = r.putArray("charts");
    // MRC families: first-tier miss ratio against HBM capacity, one curve per setting of everything else
    chart(charts, rows, paths, "MRC families: first-tier miss ratio against HBM capacity", "HBM capacity (bytes)",
        "miss ratio", "hbm_capacity_bytes", null, row -> 1 - row.get("first_tier_hit_ratio").asDouble(),
        "first_tier_hit_ratio");
    // one plot of mean step stall (or hit ratio, without timing) against each numeric parameter
    boolean timed = rows.stream().anyMatch(row -> row.has("step_stall_mean_ns"));
    String metric = timed ? "step_stall_mean_ns" : "first_tier_hit_ratio";
    for (String p : paths) {
      // capacities are drawn by the MRC families above
      if (!p.equals("seed") && !p.contains("capacity") && rows.stream().allMatch(row -> isNumber(row.path(p).asText()))) {
        chart(charts, rows, paths, (timed ? "Mean step stall" : "First-tier hit ratio") + " against " + p, p,
            timed ? "mean step stall (ns)" : "hit ratio", null, p, row -> row.get(metric).asDouble(), metric);
      }
    }
    ArrayNode front = r.putArray("pareto_stall_vs_hbm");
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
        ArrayNode pt = front.addArray();
        pt.add(a.get("hbm_capacity_bytes").asLong());
        pt.add(a.get("step_stall_mean_ns").asDouble());
        pt.add(a.get("point").asInt());
      }
    }
    return root;
  }

  /**
   * Adds a chart of {@code y} against the column {@code xColumn} (or the parameter {@code xPath}),
   * one series per trace and setting of the other parameters; skipped when no series has two points.
   */
  private static void chart(ArrayNode charts, List<ObjectNode> rows, List<String> paths, String title, String xLabel,
      String yLabel, String xColumn, String xPath, java.util.function.ToDoubleFunction<ObjectNode> y, String needs) {
    Map<String, List<double[]>> families = new LinkedHashMap<>();
    for (ObjectNode row : rows) {
      if (!row.has(needs) || (xColumn != null && !row.has(xColumn))) {
        continue;
      }
      StringBuilder name = new StringBuilder(row.path("trace").asText());
      for (String p : paths) {
        if (!p.equals(xPath) && !(xColumn != null && p.toLowerCase(java.util.Locale.ROOT).contains("capacity"))) {
          name.append(' ').append(p.substring(p.lastIndexOf('.') + 1)).append('=').append(row.path(p).asText());
        }
      }
      double x = xColumn != null ? row.get(xColumn).asDouble() : Double.parseDouble(row.path(xPath).asText());
      families.computeIfAbsent(name.toString(), k -> new ArrayList<>()).add(new double[] {x, y.applyAsDouble(row)});
    }
    if (families.values().stream().noneMatch(l -> l.size() > 1)) {
      return;
    }
    ObjectNode c = charts.addObject();
    c.put("title", title);
    c.put("x", xLabel);
    c.put("y", yLabel);
    c.put("log_x", xColumn != null);
    ArrayNode series = c.putArray("series");
    for (var e : families.entrySet()) {
      e.getValue().sort((a, b) -> Double.compare(a[0], b[0]));
      ObjectNode s = series.addObject();
      s.put("name", e.getKey());
      ArrayNode pts = s.putArray("points");
      for (double[] pt : e.getValue()) {
        pts.addArray().add(pt[0]).add(pt[1]);
      }
    }
  }

  private static boolean isNumber(String s) {
    try {
      Double.parseDouble(s);
      return !s.isBlank();
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
