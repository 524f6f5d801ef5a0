package io.kvflow.analysis.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each finding rule fires on the figures it quotes, and only then. */
class FindingsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static ObjectNode run(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json.replace('\'', '"'));
  }

  static List<String> codes(ObjectNode r) {
    return Findings.of(r).stream().map(Findings.Finding::code).toList();
  }

  @Test
  void saturatedLinkAndLatePrefetches() throws Exception {
    ObjectNode r = run("{'time': {'simulated_ns': 1000000, 'stall_ns': 400000},"
        + "'links': [{'name': 'pcie-h2d', 'bytes': 5000, 'busy_ns': 990000}, {'name': 'cxl', 'bytes': 1, 'busy_ns': 10}],"
        + "'prefetch': {'issued': 33248, 'late': 33008, 'wasted': 0}}");
    List<Findings.Finding> f = Findings.of(r);
    assertEquals(List.of("saturated_link", "late_prefetches", "stalls"), f.stream().map(Findings.Finding::code).toList());
    assertEquals("link pcie-h2d busy 99% of the run: prefetch cannot hide transfers (4.88 KiB over it)", f.get(0).text());
    assertTrue(f.get(1).text().startsWith("33,008 of 33,248 prefetches late (99%)"), f.get(1).text());
    assertTrue(f.get(2).text().contains("40%"), f.get(2).text());
    assertTrue(f.get(2).warn());
  }

  @Test
  void quietRunsSayTransfersAreHidden() throws Exception {
    ObjectNode r = run("{'time': {'simulated_ns': 1000000, 'stall_ns': 10},"
        + "'links': [{'name': 'pcie-h2d', 'bytes': 5000, 'busy_ns': 100}], 'prefetch': {'issued': 100, 'late': 9, 'wasted': 0}}");
    assertEquals(List.of("few_stalls"), codes(r));
  }

  @Test
  void countersWithoutTime() throws Exception {
    ObjectNode r = run("{'totals': {'lookup_layer_accesses': 1000, 'found_nowhere': 600, 'preemptions': 3},"
        + "'tiers': [{'name': 'hbm', 'evictions': 10, 'evicted_unused': 9, 'capacity_units': 0}],"
        + "'prefix_cache': {'prefix_info': 'unknown'}}");
    assertEquals(List.of("found_nowhere", "evicted_unused", "preemptions", "no_prefix_hashes"), codes(r));
    // a command's own warning replaces the finding
    r.putArray("warnings").addObject().put("code", "no_prefix_hashes").put("message", "m");
    assertFalse(codes(r).contains("no_prefix_hashes"));
  }

  @Test
  void mrcHeadroomInterpolatesInLogSize() throws Exception {
    ObjectNode r = run("{'tiers': [{'name': 'hbm', 'capacity_units': 100}], 'mrc': [[10, 0.9], [100, 0.5], [1000, 0.1]]}");
    List<Findings.Finding> f = Findings.of(r);
    assertEquals("mrc_headroom", f.get(0).code());
    // at 200 units: log-linear between 100 (0.5) and 1000 (0.1): 0.5 - 0.4 * log(2)/log(10)
    double expected = 0.5 - 0.4 * Math.log(2) / Math.log(10);
    assertTrue(f.get(0).text().contains(String.format(java.util.Locale.ROOT, "%.3f at twice it", expected)), f.get(0).text());
    assertTrue(f.get(0).text().contains("0.500 at hbm's size"), f.get(0).text());
    assertTrue(f.get(0).text().contains("0.100 with unlimited space"), f.get(0).text());
  }
}
