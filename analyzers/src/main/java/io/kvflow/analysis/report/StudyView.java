package io.kvflow.analysis.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reports of studies rather than single replays: reuse (MRC, distances), sweep (table, pivots, lines), size (heatmap). */
final class StudyView {
  private StudyView() {}

  /** A reuse study: headline, MRCs (LRU, the policy's, per tenant), the reuse-distance histogram, the figures. */
  static void reuse(StringBuilder sb, JsonNode s) {
    sb.append("<p class=\"sub\">trace ").append(Html.escape(s.path("trace_file").asText("-"))).append("; sampling ")
        .append(Html.escape(s.path("sampling").asText("exact"))).append("</p>");
    List<String[]> cards = new ArrayList<>();
    cards.add(new String[] {"block references", Unit.COUNT.format(s.path("accesses")), null});
    cards.add(new String[] {"distinct blocks", Unit.COUNT.format(s.path("distinct_blocks")),
        s.path("estimated").asBoolean(false) ? "estimated from the sample" : null});
    double refs = s.path("accesses").asDouble(0);
    if (refs > 0 && s.path("cold_misses").isNumber()) {
      cards.add(new String[] {"ideal hit ratio (unlimited cache)", Unit.RATIO.format(1 - s.path("cold_misses").asDouble() / refs),
          "every reuse hits; only first accesses miss"});
    }
    JsonNode target = s.path("target");
    if (target.isObject()) {
      cards.add(new String[] {"smallest cache for hit ratio " + Unit.RATIO.format(target.path("hit_ratio")),
          target.path("capacity_blocks").isNumber() ? Unit.COUNT.format(target.path("capacity_blocks")) + " blocks"
              : "none reaches it",
          target.path("capacity_bytes").isNumber() ? Unit.BYTES.format(target.path("capacity_bytes")) : null});
    }
    HtmlReport.headline(sb, cards);
    sb.append("<div class=\"charts\">");
    JsonNode mrc = s.path("mrc");
    if (mrc.isArray() && !mrc.isEmpty()) {
      double blockBytes = s.path("block_bytes").asDouble(0);
      List<Svg.Series> series = new ArrayList<>(List.of(new Svg.Series("LRU", points(mrc, blockBytes))));
      if (s.has("policy_mrc")) {
        series.add(new Svg.Series(s.path("policy").asText("policy"), points(s.get("policy_mrc"), blockBytes)));
      }
      Svg.Axis x = blockBytes > 0 ? Svg.Axis.of("cache size", Unit.BYTES, true) : Svg.Axis.counting("cache size", "blocks", true);
      sb.append(Svg.lines("Miss-ratio curve", x, Svg.Axis.of("miss ratio", Unit.RATIO, false), series));
    }
    histogram(sb, s.path("histogram"), "Reuse distances", "reuse distance", "distinct blocks between reuses");
    histogram(sb, s.path("reuse_time_log2"), "Reuse times", "reuse time", "references between reuses");
    charts(sb, s.path("charts"));
    sb.append("</div>");
    if (s.path("tenants").isArray()) {
      sb.append("<h2>Tenants</h2>");
      HtmlReport.rows(sb, s.path("tenants"), null);
    }
    sb.append("<h2>Figures</h2>");
    HtmlReport.table(sb, s);
  }

  private static List<double[]> points(JsonNode curve, double scale) {
    List<double[]> pts = new ArrayList<>();
    for (JsonNode p : curve) {
      pts.add(new double[] {p.get(0).asDouble() * (scale > 0 ? scale : 1), p.get(1).asDouble()});
    }
    return pts;
  }

  /** A log2-binned histogram (bin 0: value 0; bin b: [2^(b-1), 2^b)) as bars on a log count axis. */
  private static void histogram(StringBuilder sb, JsonNode bins, String title, String what, String countOf) {
    if (!bins.isArray() || bins.isEmpty()) {
      return;
    }
    List<String> cats = new ArrayList<>();
    List<double[]> pts = new ArrayList<>();
    for (int b = 0; b < bins.size(); b++) {
      cats.add(b == 0 ? "0" : Unit.COUNT.format(Math.pow(2, b - 1)) + "+");
      pts.add(new double[] {b, bins.get(b).asLong()}); // a zero shows as "0" on the log axis
    }
    sb.append(Svg.bars(title + " (log2 bins)", Svg.Axis.counting("references", "references", true),
        what + " (" + countOf + ", bin lower bound)", cats, List.of(new Svg.Series("references", pts))));
  }

  /** Generic line charts a study carries: {title, x, y, log_x, x_unit, y_unit, series: [{name, points}]}. */
  static void charts(StringBuilder sb, JsonNode charts) {
    for (JsonNode c : charts) {
      List<Svg.Series> series = new ArrayList<>();
      for (JsonNode s : c.path("series")) {
        List<double[]> pts = new ArrayList<>();
        for (JsonNode p : s.path("points")) {
          pts.add(new double[] {p.get(0).asDouble(), p.get(1).asDouble()});
        }
        series.add(new Svg.Series(s.path("name").asText(), pts));
      }
      Svg.Axis x = axis(c.path("x").asText(), c.path("x_unit").asText(null), c.path("log_x").asBoolean(false));
      Svg.Axis y = axis(c.path("y").asText(), c.path("y_unit").asText(null), c.path("log_y").asBoolean(false));
      sb.append(Svg.lines(c.path("title").asText(), x, y, series));
    }
  }

