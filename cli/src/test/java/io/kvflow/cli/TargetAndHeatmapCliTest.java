package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reuse --target}: the smallest cache or the ceiling; {@code size}'s heatmap and report.html. */
class TargetAndHeatmapCliTest {
  @TempDir
  Path dir;

  static final Path CHAT = Path.of("..", "sample-traces", "chat-small.parquet");
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void reuseTargetIsTheSmallestCacheThatReachesIt() throws Exception {
    Path out = dir.resolve("r");
    CliTestSupport.Result r = CliTestSupport.run("reuse", CHAT.toString(), "--target", "0.5", "--preset", "llama-3-8b",
        "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    JsonNode t = JSON.readTree(out.resolve("reuse.json").toFile()).get("target");
    assertTrue(t.get("reachable").asBoolean());
    long c = t.get("capacity_blocks").asLong();
    assertTrue(c > 1, t.toString());
    assertTrue(t.get("hit_ratio_at_capacity").asDouble() >= 0.5);
    assertTrue(t.get("capacity_bytes").asLong() > c, "bytes of " + c + " blocks of llama-3-8b");
    assertTrue(r.out().matches("(?s)smallest LRU cache reaching hit ratio 0\\.5: [0-9,]+ blocks, [0-9,]+ bytes .*"), r.out());
    assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "%,d blocks", c)), r.out());
    // minimal: the curve at c - 1 blocks misses the target, at c it meets it
    Path check = dir.resolve("check");
    assertEquals(0, CliTestSupport.run("reuse", CHAT.toString(), "--sizes", (c - 1) + "," + c, "--out", check.toString(), "-q")
        .exit());
    List<String> mrc = Files.readAllLines(check.resolve("mrc.csv"));
    double below = Double.NaN;
    double at = Double.NaN;
    for (String line : mrc.subList(1, mrc.size())) {
      String[] f = line.split(",");
      if (Long.parseLong(f[0]) == c - 1) {
        below = 1 - Double.parseDouble(f[1]);
      } else if (Long.parseLong(f[0]) == c) {
        at = 1 - Double.parseDouble(f[1]);
      }
    }
    assertTrue(below < 0.5 && at >= 0.5, below + " / " + at);
  }

  @Test
  void reuseTargetBeyondTheIdealSaysTheCeiling() throws Exception {
    Path out = dir.resolve("r");
    CliTestSupport.Result r = CliTestSupport.run("reuse", CHAT.toString(), "--target", "0.999", "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    JsonNode study = JSON.readTree(out.resolve("reuse.json").toFile());
    JsonNode t = study.get("target");
    assertFalse(t.get("reachable").asBoolean());
    assertTrue(t.get("capacity_blocks").isNull());
    double ideal = 1 - study.get("cold_misses").asDouble() / study.get("accesses").asDouble();
    assertEquals(ideal, t.get("ideal_hit_ratio").asDouble(), 1e-9);
    assertTrue(r.out().startsWith(String.format(java.util.Locale.ROOT,
        "no LRU cache reaches hit ratio 0.999: the ideal hit ratio (an infinite cache) is %.3f", ideal)), r.out());
    assertEquals("target_unreachable", study.get("warnings").get(0).get("code").asText());
    assertTrue(r.err().startsWith("kvflow: warning: ideal hit ratio"), r.err());
    assertEquals(2, CliTestSupport.run("reuse", CHAT.toString(), "--target", "1.5", "--out", out.toString(), "-q").exit());
  }

  @Test
  void sizeCarriesItsGridAsAHeatmapAndWritesReportHtml() throws Exception {
    Path out = dir.resolve("s");
    CliTestSupport.Result r = CliTestSupport.run("size", CHAT.toString(), "--first", "1GiB,4GiB,2GiB", "--second", "8GiB,16GiB",
        "--preset", "llama-3-8b", "--target", "0.4", "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    JsonNode s = JSON.readTree(out.resolve("size.json").toFile());
    JsonNode h = s.get("heatmap");
    for (String k : List.of("title", "x", "y", "z")) {
      assertFalse(h.get(k).asText().isBlank(), k);
    }
    assertTrue(h.get("x").asText().contains("GiB") && h.get("y").asText().contains("GiB"));
    assertEquals(0.4, h.get("target").asDouble());
    // x sorted ascending, whatever the order given
    assertEquals(3, h.get("x_values").size());
    assertEquals(2, h.get("y_values").size());
    assertTrue(h.get("x_values").get(0).asDouble() < h.get("x_values").get(1).asDouble());
    assertEquals(1.0, h.get("x_values").get(0).asDouble(), 0.01);
    assertEquals(2, h.get("cells").size());
    for (JsonNode p : s.get("grid")) {
      int x = index(h.get("x_values"), p.get("first_bytes").asDouble() / (1L << 30));
      int y = index(h.get("y_values"), p.get("second_bytes").asDouble() / (1L << 30));
      assertEquals(p.get("combined_hit_ratio").asDouble(), h.get("cells").get(y).get(x).asDouble(), 0.0);
    }
    assertTrue(Files.readString(out.resolve("report.html")).startsWith("<!DOCTYPE html>"));
    // without a target the heatmap's target is null; without a preset its axes are blocks
    Path out2 = dir.resolve("s2");
    assertEquals(0, CliTestSupport.run("size", CHAT.toString(), "--first", "10,100", "--second", "100", "--out",
        out2.toString(), "-q").exit());
    JsonNode h2 = JSON.readTree(out2.resolve("size.json").toFile()).get("heatmap");
    assertTrue(h2.get("target").isNull());
    assertTrue(h2.get("x").asText().contains("blocks"));
    assertEquals(10, h2.get("x_values").get(0).asLong());
  }

  private static int index(JsonNode values, double v) {
    for (int i = 0; i < values.size(); i++) {
      if (Math.abs(values.get(i).asDouble() - v) < 1e-9) {
        return i;
      }
    }
    throw new AssertionError(v + " not in " + values);
  }
}
