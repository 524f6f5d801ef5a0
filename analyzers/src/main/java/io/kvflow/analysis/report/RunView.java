package io.kvflow.analysis.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** The sections of one replay's report: headline, findings, latency, tiers, occupancy, miss-ratio curve, details. */
final class RunView {
  /** Latency histograms in the order a reader looks for them. */
  static final List<String> LATENCY_ORDER = List.of("ttft", "tpot", "e2e", "step", "step_stall");

  private RunView() {}

  static void render(StringBuilder sb, JsonNode r) {
    subtitle(sb, r);
    HtmlReport.headline(sb, headline(r));
    HtmlReport.findings(sb, Findings.of(r));
    sb.append("<div class=\"charts\">");
    latencyChart(sb, List.of(r), List.of(""));
    traffic(sb, List.of(r), List.of(""));
    mrc(sb, r);
    sb.append("</div>");
    occupancy(sb, r);
    latencyTable(sb, r);
    tierTable(sb, r);
    details(sb, r);
  }

  static void subtitle(StringBuilder sb, JsonNode r) {
    JsonNode m = r.path("manifest");
    JsonNode t = r.path("trace");
    if (m.isMissingNode()) {
      return;
    }
    sb.append("<p class=\"sub\">trace ").append(Html.escape(m.path("trace_file").asText("-"))).append(" (")
        .append(Html.escape(t.path("kind").asText("-"))).append(", ").append(Unit.COUNT.format(t.path("requests")))
        .append(" requests, ").append(Unit.COUNT.format(t.path("block_refs"))).append(" block references); config ")
        .append(Html.escape(m.path("config").asText("-"))).append("; KVFlow ").append(Html.escape(m.path("kvflow_version").asText("-")))
        .append("</p>");
  }

  /** The 3-8 figures that answer a replay's question, in human units. */
  static List<String[]> headline(JsonNode r) {
    List<String[]> cards = new ArrayList<>();
    JsonNode first = r.path("tiers").path(0);
    if (!first.isMissingNode()) {
      cards.add(new String[] {"hit ratio of " + first.path("name").asText(), Unit.RATIO.format(first.path("hit_ratio")),
          Unit.COUNT.format(first.path("hits")) + " of " + Unit.COUNT.format(first.path("accesses")) + " lookups"});
    }
    JsonNode prefix = r.path("prefix_cache");
    String prefixInfo = prefix.path("prefix_info").asText();
    if ("known".equals(prefixInfo) || "synthetic".equals(prefixInfo)) {
      cards.add(new String[] {"prefix cache: input tokens hit" + ("synthetic".equals(prefixInfo) ? " (synthetic prefixes)" : ""),
          Unit.RATIO.format(prefix.path("token_hit_ratio")),
          Unit.COUNT.format(prefix.path("input_token_hits")) + " of " + Unit.COUNT.format(prefix.path("input_tokens")) + " tokens"});
    }
    JsonNode lat = r.path("latency_ns");
    for (String[] n : new String[][] {{"ttft", "TTFT"}, {"tpot", "TPOT"}, {"step_stall", "step stall"}}) {
      JsonNode h = lat.path(n[0]);
      if (h.path("count").asLong(0) > 0) {
        cards.add(new String[] {n[1] + " p50 / p99", Unit.NS.format(h.path("p50")) + " / " + Unit.NS.format(h.path("p99")),
            "mean " + Unit.NS.format(h.path("mean")) + " over " + Unit.COUNT.format(h.path("count"))});
      }
    }
    long lowerBytes = 0;
    List<String> parts = new ArrayList<>();
    JsonNode tiers = r.path("tiers");
    for (int i = 1; i < tiers.size(); i++) {
      lowerBytes += tiers.get(i).path("bytes_read").asLong(0);
      parts.add(tiers.get(i).path("name").asText() + " " + Unit.BYTES.format(tiers.get(i).path("bytes_read")));
    }
    if (tiers.size() > 1) {
      cards.add(new String[] {"read from lower tiers", Unit.BYTES.format(lowerBytes), String.join(", ", parts)});
    }
    JsonNode time = r.path("time");
    if (time.has("simulated_ns")) {
      double span = time.path("simulated_ns").asDouble();
      cards.add(new String[] {"simulated time", Unit.NS.format(span), Unit.COUNT.format(time.path("steps")) + " steps, stalls "
          + (span > 0 ? Unit.PERCENT.format(100 * time.path("stall_ns").asDouble() / span) : Unit.MISSING)});
    }
    return cards;
  }

