package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's main job, {@code kvflow replay sample-traces/chat-small.parquet --out DIR}, reports latency. */
class MainJobCliTest {
  @TempDir Path dir;

  @Test
  void theDefaultConfigWritesLatencyHistogramsAndTimedCsvs() throws Exception {
    Path out = dir.resolve("out");
    CliTestSupport.Result r = CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    for (String h : new String[] {"ttft_ns.hgrm", "tpot_ns.hgrm", "e2e_ns.hgrm", "step_ns.hgrm", "step_stall_ns.hgrm",
        "step_ns.hlog", "step_stall_ns.hlog"}) {
      assertTrue(Files.size(out.resolve(h)) > 0, h);
    }
    assertTrue(Files.readString(out.resolve("ttft_ns.hgrm")).matches("(?s).*Total count\\s*=\\s*300].*"));
    ReportConservation.assertConsistent(out);
    terminalSummaryQuotesTheReport(r.out(), new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        out.resolve("report.json").toFile()));

    // the same replay again: byte-identical exports
    Path again = dir.resolve("again");
    assertEquals(0, CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--out", again.toString(), "-q")
        .exit());
    for (String f : new String[] {"requests.csv", "steps.csv", "ttft_ns.hgrm", "step_ns.hlog"}) {
      assertEquals(-1L, Files.mismatch(out.resolve(f), again.resolve(f)), f);
    }
  }

  @Test
  void theCountsConfigReplaysWithoutTime() throws Exception {
    Path out = dir.resolve("counts");
    CliTestSupport.Result r = CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config", "counts",
        "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertFalse(Files.exists(out.resolve("ttft_ns.hgrm")));
    ReportConservation.assertConsistent(out);
    String row = Files.readAllLines(out.resolve("requests.csv")).get(1);
    assertTrue(row.endsWith(",,,"), row);
  }

  /** The terminal's headline and tier lines quote report.json's figures, read here from the JSON, not from the summary code. */
  static void terminalSummaryQuotesTheReport(String stdout, com.fasterxml.jackson.databind.JsonNode report) {
    var hbm = report.get("tiers").get(0);
    var ttft = report.get("latency_ns").get("ttft");
    java.util.List<String> lines = stdout.lines().toList();
    String hit = lines.stream().filter(l -> l.startsWith("  hit ratio of hbm:")).findFirst().orElseThrow();
    assertTrue(hit.contains(String.format(java.util.Locale.ROOT, "%,d of %,d lookups", hbm.get("hits").asLong(),
        hbm.get("accesses").asLong())), hit);
    double shown = Double.parseDouble(hit.substring(hit.indexOf(':') + 1).trim().split("\\s+")[0]);
    assertEquals(hbm.get("hit_ratio").asDouble(), shown, 0.0005, hit);
    String t = lines.stream().filter(l -> l.startsWith("  TTFT p50 / p99:")).findFirst().orElseThrow();
    assertTrue(t.contains(String.format(java.util.Locale.ROOT, "over %,d", ttft.get("count").asLong())), t);
    double p50Ms = ttft.get("p50").asDouble() / 1e6;
    assertTrue(t.contains(String.format(java.util.Locale.ROOT, p50Ms >= 10 ? "%.1f ms" : "%.2f ms", p50Ms)), t);
    String row = lines.stream().filter(l -> l.startsWith("hbm ")).findFirst().orElseThrow();
    assertTrue(row.contains(String.format(java.util.Locale.ROOT, "%,d", hbm.get("accesses").asLong())), row);
  }
}
