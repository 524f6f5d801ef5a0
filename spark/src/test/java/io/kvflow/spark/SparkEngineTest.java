package io.kvflow.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvflow.cli.Main;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.generate.Rng;
import io.kvflow.trace.generate.ZipfSampler;
import io.kvflow.trace.parquet.AccessTraceWriter;
import io.kvflow.trace.parquet.RequestTraceWriter;
import io.kvflow.trace.parquet.TraceReader;
import io.kvflow.trace.parquet.WriterOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark engine through the real command line, against the local engine: identical sweep tables
 * and identical partitioned reuse studies, on traces split over many row groups (so over many Spark
 * input partitions, whose order must be kept).
 */
class SparkEngineTest {
  static final Path CHAT = Path.of("..", "sample-traces", "chat-small.parquet");
  static final Path DECODE = Path.of("..", "sample-traces", "decode-small.parquet");

  @TempDir
  static Path dir;

  static Path accesses;
  static Path requests;

  record Result(int exit, String err) {}

  static Result kvflow(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(exit, err.toString());
  }

  @BeforeAll
  static void traces() {
    // Spark reads small splits, so a trace spans several input partitions whose order must be kept
    System.setProperty("spark.sql.files.maxPartitionBytes", "65536");
    System.setProperty("spark.sql.files.openCostInBytes", "1024");
    // Zipf reads over 20,000 blocks with some APPEND and FREE rows (not references), 64 KiB row groups
    accesses = dir.resolve("zipf.parquet");
    Rng rng = new Rng(7);
    ZipfSampler zipf = new ZipfSampler(20_000, 1.0);
    try (AccessTraceWriter w = AccessTraceWriter.open(accesses, TraceMetadata.of(TraceKind.ACCESSES, 16, "test"),
        WriterOptions.DEFAULT.withRowGroupBytes(1 << 16))) {
      for (int i = 0; i < 400_000; i++) {
        int op = rng.nextInt(10) == 0 ? AccessOp.APPEND.code() : rng.nextInt(20) == 0 ? AccessOp.FREE.code()
            : rng.nextInt(4) == 0 ? AccessOp.WRITE.code() : AccessOp.READ.code();
        w.append(i, i % 97, 0, 0, zipf.sample(rng), op, 16, Float.NaN);
      }
      w.commit();
    }
    // requests sharing prefixes, a third of them without hashes (their blocks get keys of their own)
    requests = dir.resolve("requests.parquet");
    try (RequestTraceWriter w = RequestTraceWriter.open(requests, TraceMetadata.of(TraceKind.REQUESTS, 16, "test"),
        WriterOptions.DEFAULT.withRowGroupBytes(1 << 16))) {
      long[] hashes = new long[64];
      for (int r = 0; r < 30_000; r++) {
        int tokens = 16 * (1 + rng.nextInt(64)) - rng.nextInt(16);
        int n = (tokens + 15) / 16;
        long parent = rng.nextInt(50);
        for (int k = 0; k < n; k++) {
          parent = io.kvflow.common.Hashing.chain(parent, k < 8 ? 0 : rng.nextInt(3));
          hashes[k] = parent;
        }
        w.append(r, r * 1000L, "t", false, 0, tokens, 10, hashes, 0, r % 3 == 0 ? 0 : n);
      }
      w.commit();
    }
    try (TraceReader r = TraceReader.open(accesses)) {
      assertTrue(r.rowGroupCount() >= 8, "row groups: " + r.rowGroupCount());
    }
    try (TraceReader r = TraceReader.open(requests)) {
      assertTrue(r.rowGroupCount() >= 4, "row groups: " + r.rowGroupCount());
    }
  }

  private static void assertSameReuse(Path trace, String partitions) throws Exception {
    Path local = dir.resolve("local-" + trace.getFileName() + partitions);
    Path spark = dir.resolve("spark-" + trace.getFileName() + partitions);
    Result l = kvflow("reuse", trace.toString(), "--partitions", partitions, "--sizes", "100,1000,5000", "--out",
        local.toString(), "-q");
    assertEquals(0, l.exit(), l.err());
    Result s = kvflow("reuse", trace.toString(), "--engine", "spark", "--partitions", partitions, "--sizes",
        "100,1000,5000", "--out", spark.toString(), "-q");
    assertEquals(0, s.exit(), s.err());
    assertArrayEquals(Files.readAllBytes(local.resolve("reuse.json")), Files.readAllBytes(spark.resolve("reuse.json")));
    assertArrayEquals(Files.readAllBytes(local.resolve("mrc.csv")), Files.readAllBytes(spark.resolve("mrc.csv")));
    JsonNode study = new ObjectMapper().readTree(spark.resolve("reuse.json").toFile());
    assertEquals(Integer.parseInt(partitions), study.get("partitions").asInt());
    assertTrue(study.get("accesses").asLong() > 0);
  }