  /** An axis from a chart's label; the unit given, or read from the label ("(bytes)", "ratio", "(ns)"). */
  static Svg.Axis axis(String label, String unit, boolean log) {
    String name = label.replaceAll("\\s*\\([^)]*\\)\\s*$", "").trim();
    String l = (unit != null ? unit : label).toLowerCase(java.util.Locale.ROOT);
    if (l.contains("bytes")) {
      return Svg.Axis.of(name, Unit.BYTES, log);
    }
    if (l.contains("ns") && !l.contains("ratio")) {
      return Svg.Axis.of(name, Unit.NS, log);
    }
    if (l.contains("ratio")) {
      return Svg.Axis.of(name, Unit.RATIO, log);
    }
    if (l.contains("blocks")) {
      return Svg.Axis.counting(name, "blocks", log);
    }
    return new Svg.Axis(name, Unit.PLAIN, "value", log);
  }

  /**
   * A sweep: headline (points, failures, best point), pivots (a text parameter x a numeric one as
   * grouped bars), metric-vs-parameter lines, the Pareto front when there is one, and the table.
   */
  static void sweep(StringBuilder sb, JsonNode sw) {
    JsonNode points = sw.path("points");
    List<String> paths = new ArrayList<>();
    sw.path("paths").forEach(p -> paths.add(p.asText()));
    boolean timed = false;
    long failed = 0;
    for (JsonNode p : points) {
      timed |= p.path("step_stall_mean_ns").isNumber();
      failed += "error".equals(p.path("status").asText()) ? 1 : 0;
    }
    String metric = timed ? "step_stall_mean_ns" : "first_tier_hit_ratio";
    Unit metricUnit = timed ? Unit.NS : Unit.RATIO;
    String metricName = timed ? "mean step stall" : "first-tier hit ratio";
    JsonNode best = null;
    for (JsonNode p : points) {
      if (p.path(metric).isNumber() && (best == null || (timed ? p.path(metric).asDouble() < best.path(metric).asDouble()
          : p.path(metric).asDouble() > best.path(metric).asDouble()))) {
        best = p;
      }
    }
    List<String[]> cards = new ArrayList<>();
    cards.add(new String[] {"points", Unit.COUNT.format(points.size()), failed > 0 ? Unit.COUNT.format(failed) + " failed" : "none failed"});
    if (best != null) {
      List<String> setting = new ArrayList<>();
      for (String p : paths) {
        setting.add(p + " = " + HtmlReport.value(p, best.path(p)));
      }
      cards.add(new String[] {"best " + metricName, metricUnit.format(best.path(metric)), "point "
          + best.path("point").asText() + ": " + String.join(", ", setting)});
    }
    HtmlReport.headline(sb, cards);
    sb.append("<div class=\"charts\">");
    pivots(sb, points, paths, metric, metricUnit, metricName);
    charts(sb, sw.path("charts"));
    JsonNode front = sw.path("pareto_stall_vs_hbm");
    if (front.isArray() && front.size() > 1) {
      List<double[]> pts = new ArrayList<>();
      front.forEach(p -> pts.add(new double[] {p.get(0).asDouble(), p.get(1).asDouble()}));
      pts.sort((a, b) -> Double.compare(a[0], b[0]));
      sb.append(Svg.lines("Pareto front: mean step stall against HBM capacity", Svg.Axis.of("HBM capacity", Unit.BYTES, true),
          Svg.Axis.of("mean step stall", Unit.NS, false), List.of(new Svg.Series("Pareto-optimal points", pts))));
    }
    sb.append("</div><h2>Points</h2>");
    List<String> cols = new ArrayList<>(List.of("point", "trace"));
    cols.addAll(paths);
    cols.add("status");
    sw.path("metrics").forEach(m -> cols.add(m.asText()));
    HtmlReport.rows(sb, points, cols);
  }

