package io.kvflow.analysis.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * A replay's answer for the terminal, from its report.json: the same headline figures and findings
 * as report.html, then the tiers, all in human units. Each line passes through the caller's
 * escaping (tier names come from configs).
 */
public final class TextSummary {
  private TextSummary() {}

  public static String render(JsonNode run, UnaryOperator<String> escape) {
    List<String> lines = new ArrayList<>();
    JsonNode t = run.path("trace");
    lines.add(String.format(Locale.ROOT, "trace: %s, %s requests, %s block references, %s distinct blocks",
        t.path("kind").asText("-"), Unit.COUNT.format(t.path("requests")), Unit.COUNT.format(t.path("block_refs")),
        Unit.COUNT.format(t.path("distinct_blocks"))));
    List<String[]> cards = RunView.headline(run);
    int width = cards.stream().mapToInt(c -> c[0].length()).max().orElse(0) + 1;
    for (String[] c : cards) {
      lines.add(String.format(Locale.ROOT, "  %-" + width + "s %-22s %s", c[0] + ":", c[1], c[2] == null ? "" : c[2]).stripTrailing());
    }
    lines.add(String.format(Locale.ROOT, "%-10s %-6s %10s %16s %9s %11s %11s %10s %10s", "tier", "kind", "capacity",
        "lookups", "hit ratio", "read", "written", "evictions", "unused"));
    for (JsonNode tier : run.path("tiers")) {
      lines.add(String.format(Locale.ROOT, "%-10s %-6s %10s %16s %9s %11s %11s %10s %10s", tier.path("name").asText(),
          tier.path("kind").asText(), Unit.BYTES.format(tier.path("capacity_bytes")), Unit.COUNT.format(tier.path("accesses")),
          Unit.RATIO.format(tier.path("hit_ratio")), Unit.BYTES.format(tier.path("bytes_read")),
          Unit.BYTES.format(tier.path("bytes_written")), Unit.COUNT.format(tier.path("evictions")),
          Unit.COUNT.format(tier.path("evicted_unused"))));
    }
    List<Findings.Finding> findings = Findings.of(run);
    if (!findings.isEmpty()) {
      lines.add("findings:");
      findings.forEach(f -> lines.add((f.warn() ? "  ! " : "  - ") + f.text()));
    }
    StringBuilder sb = new StringBuilder();
    lines.forEach(l -> sb.append(escape.apply(l)).append('\n'));
    return sb.toString();
  }
}
