package io.kvflow.analysis.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.kvflow.common.AtomicOutput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * report.html: one self-contained file (inline CSS and SVG, no scripts, no network fetches) showing
 * whatever a report.json holds: manifest, summary, tier traffic, occupancy over time, miss-ratio
 * curve, latency percentiles; for a comparison, the two runs side by side and the deltas. Every
 * string from a trace or config is escaped.
 */
public final class HtmlReport {
  private HtmlReport() {}

  public static void write(Path file, JsonNode report, String title) {
    AtomicOutput.writeBytes(file, render(report, title).getBytes(StandardCharsets.UTF_8));
  }

  public static String render(JsonNode report, String title) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    sb.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">");
    sb.append("<title>").append(Html.escape(title)).append("</title><style>");
    sb.append("body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 20px}"
        + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f2f2f2}td.l,th.l{text-align:left}"
        + "figure{display:inline-block;margin:8px 16px 16px 0}figcaption{font-weight:bold;margin-bottom:4px}"
        + ".side{display:flex;gap:24px;flex-wrap:wrap}.side>div{flex:1;min-width:600px}");
    sb.append("</style></head><body>");
    sb.append("<h1>").append(Html.escape(title)).append("</h1>");
    if (report.has("baseline") && report.has("candidate")) {
      if (report.has("delta")) {
        sb.append("<h2>Delta (candidate vs baseline)</h2>");
        table(sb, report.get("delta"));
      }
      sb.append("<div class=\"side\">");
      for (String side : new String[] {"baseline", "candidate"}) {
        sb.append("<div><h2>").append(side).append("</h2>");
        run(sb, report.get(side));
        sb.append("</div>");
      }
      sb.append("</div>");
    } else {
      run(sb, report);
    }
    sb.append("</body></html>\n");
    return sb.toString();
  }

  private static void run(StringBuilder sb, JsonNode r) {
    if (r.has("manifest")) {
      sb.append("<h3>Manifest</h3>");
      table(sb, r.get("manifest"));
    }
    if (r.has("trace")) {
      sb.append("<h3>Trace</h3>");
      table(sb, r.get("trace"));
    }
    if (r.has("tiers")) {
      sb.append("<h3>Tiers</h3>");
      rows(sb, r.get("tiers"));
      List<String> names = new ArrayList<>();
      List<double[]> read = new ArrayList<>();
      List<double[]> written = new ArrayList<>();
      int i = 0;
      for (JsonNode t : r.get("tiers")) {
        names.add(t.path("name").asText());
        read.add(new double[] {i, t.path("bytes_read").asDouble()});
        written.add(new double[] {i, t.path("bytes_written").asDouble()});
        i++;
      }
      sb.append(Svg.bars("Tier traffic", "bytes", names,
          List.of(new Svg.Series("bytes read", read), new Svg.Series("bytes written", written))));
    }
    if (r.has("occupancy")) {
      JsonNode occ = r.get("occupancy");
      List<Svg.Series> series = new ArrayList<>();
      JsonNode names = occ.get("tiers");
      for (int t = 0; t < names.size(); t++) {
        List<double[]> pts = new ArrayList<>();
        for (JsonNode s : occ.get("samples")) {
          pts.add(new double[] {s.get(0).asDouble(), s.get(t + 1).asDouble()});
        }
        series.add(new Svg.Series(names.get(t).asText(), pts));
      }
      sb.append(Svg.lines("Tier occupancy over " + occ.path("x").asText("time"), occ.path("x").asText("time"),
          "placement units resident", series, false, false));
    }
    if (r.has("pareto_stall_vs_hbm")) {
      List<double[]> pts = new ArrayList<>();
      for (JsonNode p : r.get("pareto_stall_vs_hbm")) {
        pts.add(new double[] {p.get(0).asDouble(), p.get(1).asDouble()});
      }
      pts.sort((a, b) -> Double.compare(a[0], b[0]));
      sb.append(Svg.lines("Pareto front: mean step stall against HBM capacity", "HBM capacity (bytes)",
          "mean step stall (ns)", List.of(new Svg.Series("Pareto-optimal points", pts)), false, false));
    }
    if (r.has("charts")) {
      // generic line charts: {title, x, y, log_x, series: [{name, points: [[x, y], ...]}]}
      for (JsonNode c : r.get("charts")) {
        List<Svg.Series> series = new ArrayList<>();
        for (JsonNode s : c.path("series")) {
          List<double[]> pts = new ArrayList<>();
          for (JsonNode p : s.path("points")) {
            pts.add(new double[] {p.get(0).asDouble(), p.get(1).asDouble()});
          }
          series.add(new Svg.Series(s.path("name").asText(), pts));
        }
        sb.append(Svg.lines(c.path("title").asText(), c.path("x").asText(), c.path("y").asText(), series,
            c.path("log_x").asBoolean(false), false));
      }
    }
    JsonNode mrc = r.has("mrc") ? r.get("mrc") : null;
    if (mrc != null && mrc.isArray()) {
      List<double[]> pts = new ArrayList<>();
      for (JsonNode p : mrc) {
        pts.add(new double[] {p.get(0).asDouble(), p.get(1).asDouble()});
      }
      List<Svg.Series> series = new ArrayList<>(List.of(new Svg.Series("LRU", pts)));
      if (r.has("policy_mrc")) {
        List<double[]> pp = new ArrayList<>();
        for (JsonNode p : r.get("policy_mrc")) {
          pp.add(new double[] {p.get(0).asDouble(), p.get(1).asDouble()});
        }
        series.add(new Svg.Series(r.path("policy").asText("policy"), pp));
      }
      sb.append(Svg.lines("Miss-ratio curve", "cache size (blocks, log scale)", "miss ratio", series, true, false));
    }
    if (r.has("latency_ns")) {
      List<Svg.Series> series = new ArrayList<>();
      Iterator<Map.Entry<String, JsonNode>> it = r.get("latency_ns").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode curve = e.getValue().get("percentiles");
        if (curve == null) {
          continue;
        }
        List<double[]> pts = new ArrayList<>();
        for (JsonNode p : curve) {
          double pct = p.get(0).asDouble();
          pts.add(new double[] {1.0 / Math.max(1e-9, 1.0 - pct / 100.0), p.get(1).asDouble()});
        }
        series.add(new Svg.Series(e.getKey(), pts));
      }
      sb.append(Svg.lines("Latency by percentile", "1 / (1 - percentile)  (log: 10 = p90, 100 = p99)", "ns", series,
          true, true));
      sb.append("<h3>Latency (ns)</h3>");
      JsonNode lat = r.get("latency_ns");
      sb.append("<table><tr><th class=\"l\">name</th><th>p50</th><th>p90</th><th>p99</th><th>p999</th><th>max</th><th>mean</th><th>count</th></tr>");
      Iterator<Map.Entry<String, JsonNode>> it2 = lat.fields();
      while (it2.hasNext()) {
        Map.Entry<String, JsonNode> e = it2.next();
        sb.append("<tr><td class=\"l\">").append(Html.escape(e.getKey())).append("</td>");
        for (String k : new String[] {"p50", "p90", "p99", "p999", "max", "mean", "count"}) {
          sb.append("<td>").append(Svg.fmt(e.getValue().path(k).asDouble())).append("</td>");
        }
        sb.append("</tr>");
      }
      sb.append("</table>");
    }
    for (String section : new String[] {"time", "prefetch", "prefix_cache", "compression", "totals"}) {
      if (r.has(section)) {
        sb.append("<h3>").append(section.replace('_', ' ')).append("</h3>");
        table(sb, r.get(section));
      }
    }
    if (r.has("links")) {
      sb.append("<h3>Links</h3>");
      rows(sb, r.get("links"));
    }
  }

  /** An object as a two-column table (nested values flattened with dots). */
  private static void table(StringBuilder sb, JsonNode o) {
    sb.append("<table>");
    flatten(sb, "", o);
    sb.append("</table>");
  }

  private static void flatten(StringBuilder sb, String prefix, JsonNode o) {
    Iterator<Map.Entry<String, JsonNode>> it = o.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isObject()) {
        flatten(sb, prefix + e.getKey() + ".", e.getValue());
      } else {
        sb.append("<tr><th class=\"l\">").append(Html.escape(prefix + e.getKey())).append("</th><td class=\"l\">")
            .append(Html.escape(value(e.getValue()))).append("</td></tr>");
      }
    }
  }

  private static String value(JsonNode v) {
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isArray()) {
      List<String> parts = new ArrayList<>();
      v.forEach(x -> parts.add(x.isTextual() ? x.asText() : x.toString()));
      return String.join(", ", parts);
    }
    return v.toString();
  }

  /** An array of flat objects as a table with one row each. */
  private static void rows(StringBuilder sb, JsonNode array) {
    if (array.isEmpty()) {
      return;
    }
    List<String> columns = new ArrayList<>();
    array.get(0).fieldNames().forEachRemaining(columns::add);
    sb.append("<table><tr>");
    for (String c : columns) {
      sb.append("<th>").append(Html.escape(c)).append("</th>");
    }
    sb.append("</tr>");
    for (JsonNode row : array) {
      sb.append("<tr>");
      for (String c : columns) {
        JsonNode v = row.path(c);
        sb.append(v.isTextual() ? "<td class=\"l\">" : "<td>").append(Html.escape(v.isNumber() && v.isFloatingPointNumber()
            ? String.format(java.util.Locale.ROOT, "%.4f", v.asDouble()) : value(v))).append("</td>");
      }
      sb.append("</tr>");
    }
    sb.append("</table>");
  }
}