  /** Grouped bars of the metric: categories the values of a numeric parameter, series those of a text one. */
  private static void pivots(StringBuilder sb, JsonNode points, List<String> paths, String metric, Unit unit, String name) {
    String text = null;
    String number = null;
    for (String p : paths) {
      Set<String> values = distinct(points, p);
      boolean numeric = values.stream().allMatch(StudyView::isNumber);
      if (numeric && number == null && values.size() > 1) {
        number = p;
      } else if (!numeric && text == null && values.size() > 1) {
        text = p;
      }
    }
    if (number == null) {
      return;
    }
    List<String> cats = new ArrayList<>(distinct(points, number));
    cats.sort((a, b) -> Double.compare(Double.parseDouble(a), Double.parseDouble(b)));
    List<String> groups = text == null ? List.of("") : new ArrayList<>(distinct(points, text));
    Map<String, double[]> values = new LinkedHashMap<>();
    for (String g : groups) {
      double[] v = new double[cats.size()];
      java.util.Arrays.fill(v, Double.NaN);
      values.put(g, v);
    }
    for (JsonNode p : points) {
      String g = text == null ? "" : p.path(text).asText();
      int c = cats.indexOf(p.path(number).asText());
      if (values.containsKey(g) && c >= 0 && p.path(metric).isNumber()) {
        // the last point wins where other parameters vary; hit ratios near 1 are told apart as miss ratios
        values.get(g)[c] = unit == Unit.RATIO ? 1 - p.path(metric).asDouble() : p.path(metric).asDouble();
      }
    }
    List<Svg.Series> series = new ArrayList<>();
    for (Map.Entry<String, double[]> e : values.entrySet()) {
      List<double[]> pts = new ArrayList<>();
      for (int i = 0; i < e.getValue().length; i++) {
        pts.add(new double[] {i, e.getValue()[i]});
      }
      series.add(new Svg.Series(text == null ? shownName(name, unit) : text + " = " + e.getKey(), pts));
    }
    Unit catUnit = HtmlReport.unitOf(number);
    List<String> labels = cats.stream().map(c -> catUnit == Unit.PLAIN ? Unit.PLAIN.format(Double.parseDouble(c))
        : catUnit.format(Double.parseDouble(c))).toList();
    String shown = unit == Unit.RATIO ? name.replace("hit ratio", "miss ratio") : name;
    sb.append(Svg.bars(shown + " by " + number + (text == null ? "" : " and " + text), Svg.Axis.of(shown, unit,
        true), number + " (" + (catUnit == Unit.PLAIN ? "value" : catUnit.label()) + ")", labels, series));
  }

  /** "first-tier capacity, blocks" as an axis title naming its unit: "first-tier capacity (blocks)". */
  static String titled(String label) {
    int comma = label.lastIndexOf(", ");
    return label.endsWith(")") || comma < 0 ? label : label.substring(0, comma) + " (" + label.substring(comma + 2) + ")";
  }

  private static String shownName(String name, Unit unit) {
    return unit == Unit.RATIO ? name.replace("hit ratio", "miss ratio") : name;
  }

  private static Set<String> distinct(JsonNode points, String path) {
    Set<String> out = new LinkedHashSet<>();
    points.forEach(p -> {
      if (p.has(path) && !p.get(path).isNull()) {
        out.add(p.get(path).asText());
      }
    });
    return out;
  }

  static boolean isNumber(String s) {
    try {
      Double.parseDouble(s);
      return !s.isBlank();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** A sizing grid: the heatmap, its target, and the table of cells. */
  static void size(StringBuilder sb, JsonNode r) {
    JsonNode h = r.get("heatmap");
    List<String> xs = new ArrayList<>();
    List<String> ys = new ArrayList<>();
    Unit xu = StudyView.axis(h.path("x").asText(), null, false).unit();
    Unit yu = StudyView.axis(h.path("y").asText(), null, false).unit();
    h.path("x_values").forEach(v -> xs.add(v.isNumber() ? xu.format(v.asDouble()) : v.asText()));
    h.path("y_values").forEach(v -> ys.add(v.isNumber() ? yu.format(v.asDouble()) : v.asText()));
    double[][] cells = new double[ys.size()][xs.size()];
    for (int y = 0; y < ys.size(); y++) {
      for (int x = 0; x < xs.size(); x++) {
        JsonNode v = h.path("cells").path(y).path(x);
        cells[y][x] = v.isNumber() ? v.asDouble() : Double.NaN;
      }
    }
    Unit z = StudyView.axis(h.path("z").asText(), null, false).unit();
    List<String[]> cards = new ArrayList<>();
    if (h.path("target").isNumber()) {
      cards.add(new String[] {"target", z.format(h.path("target")), null});
    }
    if (r.path("ideal_hit_ratio").isNumber()) {
      cards.add(new String[] {"ideal hit ratio (unlimited cache)", Unit.RATIO.format(r.path("ideal_hit_ratio")),
          Unit.COUNT.format(r.path("distinct_blocks")) + " distinct blocks"});
    }
    double best = Double.NaN;
    for (double[] row : cells) {
      for (double v : row) {
        best = Double.isNaN(best) || v > best ? v : best;
      }
    }
    cards.add(new String[] {"best cell", z.format(best), null});
    HtmlReport.headline(sb, cards);
    sb.append("<div class=\"charts\" style=\"max-width:960px\">");
    sb.append(Svg.heatmap(h.path("title").asText("Sizing grid"), titled(h.path("x").asText()), xs, titled(h.path("y").asText()),
        ys, cells, z, h.path("z").asText()));
    sb.append("</div><h2>Figures</h2>");
    com.fasterxml.jackson.databind.node.ObjectNode rest = r.deepCopy();
    rest.remove("heatmap");
    rest.remove("warnings");
    HtmlReport.table(sb, rest);
  }
}
