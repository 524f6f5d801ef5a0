package io.kvflow.analysis.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A comparison: the delta table in human units, percentile distributions overlaid, traffic side by side, then each run. */
final class CompareView {
  private CompareView() {}

  static void render(StringBuilder sb, JsonNode report) {
    JsonNode b = report.get("baseline");
    JsonNode c = report.get("candidate");
    String bName = b.path("manifest").path("config").asText("baseline");
    String cName = c.path("manifest").path("config").asText("candidate");
    String bl = "baseline (" + bName + ")";
    String cl = "candidate (" + cName + ")";
    RunView.subtitle(sb, b);
    if (report.has("delta")) {
      sb.append("<h2>Candidate against baseline</h2>");
      delta(sb, report.get("delta"), bl, cl);
    }
    sb.append("<h2>Findings: baseline</h2>");
    findings(sb, b);
    sb.append("<h2>Findings: candidate</h2>");
    findings(sb, c);
    sb.append("<div class=\"charts\">");
    RunView.latencyChart(sb, List.of(b, c), List.of(bl, cl));
    RunView.traffic(sb, List.of(b, c), List.of("baseline", "candidate"));
    sb.append("</div>");
    for (String[] side : new String[][] {{"baseline", bl}, {"candidate", cl}}) {
      JsonNode r = report.get(side[0]);
      sb.append("<h2>").append(Html.escape(side[1])).append("</h2>");
      HtmlReport.headline(sb, RunView.headline(r));
      RunView.latencyTable(sb, r);
      RunView.tierTable(sb, r);
      sb.append("<details><summary>").append(Html.escape(side[0])).append(": charts and details</summary>");
      sb.append("<div class=\"charts\">");
      RunView.mrc(sb, r);
      sb.append("</div>");
      RunView.occupancy(sb, r);
      RunView.details(sb, r);
      sb.append("</details>");
    }
  }

  /** Several runs of one trace (one per first-tier policy): a table of their headline figures, overlays, then each run. */
  static void runs(StringBuilder sb, JsonNode runs) {
    List<String> names = new java.util.ArrayList<>();
    List<JsonNode> reports = new java.util.ArrayList<>();
    runs.fields().forEachRemaining(e -> {
      names.add(e.getKey());
      reports.add(e.getValue());
    });
    if (reports.isEmpty()) {
      return;
    }
    RunView.subtitle(sb, reports.get(0));
    sb.append("<h2>Runs</h2><div class=\"wide\"><table><tr><th class=\"l\">run</th><th>first-tier hit ratio</th>"
        + "<th>read from lower tiers</th><th>TTFT p50</th><th>TTFT p99</th><th>TPOT p50</th><th>step stall mean</th></tr>");
    for (int i = 0; i < names.size(); i++) {
      JsonNode r = reports.get(i);
      long lower = 0;
      for (int t = 1; t < r.path("tiers").size(); t++) {
        lower += r.path("tiers").get(t).path("bytes_read").asLong(0);
      }
      JsonNode lat = r.path("latency_ns");
      sb.append("<tr><td class=\"l\">").append(Html.escape(names.get(i))).append("</td><td>")
          .append(Unit.RATIO.format(r.path("tiers").path(0).path("hit_ratio"))).append("</td><td>")
          .append(r.path("tiers").size() > 1 ? Unit.BYTES.format(lower) : Unit.MISSING).append("</td><td>")
          .append(latency(lat, "ttft", "p50")).append("</td><td>").append(latency(lat, "ttft", "p99")).append("</td><td>")
          .append(latency(lat, "tpot", "p50")).append("</td><td>").append(latency(lat, "step_stall", "mean")).append("</td></tr>");
    }
    sb.append("</table></div><div class=\"charts\">");
    RunView.latencyChart(sb, reports, names);
    RunView.traffic(sb, reports, names);
    sb.append("</div>");
    for (int i = 0; i < names.size(); i++) {
      sb.append("<h2>").append(Html.escape(names.get(i))).append("</h2>");
      HtmlReport.headline(sb, RunView.headline(reports.get(i)));
      findings(sb, reports.get(i));
      sb.append("<details><summary>").append(Html.escape(names.get(i))).append(": tables and details</summary>");
      RunView.latencyTable(sb, reports.get(i));
      RunView.tierTable(sb, reports.get(i));
      RunView.details(sb, reports.get(i));
      sb.append("</details>");
    }
  }

  /** A latency figure, "-" where the histogram recorded nothing. */
  private static String latency(JsonNode lat, String name, String field) {
    return lat.path(name).path("count").asLong(0) > 0 ? Unit.NS.format(lat.path(name).path(field)) : Unit.MISSING;
  }

  private static void findings(StringBuilder sb, JsonNode r) {
    StringBuilder inner = new StringBuilder();
    HtmlReport.findings(inner, Findings.of(r));
    // the list without its own heading
    String s = inner.toString();
    sb.append(s.isEmpty() ? "<p>none</p>" : s.substring(s.indexOf("<ul")));
  }

  private static void delta(StringBuilder sb, JsonNode delta, String bl, String cl) {
    sb.append("<div class=\"wide\"><table><tr><th class=\"l\">figure</th><th>").append(Html.escape(bl)).append("</th><th>")
        .append(Html.escape(cl)).append("</th><th>change</th></tr>");
    Iterator<Map.Entry<String, JsonNode>> it = delta.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("link_bytes")) {
        Iterator<Map.Entry<String, JsonNode>> links = e.getValue().fields();
        while (links.hasNext()) {
          Map.Entry<String, JsonNode> l = links.next();
          row(sb, "bytes over link " + l.getKey(), Unit.BYTES, l.getValue());
        }
      } else {
        row(sb, e.getKey().replace('_', ' ').replace(" ns", ""), HtmlReport.unitOf(e.getKey()), e.getValue());
      }
    }
    sb.append("</table></div>");
  }

  private static void row(StringBuilder sb, String name, Unit unit, JsonNode v) {
    JsonNode ratio = v.path("change_ratio");
    String change = ratio.isNumber() ? String.format(Locale.ROOT, "%+.1f%%", 100 * ratio.asDouble()) : Unit.MISSING;
    sb.append("<tr><td class=\"l\">").append(Html.escape(name)).append("</td><td>").append(unit.format(v.path("baseline")))
        .append("</td><td>").append(unit.format(v.path("candidate"))).append("</td><td>").append(change).append("</td></tr>");
  }
}