  /** HdrHistogram-style percentile distributions (x = 1 / (1 - p), log), one chart per latency, runs overlaid. */
  static void latencyChart(StringBuilder sb, List<JsonNode> runs, List<String> labels) {
    for (String name : latencyNames(runs.get(0))) {
      List<Svg.Series> series = new ArrayList<>();
      for (int i = 0; i < runs.size(); i++) {
        JsonNode curve = runs.get(i).path("latency_ns").path(name).path("percentiles");
        List<double[]> pts = new ArrayList<>();
        for (JsonNode p : curve) {
          double pct = p.get(0).asDouble();
          if (pct < 100) {
            pts.add(new double[] {1.0 / (1.0 - pct / 100.0), p.get(1).asDouble()});
          }
        }
        if (!pts.isEmpty()) {
          series.add(new Svg.Series(labels.get(i).isEmpty() ? name : labels.get(i), pts));
        }
      }
      if (!series.isEmpty()) {
        sb.append(Svg.lines(label(name) + " by percentile", Svg.PERCENTILE, Svg.Axis.of(label(name), Unit.NS, true), series));
      }
    }
  }

  static String label(String latency) {
    return switch (latency) {
      case "ttft" -> "TTFT";
      case "tpot" -> "TPOT";
      case "e2e" -> "end-to-end latency";
      case "step" -> "step time";
      case "step_stall" -> "step stall";
      default -> latency.startsWith("transfer_") ? "transfer time on " + latency.substring(9) : latency;
    };
  }

  /** Latency names with recorded values: the known ones first, then transfers. */
  static List<String> latencyNames(JsonNode r) {
    List<String> out = new ArrayList<>();
    JsonNode lat = r.path("latency_ns");
    for (String n : LATENCY_ORDER) {
      if (lat.path(n).path("count").asLong(0) > 0) {
        out.add(n);
      }
    }
    lat.fieldNames().forEachRemaining(n -> {
      if (!out.contains(n) && lat.path(n).path("count").asLong(0) > 0) {
        out.add(n);
      }
    });
    return out;
  }