  @Test
  void partitionedReuseOfAnAccessesTraceEqualsTheLocalOne() throws Exception {
    try (SparkEngine engine = new SparkEngine()) {
      int inputPartitions = engine.session().read().parquet(accesses.toString()).javaRDD().getNumPartitions();
      assertTrue(inputPartitions >= 4, "Spark input partitions: " + inputPartitions);
    }
    assertSameReuse(accesses, "16");
    JsonNode study = new ObjectMapper().readTree(dir.resolve("spark-zipf.parquet16").resolve("reuse.json").toFile());
    // READ and WRITE rows only
    long refs = 0;
    try (TraceReader r = TraceReader.open(accesses); var b = r.newAccessBatch(4096)) {
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          refs += b.op(i) <= AccessOp.WRITE.code() ? 1 : 0;
        }
      }
    }
    assertEquals(refs, study.get("accesses").asLong());
  }

  @Test
  void partitionedReuseOfARequestsTraceEqualsTheLocalOne() throws Exception {
    assertSameReuse(requests, "8");
  }

  @Test
  void sparkSweepGivesTheLocalTable() throws Exception {
    Path grid = Files.writeString(dir.resolve("grid.json"), "{\"axes\": {\"$.tiers[0].policy\": [\"lru\", \"arc\"],"
        + " \"$.tiers[0].capacity_bytes\": [1000000000, 4000000000], \"$.max_batch\": [4, 8]}}");
    Path local = dir.resolve("sweep-local");
    Path spark = dir.resolve("sweep-spark");
    Result l = kvflow("sweep", CHAT.toString(), "--grid", grid.toString(), "--out", local.toString(), "-q");
    assertEquals(0, l.exit(), l.err());
    Result s = kvflow("sweep", CHAT.toString(), "--grid", grid.toString(), "--engine", "spark", "--out",
        spark.toString(), "-q");
    assertEquals(0, s.exit(), s.err());
    for (String f : new String[] {"sweep.csv", "sweep.json", "sweep.parquet", "report.html"}) {
      assertArrayEquals(Files.readAllBytes(local.resolve(f)), Files.readAllBytes(spark.resolve(f)), f);
    }
    JsonNode t = new ObjectMapper().readTree(spark.resolve("sweep.json").toFile());
    assertEquals(8, t.get("points").size());
    // a rerun on Spark skips every point: no task runs, the table is unchanged
    long before = Files.list(spark.resolve("points")).count();
    assertEquals(0, kvflow("sweep", CHAT.toString(), "--grid", grid.toString(), "--engine", "spark", "--out",
        spark.toString(), "-q").exit());
    assertEquals(before, Files.list(spark.resolve("points")).count());
    assertArrayEquals(Files.readAllBytes(local.resolve("sweep.csv")), Files.readAllBytes(spark.resolve("sweep.csv")));
  }

  @Test
  void aFailingPointOnSparkIsItsErrorRowAndTheOthersAreKept() throws Exception {
    // opt's first pass finds the decode trace's APPEND rows only while it runs: a point that fails
    // on the data, not one refused up front by its config
    Path cfg = Files.writeString(dir.resolve("one.json"), "{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\","
        + " \"kind\": \"hbm\", \"capacity_blocks\": 500}]}");
    Path grid = Files.writeString(dir.resolve("fail.json"), "{\"axes\": {\"$.tiers[0].policy\": [\"lru\", \"opt\"]}}");
    Path local = dir.resolve("fail-local");
    Path spark = dir.resolve("fail-spark");
    assertEquals(1, kvflow("sweep", DECODE.toString(), "--grid", grid.toString(), "--config", cfg.toString(), "--out",
        local.toString(), "-q").exit());
    Result s = kvflow("sweep", DECODE.toString(), "--grid", grid.toString(), "--config", cfg.toString(), "--engine",
        "spark", "--out", spark.toString(), "-q");
    assertEquals(1, s.exit(), "a failed point makes the sweep fail");
    JsonNode t = new ObjectMapper().readTree(spark.resolve("sweep.json").toFile());
    assertEquals("ok", t.get("points").get(0).get("status").asText());
    assertEquals("error", t.get("points").get(1).get("status").asText());
    assertEquals("opt", t.get("points").get(1).get("$.tiers[0].policy").asText());
    assertTrue(t.get("points").get(1).get("error").asText().contains("reads and writes only"));
    // the ok rows are identical (the error row names the trace where each engine read it)
    String ok = Files.readAllLines(local.resolve("sweep.csv")).get(1);
    assertEquals(ok, Files.readAllLines(spark.resolve("sweep.csv")).get(1));
  }

  @Test
  void badInputExitsTwoWithOneLine() throws Exception {
    Result noPartitions = kvflow("reuse", accesses.toString(), "--engine", "spark", "--out", dir.resolve("x").toString());
    assertEquals(2, noPartitions.exit());
    assertTrue(noPartitions.err().contains("--partitions"), noPartitions.err());
    Result missing = kvflow("reuse", dir.resolve("nope.parquet").toString(), "--engine", "spark", "--partitions", "4",
        "--out", dir.resolve("y").toString());
    assertEquals(2, missing.exit());
    assertTrue(missing.err().contains("nope.parquet") && missing.err().strip().lines().count() == 1, missing.err());
    Path notTrace = Files.writeString(dir.resolve("csv.parquet"), "a,b\n1,2\n");
    Result bad = kvflow("reuse", notTrace.toString(), "--engine", "spark", "--partitions", "4", "--out",
        dir.resolve("z").toString());
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("csv.parquet") && bad.err().strip().lines().count() == 1, bad.err());
    assertTrue(!Files.exists(dir.resolve("z")), "no output directory for bad input");
    Path grid = Files.writeString(dir.resolve("g-bad.json"), "{\"axes\": {\"$.max_batch\": [4, 8]}}");
    Result sweep = kvflow("sweep", notTrace.toString(), "--grid", grid.toString(), "--engine", "spark", "--out",
        dir.resolve("w").toString());
    assertEquals(2, sweep.exit());
    assertTrue(sweep.err().contains("csv.parquet") && sweep.err().strip().lines().count() == 1, sweep.err());
    assertTrue(!Files.exists(dir.resolve("w")), "no output directory for bad input");
  }
}
