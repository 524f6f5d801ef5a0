package io.kvflow.analysis.report;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The page: headline first, human units, "-" for what was never recorded, no scientific notation even from huge doubles. */
class HtmlReportTest {
  static final Pattern SCIENTIFIC = Pattern.compile("\\b\\d+(\\.\\d+)?[eE][+-]?\\d+\\b");

  static ObjectNode replay() throws Exception {
    return FindingsTest.run("{'manifest': {'trace_file': 't.parquet', 'config': 'c', 'kvflow_version': '0'},"
        + "'trace': {'kind': 'requests', 'requests': 3, 'block_refs': 9},"
        + "'tiers': [{'name': 'hbm', 'kind': 'hbm', 'capacity_bytes': 8589934592, 'capacity_units': 4, 'accesses': 10, 'hits': 9,"
        + " 'hit_ratio': 0.9, 'bytes_read': 33494044508160, 'bytes_written': 5.84115552256E11}, {'name': 'dram', 'kind': 'dram',"
        + " 'accesses': 1, 'hits': 0, 'hit_ratio': 0.0, 'bytes_read': 0, 'bytes_written': 7}],"
        + "'time': {'simulated_ns': 7.0E13, 'stall_ns': 1.0E12, 'steps': 12},"
        + "'latency_ns': {'ttft': {'p50': 1.61E10, 'p99': 2.0E10, 'mean': 1.7E10, 'count': 3, 'percentiles': [[50, 1.61E10], [99, 2.0E10]]},"
        + " 'tpot': {'count': 0}},"
        + "'config': {'hardware': {'hbm_bandwidth_bps': 4.8E12}}}");
  }

  @Test
  void headlineFirstInHumanUnits() throws Exception {
    String html = HtmlReport.render(replay(), "r");
    int headline = html.indexOf("class=\"headline\"");
    assertTrue(headline > 0 && headline < html.indexOf("<svg"), "headline before the charts");
    assertTrue(html.contains("30.5 TiB"), "bytes in binary units");
    assertTrue(html.contains("16.1 s / 20.0 s"), "TTFT p50 / p99");
    assertTrue(html.contains("19.4 h"), "simulated time in hours");
    assertFalse(html.contains("TPOT p50"), "a latency never recorded has no headline");
    assertTrue(html.contains("4800000000000"), "config numbers written out in full");
  }

  @Test
  void noScientificNotationAnywhere() throws Exception {
    String html = HtmlReport.render(replay(), "r");
    Matcher m = SCIENTIFIC.matcher(html.replaceAll("<[^>]*>", " "));
    assertFalse(m.find(), () -> "scientific notation in the text: " + m.group());
  }

  @Test
  void missingFiguresAreDashesNotZeros() throws Exception {
    ObjectNode r = replay();
    ((ObjectNode) r.get("tiers").get(1)).remove("bytes_read");
    String html = HtmlReport.render(r, "r");
    assertTrue(html.contains("<td>-</td>"), "an absent figure shows as -");
  }

  @Test
  void sweepWithoutParetoPointsDrawsNoParetoChart() throws Exception {
    ObjectNode s = FindingsTest.run("{'sweep': {'paths': ['$.tiers[0].policy'], 'metrics': ['first_tier_hit_ratio'],"
        + " 'points': [{'point': 0, 'trace': 't', '$.tiers[0].policy': 'lru', 'status': 'ok', 'first_tier_hit_ratio': 0.5},"
        + " {'point': 1, 'trace': 't', '$.tiers[0].policy': 'fifo', 'status': 'error'}], 'charts': [], 'pareto_stall_vs_hbm': []}}");
    String html = HtmlReport.render(s, "s");
    assertFalse(html.contains("Pareto"), "no empty Pareto chart");
    assertFalse(html.contains("no data"), "no empty chart at all");
    assertTrue(html.contains("1 failed"));
    assertTrue(html.contains("<td>-</td>"), "a failed point's metric is -");
  }
}
