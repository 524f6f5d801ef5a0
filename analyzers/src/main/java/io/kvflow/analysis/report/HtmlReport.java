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
 * report.html: one self-contained file (inline CSS and SVG, no scripts, no network fetches) that
 * opens with the answer (headline figures, warnings, findings) and then shows the charts and tables
 * of whatever the JSON holds: a replay, a comparison, a reuse study, a sweep or a sizing grid.
 * Figures are in human units, missing ones are "-", every string from a trace or config is escaped.
 */
public final class HtmlReport {
  private static final String CSS = "body{font-family:sans-serif;margin:24px auto;max-width:1400px;padding:0 16px;color:#222}"
      + "h1{font-size:1.5em;margin-bottom:4px}h2{margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}"
      + ".sub{color:#555;margin:0 0 16px;overflow-wrap:anywhere}"
      + "table{border-collapse:collapse;margin:8px 0 20px;max-width:100%}td,th{border:1px solid #ccc;padding:3px 8px;"
      + "text-align:right}.wide td{white-space:nowrap}th{background:#f2f2f2}td.l,th.l{text-align:left}"
      + ".wide{overflow-x:auto;max-width:100%}"
      + ".headline{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:12px;margin:12px 0 20px}"
      + ".card{border:1px solid #d0d7de;border-radius:6px;padding:10px 12px;background:#fafbfc;min-width:0}"
      + ".card .k{color:#555;font-size:.85em}.card .v{font-size:1.45em;font-weight:bold;margin-top:4px;overflow-wrap:anywhere}"
      + ".card .d{color:#555;font-size:.8em;margin-top:2px;overflow-wrap:anywhere}"
      + "ul.findings li{margin:4px 0}ul.findings li.warn{color:#8a1c00}ul.warnings li{color:#8a1c00;font-weight:bold}"
      + ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:18px}"
      + "figure.chart{margin:0;min-width:0}figcaption{font-weight:bold;margin-bottom:4px}svg{display:block;max-width:100%;height:auto}"
      + "details{margin:12px 0}summary{cursor:pointer;font-weight:bold}pre{white-space:pre-wrap;overflow-wrap:anywhere}";

  private HtmlReport() {}

  public static void write(Path file, JsonNode report, String title) {
    AtomicOutput.writeBytes(file, render(report, title).getBytes(StandardCharsets.UTF_8));
  }

  public static String render(JsonNode report, String title) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    sb.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">");
    sb.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    sb.append("<title>").append(Html.escape(title)).append("</title><style>").append(CSS).append("</style></head><body>");
    sb.append("<h1>").append(Html.escape(title)).append("</h1>");
    warnings(sb, report.path("warnings"));
    if (report.has("baseline") && report.has("candidate")) {
      CompareView.render(sb, report);
    } else if (report.has("runs")) {
      CompareView.runs(sb, report.get("runs"));
    } else if (report.has("sweep")) {
      StudyView.sweep(sb, report.get("sweep"));
    } else if (report.has("heatmap")) {
      StudyView.size(sb, report);
    } else if (report.has("tiers")) {
      RunView.render(sb, report);
    } else {
      StudyView.reuse(sb, report);
    }
    sb.append("</body></html>\n");
    return sb.toString();
  }

  /** Warnings a command raised (also on stderr): conditions under which an answer means little. */
  static void warnings(StringBuilder sb, JsonNode warnings) {
    if (!warnings.isArray() || warnings.isEmpty()) {
      return;
    }
    sb.append("<h2>Warnings</h2><ul class=\"warnings\">");
    for (JsonNode w : warnings) {
      sb.append("<li>").append(Html.escape(w.isTextual() ? w.asText() : w.path("message").asText())).append("</li>");
    }
    sb.append("</ul>");
  }

  /** Headline cards: a label, a value and an optional detail line. */
  static void headline(StringBuilder sb, List<String[]> cards) {
    if (cards.isEmpty()) {
      return;
    }
    sb.append("<div class=\"headline\">");
    for (String[] c : cards) {
      sb.append("<div class=\"card\"><div class=\"k\">").append(Html.escape(c[0])).append("</div><div class=\"v\">")
          .append(Html.escape(c[1])).append("</div>");
      if (c.length > 2 && c[2] != null) {
        sb.append("<div class=\"d\">").append(Html.escape(c[2])).append("</div>");
      }
      sb.append("</div>");
    }
    sb.append("</div>");
  }

  static void findings(StringBuilder sb, List<Findings.Finding> findings) {
    if (findings.isEmpty()) {
      return;
    }
    sb.append("<h2>Findings</h2><ul class=\"findings\">");
    for (Findings.Finding f : findings) {
      sb.append(f.warn() ? "<li class=\"warn\">" : "<li>").append(Html.escape(f.text())).append("</li>");
    }
    sb.append("</ul>");
  }

  /** The unit a report.json field is in, read from its name (docs/cli.md names every field so). */
  static Unit unitOf(String key) {
    String k = key.toLowerCase(java.util.Locale.ROOT);
    if (k.endsWith("_bps") || k.endsWith("bandwidth")) {
      return Unit.BYTES_PER_S;
    }
    if (k.contains("bytes")) {
      return Unit.BYTES;
    }
    if (k.endsWith("_ns") || k.equals("ns") || k.contains("_ns_") || k.endsWith("ns_mean")) {
      return Unit.NS;
    }
    if (k.contains("ratio") || k.contains("fraction") || k.contains("share")) {
      return Unit.RATIO;
    }
    return Unit.PLAIN;
  }

  /** A JSON value as a person reads it, the unit taken from the field's name. */
  static String value(String key, JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return Unit.MISSING;
    }
    if (v.isNumber()) {
      Unit u = unitOf(key);
      return u == Unit.PLAIN && v.isIntegralNumber() ? Unit.COUNT.format(v.asDouble()) : u.format(v.asDouble());
    }
    if (v.isTextual()) {
      // a grid value written as text ("16000000000") in a field with a unit
      Unit u = unitOf(key);
      return u != Unit.PLAIN && StudyView.isNumber(v.asText()) ? u.format(Double.parseDouble(v.asText())) : v.asText();
    }
    if (v.isArray() && v.isEmpty()) {
      return Unit.MISSING;
    }
    if (v.isArray()) {
      List<String> parts = new ArrayList<>();
      v.forEach(x -> parts.add(x.isTextual() ? x.asText() : x.isNumber() ? value(key, x) : x.toString()));
      return String.join(", ", parts);
    }
    return v.isBoolean() ? v.asText() : plainJson(v);
  }

  /** An object as a two-column table (nested objects flattened with dots). */
  static void table(StringBuilder sb, JsonNode o) {
    sb.append("<div class=\"wide\"><table>");
    flatten(sb, "", o);
    sb.append("</table></div>");
  }

  private static void flatten(StringBuilder sb, String prefix, JsonNode o) {
    Iterator<Map.Entry<String, JsonNode>> it = o.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isObject()) {
        flatten(sb, prefix + e.getKey() + ".", e.getValue());
      } else if (!(e.getValue().isArray() && e.getValue().size() > 0 && e.getValue().get(0).isContainerNode())) {
        sb.append("<tr><th class=\"l\">").append(Html.escape(prefix + e.getKey())).append("</th><td class=\"l\">")
            .append(Html.escape(value(e.getKey(), e.getValue()))).append("</td></tr>");
      }
    }
  }

  /** An array of flat objects as a table with one row each; {@code columns} null takes the first row's. */
  static void rows(StringBuilder sb, JsonNode array, List<String> columns) {
    if (!array.isArray() || array.isEmpty()) {
      return;
    }
    List<String> cols = columns;
    if (cols == null) {
      cols = new ArrayList<>();
      array.get(0).fieldNames().forEachRemaining(cols::add);
    }
    sb.append("<div class=\"wide\"><table><tr>");
    for (String c : cols) {
      sb.append("<th>").append(Html.escape(c.replace('_', ' '))).append("</th>");
    }
    sb.append("</tr>");
    for (JsonNode row : array) {
      sb.append("<tr>");
      for (String c : cols) {
        JsonNode v = row.get(c);
        sb.append(v != null && v.isTextual() ? "<td class=\"l\">" : "<td>").append(Html.escape(value(c, v))).append("</td>");
      }
      sb.append("</tr>");
    }
    sb.append("</table></div>");
  }

  /** The configuration (or any JSON) in a collapsed block, numbers written out in full (never 1.5E11). */
  static void json(StringBuilder sb, String summary, JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return;
    }
    sb.append("<details><summary>").append(Html.escape(summary)).append("</summary><pre>")
        .append(Html.escape(plainJson(node))).append("</pre></details>");
  }

  static String plainJson(JsonNode node) {
    StringBuilder sb = new StringBuilder();
    plainJson(sb, node, 0);
    return sb.toString();
  }

  private static void plainJson(StringBuilder sb, JsonNode n, int indent) {
    if (n.isObject()) {
      sb.append("{");
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      boolean first = true;
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        sb.append(first ? "\n" : ",\n").append("  ".repeat(indent + 1)).append(quote(e.getKey())).append(": ");
        plainJson(sb, e.getValue(), indent + 1);
        first = false;
      }
      sb.append(first ? "}" : "\n" + "  ".repeat(indent) + "}");
    } else if (n.isArray()) {
      sb.append("[");
      for (int i = 0; i < n.size(); i++) {
        sb.append(i == 0 ? "" : ", ");
        plainJson(sb, n.get(i), indent + 1);
      }
      sb.append("]");
    } else if (n.isNumber()) {
      sb.append(n.isIntegralNumber() ? n.bigIntegerValue().toString() : n.decimalValue().stripTrailingZeros().toPlainString());
    } else if (n.isTextual()) {
      sb.append(quote(n.asText()));
    } else {
      sb.append(n.asText());
    }
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
