package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a replay's output directory against itself, computing every total a second way: the tier
 * figures of report.json add up, steps.csv and requests.csv add up exactly to report.json, and
 * each latency histogram (in report.json and in its .hgrm file) counts what it describes.
 */
final class ReportConservation {
  private ReportConservation() {}

  static void assertConsistent(Path out) throws IOException {
    JsonNode r = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    JsonNode totals = r.get("totals");
    JsonNode tiers = r.get("tiers");
    long lookups = totals.get("lookup_layer_accesses").asLong();
    long tierHits = 0;
    long lowerHits = 0;
    for (int t = 0; t < tiers.size(); t++) {
      JsonNode tier = tiers.get(t);
      String n = tier.get("name").asText();
      assertEquals(tier.get("accesses").asLong(), tier.get("hits").asLong() + tier.get("misses").asLong(), n);
      assertEquals(tier.get("bytes_written").asLong(), tier.get("units_written").asLong()
          * tier.get("unit_stored_bytes").asLong() + tier.get("bytes_appended").asLong(), n + ": bytes written");
      tierHits += tier.get("hits").asLong();
      lowerHits += t > 0 ? tier.get("hits").asLong() : 0;
    }
    assertEquals(lookups, tiers.get(0).get("accesses").asLong(), "every lookup reaches the first tier");
    assertEquals(lookups, tierHits + totals.get("found_nowhere").asLong(), "hits over tiers + found nowhere");

    long[] steps = sums(out.resolve("steps.csv"), List.of("layer_accesses", "first_tier_hits", "lower_tier_hits",
        "found_nowhere", "appends", "frees"));
    assertEquals(lookups, steps[0], "steps.csv layer_accesses");
    assertEquals(tiers.get(0).get("hits").asLong(), steps[1], "steps.csv first_tier_hits");
    assertEquals(lowerHits, steps[2], "steps.csv lower_tier_hits");
    assertEquals(totals.get("found_nowhere").asLong(), steps[3], "steps.csv found_nowhere");
    assertEquals(totals.get("appends").asLong(), steps[4], "steps.csv appends");
    assertEquals(totals.get("frees").asLong(), steps[5], "steps.csv frees");
    long stepRows = steps[steps.length - 1];

    boolean requests = "requests".equals(r.get("trace").get("kind").asText());
    long[] req = sums(out.resolve("requests.csv"), List.of("input_blocks", "input_block_hits", "input_token_hits",
        "layer_accesses", "first_tier_hits"));
    if (requests) {
      JsonNode prefix = r.get("prefix_cache");
      assertEquals(r.get("trace").get("requests").asLong(), req[req.length - 1], "requests.csv rows");
      assertEquals(prefix.get("input_blocks").asLong(), req[0], "requests.csv input_blocks");
      assertEquals(prefix.get("input_block_hits").asLong(), req[1], "requests.csv input_block_hits");
      assertEquals(prefix.get("input_token_hits").asLong(), req[2], "requests.csv input_token_hits");
      assertEquals(lookups, req[3], "requests.csv layer_accesses");
      assertEquals(tiers.get(0).get("hits").asLong(), req[4], "requests.csv first_tier_hits");
    } else {
      // accesses traces: one row per request id, every lookup belongs to one
      assertEquals(lookups, req[3], "requests.csv layer_accesses (accesses trace)");
      assertEquals(tiers.get(0).get("hits").asLong(), req[4], "requests.csv first_tier_hits (accesses trace)");
    }

    if (r.has("latency_ns")) {
      JsonNode lat = r.get("latency_ns");
      long timedSteps = r.get("time").get("steps").asLong();
      assertEquals(timedSteps, lat.get("step").get("count").asLong(), "step histogram count");
      assertEquals(timedSteps, lat.get("step_stall").get("count").asLong(), "step stall histogram count");
      assertEquals(timedSteps, stepRows, "steps.csv rows = steps timed");
      assertEquals(timedSteps, hgrmCount(out.resolve("step_ns.hgrm")), "step_ns.hgrm total count");
      if (requests) {
        long n = r.get("trace").get("requests").asLong();
        assertEquals(n, lat.get("ttft").get("count").asLong(), "one TTFT per request");
        assertEquals(n, lat.get("e2e").get("count").asLong(), "one E2E per request");
        assertTrue(lat.get("tpot").get("count").asLong() <= n, "at most one TPOT per request");
        assertEquals(n, hgrmCount(out.resolve("ttft_ns.hgrm")), "ttft_ns.hgrm total count");
        assertEquals(n, hgrmCount(out.resolve("e2e_ns.hgrm")), "e2e_ns.hgrm total count");
        // requests.csv's times are the histograms' inputs: one value per recorded one, and a sum
        // that is count x mean (the histogram's mean is exact to its 3 significant digits)
        for (String h : List.of("ttft", "tpot", "e2e")) {
          timesMatch(out.resolve("requests.csv"), h + "_ns", lat.get(h), hgrmCount(out.resolve(h + "_ns.hgrm")));
        }
      }
      timesMatch(out.resolve("steps.csv"), "step_ns", lat.get("step"), timedSteps);
      timesMatch(out.resolve("steps.csv"), "stall_ns", lat.get("step_stall"), timedSteps);
    } else {
      assertTrue(column(out.resolve("steps.csv"), "step_ns").isEmpty(), "no step times without timing");
      assertTrue(column(out.resolve("requests.csv"), "ttft_ns").isEmpty(), "no request times without timing");
    }
  }

  /** The non-empty values of {@code col}: as many as the histogram counts, their mean its mean (0.1%). */
  private static void timesMatch(Path csv, String col, JsonNode hist, long hgrmCount) throws IOException {
    List<Long> v = column(csv, col);
    long count = hist.get("count").asLong();
    assertEquals(count, v.size(), csv.getFileName() + " " + col + " values = histogram count");
    assertEquals(count, hgrmCount, csv.getFileName() + " " + col + " values = .hgrm total count");
    if (count == 0) {
      return;
    }
    double sum = 0;
    for (long x : v) {
      assertTrue(x >= 0, col + " " + x);
      sum += x;
    }
    double expected = count * hist.get("mean").asDouble();
    assertEquals(expected, sum, Math.max(1, expected * 1e-3), csv.getFileName() + " sum of " + col + " = count x mean");
  }

  /** The non-empty values of a CSV column. */
  private static List<Long> column(Path csv, String col) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    int i = List.of(lines.get(0).split(",")).indexOf(col);
    assertTrue(i >= 0, csv.getFileName() + " has column " + col);
    List<Long> v = new java.util.ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String f = line.split(",", -1)[i];
      if (!f.isEmpty()) {
        v.add(Long.parseLong(f));
      }
    }
    return v;
  }

  /** Column sums of a CSV with a header row; the row count last. */
  private static long[] sums(Path csv, List<String> columns) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    List<String> header = List.of(lines.get(0).split(","));
    long[] s = new long[columns.size() + 1];
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", -1);
      for (int c = 0; c < columns.size(); c++) {
        String cell = f[header.indexOf(columns.get(c))];
        s[c] += cell.isEmpty() ? 0 : Long.parseLong(cell); // an accesses trace's requests have no input columns
      }
      s[columns.size()]++;
    }
    return s;
  }

  private static long hgrmCount(Path hgrm) throws IOException {
    Matcher m = Pattern.compile("Total count\\s*=\\s*(\\d+)").matcher(Files.readString(hgrm));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