  /** Bytes read and written per tier on a log axis; several runs make one series each. */
  static void traffic(StringBuilder sb, List<JsonNode> runs, List<String> labels) {
    JsonNode tiers = runs.get(0).path("tiers");
    if (!tiers.isArray() || tiers.isEmpty()) {
      return;
    }
    List<String> names = new ArrayList<>();
    tiers.forEach(t -> names.add(t.path("name").asText()));
    List<Svg.Series> series = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      for (String field : new String[] {"bytes_read", "bytes_written"}) {
        List<double[]> pts = new ArrayList<>();
        for (int t = 0; t < names.size(); t++) {
          JsonNode v = runs.get(i).path("tiers").path(t).path(field);
          pts.add(new double[] {t, v.isNumber() ? v.asDouble() : Double.NaN});
        }
        series.add(new Svg.Series((labels.get(i).isEmpty() ? "" : labels.get(i) + ": ") + field.replace('_', ' '), pts));
      }
    }
    sb.append(Svg.bars("Traffic per tier", Svg.Axis.of("bytes", Unit.BYTES, true), "tier (by name)", names, series));
  }

  /** The LRU miss-ratio curve of the lookups, on a bytes axis when a unit's size is known. */
  static void mrc(StringBuilder sb, JsonNode r) {
    JsonNode mrc = r.path("mrc");
    if (!mrc.isArray() || mrc.isEmpty()) {
      return;
    }
    double unitBytes = r.path("totals").path("placement_unit_bytes").asDouble(0);
    List<double[]> pts = new ArrayList<>();
    for (JsonNode p : mrc) {
      pts.add(new double[] {p.get(0).asDouble() * (unitBytes > 0 ? unitBytes : 1), p.get(1).asDouble()});
    }
    Svg.Axis x = unitBytes > 0 ? Svg.Axis.of("cache size", Unit.BYTES, true)
        : Svg.Axis.counting("cache size", "placement units", true);
    sb.append(Svg.lines("Miss-ratio curve of the lookups (LRU)", x, Svg.Axis.of("miss ratio", Unit.RATIO, false),
        List.of(new Svg.Series("LRU", pts))));
  }

  /** Occupancy of each tier in its own panel, so that a small tier is not flattened by a large one. */
  static void occupancy(StringBuilder sb, JsonNode r) {
    JsonNode occ = r.path("occupancy");
    if (!occ.has("samples")) {
      return;
    }
    boolean timed = occ.path("x").asText().contains("ns");
    Svg.Axis x = timed ? Svg.Axis.of("simulated time", Unit.NS, false) : Svg.Axis.counting("progress", "accesses", false);
    sb.append("<h2>Occupancy per tier</h2><div class=\"charts\">");
    JsonNode names = occ.path("tiers");
    for (int t = 0; t < names.size(); t++) {
      List<double[]> pts = new ArrayList<>();
      for (JsonNode s : occ.path("samples")) {
        pts.add(new double[] {s.get(0).asDouble(), s.get(t + 1).asDouble()});
      }
      long cap = r.path("tiers").path(t).path("capacity_units").asLong(0);
      sb.append(Svg.lines(names.get(t).asText() + ": units resident" + (cap > 0 ? " (capacity " + Unit.COUNT.format(cap) + ")" : ""),
          x, Svg.Axis.counting("resident", "placement units", false), List.of(new Svg.Series(names.get(t).asText(), pts))));
    }
    sb.append("</div>");
  }

  static void latencyTable(StringBuilder sb, JsonNode r) {
    List<String> names = latencyNames(r);
    if (names.isEmpty()) {
      return;
    }
    sb.append("<h2>Latency</h2><div class=\"wide\"><table><tr><th class=\"l\">latency</th><th>p50</th><th>p90</th><th>p99</th>"
        + "<th>p99.9</th><th>max</th><th>mean</th><th>count</th></tr>");
    for (String n : names) {
      JsonNode h = r.path("latency_ns").path(n);
      sb.append("<tr><td class=\"l\">").append(Html.escape(label(n))).append("</td>");
      for (String k : new String[] {"p50", "p90", "p99", "p999", "max", "mean"}) {
        sb.append("<td>").append(Unit.NS.format(h.path(k))).append("</td>");
      }
      sb.append("<td>").append(Unit.COUNT.format(h.path("count"))).append("</td></tr>");
    }
    sb.append("</table></div>");
  }

  static void tierTable(StringBuilder sb, JsonNode r) {
    sb.append("<h2>Tiers</h2>");
    HtmlReport.rows(sb, r.path("tiers"), List.of("name", "kind", "capacity_bytes", "accesses", "hits", "hit_ratio",
        "bytes_read", "bytes_written", "insertions", "evictions", "evicted_unused"));
    if (r.path("links").isArray() && !r.path("links").isEmpty()) {
      sb.append("<h2>Links</h2>");
      HtmlReport.rows(sb, r.path("links"), null);
    }
  }

  /** Everything else report.json holds, collapsed. */
  static void details(StringBuilder sb, JsonNode r) {
    sb.append("<h2>Details</h2>");
    Iterator<Map.Entry<String, JsonNode>> it = r.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = e.getKey();
      if (e.getValue().isObject() && !k.equals("config") && !k.equals("latency_ns") && !k.equals("occupancy")) {
        sb.append("<details><summary>").append(Html.escape(k.replace('_', ' '))).append("</summary>");
        HtmlReport.table(sb, e.getValue());
        sb.append("</details>");
      }
    }
    HtmlReport.json(sb, "configuration (effective)", r.path("config"));
  }
}
