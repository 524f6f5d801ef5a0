package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sweeps: the table, resuming, failing points, bad grids. */
class SweepCliTest {
  @TempDir
  Path dir;

  static final Path CHAT = Path.of("..", "sample-traces", "chat-small.parquet");

  private Path file(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }

  @Test
  void sweepWritesOneRowPerPointAndResumes() throws Exception {
    Path grid = file("g.json", "{\"axes\": {\"$.tiers[0].policy\": [\"lru\", \"fifo\", \"arc\"]},"
        + " \"zip\": [{\"$.tiers[0].capacity_bytes\": [1000000000, 4000000000], \"$.max_batch\": [4, 8]}]}");
    Path out = dir.resolve("sw");
    CliTestSupport.Result r = CliTestSupport.run("sweep", CHAT.toString(), "--grid", grid.toString(), "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    JsonNode t = new ObjectMapper().readTree(out.resolve("sweep.json").toFile());
    assertEquals(6, t.get("points").size());
    assertEquals("arc", t.get("points").get(4).get("$.tiers[0].policy").asText());
    assertEquals("8", t.get("points").get(5).get("$.max_batch").asText());
    byte[] csv = Files.readAllBytes(out.resolve("sweep.csv"));
    long files;
    try (Stream<Path> s = Files.list(out.resolve("points"))) {
      files = s.count();
    }
    assertEquals(6, files);
    // a rerun skips every point and gives the same table
    long before = Files.getLastModifiedTime(out.resolve("points")).toMillis();
    assertEquals(0, CliTestSupport.run("sweep", CHAT.toString(), "--grid", grid.toString(), "--out", out.toString(), "-q").exit());
    assertArrayEquals(csv, Files.readAllBytes(out.resolve("sweep.csv")));
    assertTrue(before > 0);
    assertTrue(Files.readString(out.resolve("report.html")).contains("<svg"));
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT \"$.tiers[0].policy\"), "
            + "min(first_tier_hit_ratio) FROM read_parquet('" + out.resolve("sweep.parquet") + "')")) {
      rs.next();
      assertEquals(6, rs.getLong(1));
      assertEquals(3, rs.getLong(2));
      assertTrue(rs.getDouble(3) > 0);
    }
  }

  @Test
  void aFailingPointIsReportedAndTheOthersKept() throws Exception {
    // opt's first pass finds the decode trace's APPEND rows only while it runs: a point that fails
    // on the data, not one refused up front by its config
    Path cfg = file("one.json", "{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\","
        + " \"capacity_blocks\": 500}]}");
    Path grid = file("g.json", "{\"axes\": {\"$.tiers[0].policy\": [\"lru\", \"opt\"]}}");
    Path out = dir.resolve("fail");
    CliTestSupport.Result r = CliTestSupport.run("sweep", ReplayCompareCliTest.DECODE.toString(), "--grid", grid.toString(),
        "--config", cfg.toString(), "--out", out.toString(), "-q");
    assertEquals(1, r.exit(), "a failed point makes the sweep fail");
    JsonNode t = new ObjectMapper().readTree(out.resolve("sweep.json").toFile());
    assertEquals("ok", t.get("points").get(0).get("status").asText());
    assertEquals("error", t.get("points").get(1).get("status").asText());
    assertEquals("opt", t.get("points").get(1).get("$.tiers[0].policy").asText());
    assertTrue(t.get("points").get(1).get("error").asText().contains("reads and writes only"),
        t.get("points").get(1).get("error").asText());
  }

  @Test
  void badGridsExitTwoNamingThePath() throws Exception {
    String out = dir.resolve("bad").toString();
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("sweep", CHAT.toString(), "--grid",
        file("a.json", "{\"axes\": {\"$.tiers[0].polcy\": [\"lru\"]}}").toString(), "--out", out), "$.tiers[0].polcy");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("sweep", CHAT.toString(), "--grid",
        file("b.json", "{\"axes\": {\"$.tiers[0].policy\": []}}").toString(), "--out", out), "non-empty list");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("sweep", CHAT.toString(), "--grid",
        file("c.json", "{\"axes\": {\"$.max_batch\": [\"many\"]}}").toString(), "--out", out), "$.max_batch: expected an integer");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("sweep", CHAT.toString(), "--grid",
        file("d.json", "{\"axes\": {\"$.tiers[7].policy\": [\"lru\"]}}").toString(), "--out", out), "$.tiers[7].policy");
  }

  @Test
  void aGridGeneratesSeededTracesOnce() throws Exception {
    Path grid = file("gen.json", "{\"axes\": {\"$.tiers[0].policy\": [\"lru\", \"fifo\"]},"
        + " \"generate\": {\"workload\": \"chat\", \"options\": {\"requests\": 60, \"tenants\": 2}, \"seeds\": [1, 2]}}");
    Path out = dir.resolve("gen");
    CliTestSupport.Result r = CliTestSupport.run("sweep", "--grid", grid.toString(), "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    JsonNode t = new ObjectMapper().readTree(out.resolve("sweep.json").toFile());
    assertEquals(4, t.get("points").size());
    assertEquals("1", t.get("points").get(0).get("seed").asText());
    assertEquals("2", t.get("points").get(3).get("seed").asText());
    assertTrue(t.get("points").get(0).get("trace").asText().startsWith("chat-"));
    // different seeds, different traces: the hit ratios of the same policy differ
    assertTrue(t.get("points").get(0).get("first_tier_hit_ratio").asDouble()
        != t.get("points").get(2).get("first_tier_hit_ratio").asDouble());
    Path traces = out.resolve("traces");
    long[] mtimes;
    try (Stream<Path> s = Files.list(traces)) {
      mtimes = s.sorted().mapToLong(p -> p.toFile().lastModified()).toArray();
    }
    assertEquals(2, mtimes.length);
    assertTrue(Files.readString(out.resolve("sweep.csv")).startsWith("point,trace,$.tiers[0].policy,seed,status"));
    // a rerun neither regenerates the traces nor reruns the points
    byte[] csv = Files.readAllBytes(out.resolve("sweep.csv"));
    assertEquals(0, CliTestSupport.run("sweep", "--grid", grid.toString(), "--out", out.toString(), "-q").exit());
    try (Stream<Path> s = Files.list(traces)) {
      assertArrayEquals(mtimes, s.sorted().mapToLong(p -> p.toFile().lastModified()).toArray());
    }
    assertArrayEquals(csv, Files.readAllBytes(out.resolve("sweep.csv")));
  }

  @Test
  void badGenerateSectionsExitTwoNamingThePath() throws Exception {
    String out = dir.resolve("badgen").toString();
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("sweep", "--grid", file("g1.json",
        "{\"axes\": {\"$.max_batch\": [4]}, \"generate\": {\"workload\": \"chat\", \"seeds\": []}}").toString(),
        "--out", out), "$.generate.seeds");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("sweep", "--grid", file("g2.json",
        "{\"axes\": {\"$.max_batch\": [4]}, \"generate\": {\"workload\": \"chat\", \"options\": {\"requestz\": 5},"
            + " \"seeds\": [1]}}").toString(), "--out", out), "requestz");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("sweep", "--grid", file("g3.json",
        "{\"axes\": {\"$.max_batch\": [4]}, \"generate\": {\"workload\": \"chatty\", \"seeds\": [1]}}").toString(),
        "--out", out), "$.generate.workload");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("sweep", "--grid", file("g4.json",
        "{\"axes\": {\"$.max_batch\": [4]}}").toString(), "--out", out), "no traces");
    assertTrue(!Files.exists(Path.of(out, "traces")), "nothing generated for a bad grid");
  }

  @Test
  void aFileThatIsNoTraceStopsTheSweepBeforeAnyOutput() throws Exception {
    Path notTrace = file("rows.parquet", "a,b\n1,2\n");
    Path grid = file("g5.json", "{\"axes\": {\"$.max_batch\": [4, 8]}}");
    Path out = dir.resolve("nottrace");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("sweep", notTrace.toString(), "--grid", grid.toString(),
        "--out", out.toString()), "rows.parquet");
    assertTrue(!Files.exists(out), "no output for a file that is no trace");
  }

  @Test
  void damagedPointFilesAreRunAgainNotFatal() throws Exception {
    Path grid = file("dmg.json", "{\"axes\": {\"$.tiers[0].policy\": [\"lru\", \"fifo\", \"arc\"]}}");
    Path out = dir.resolve("dmg");
    String[] args = {"sweep", CHAT.toString(), "--grid", grid.toString(), "--out", out.toString()};
    assertEquals(0, CliTestSupport.run(args).exit());
    byte[] csv = Files.readAllBytes(out.resolve("sweep.csv"));
    java.util.List<Path> points;
    try (Stream<Path> s = Files.list(out.resolve("points"))) {
      points = s.sorted().toList();
    }
    Files.write(points.get(0), new byte[0]); // left empty by a crash
    byte[] whole = Files.readAllBytes(points.get(1));
    Files.write(points.get(1), java.util.Arrays.copyOf(whole, whole.length / 2)); // torn
    // the summary line goes to the process's stderr
    java.io.ByteArrayOutputStream summary = new java.io.ByteArrayOutputStream();
    java.io.PrintStream stderr = System.err;
    CliTestSupport.Result r;
    System.setErr(new java.io.PrintStream(summary, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      r = CliTestSupport.run(args);
    } finally {
      System.setErr(stderr);
    }
    assertEquals(0, r.exit(), r.err());
    assertTrue(summary.toString(java.nio.charset.StandardCharsets.UTF_8)
        .contains("3 points: 2 run, 1 already done, 0 failed, 2 damaged result files recomputed"), summary.toString());
    assertArrayEquals(csv, Files.readAllBytes(out.resolve("sweep.csv")));
    assertArrayEquals(whole, Files.readAllBytes(points.get(1)));
  }
}
