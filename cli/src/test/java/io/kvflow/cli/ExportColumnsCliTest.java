package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** requests.csv's queue_ns and accesses-trace rows; steps.csv's batch_requests and tokens. */
class ExportColumnsCliTest {
  @TempDir
  Path dir;

  static final ObjectMapper JSON = new ObjectMapper();

  /** Rows of a CSV as header name to cell. */
  static List<java.util.Map<String, String>> rows(Path csv) throws Exception {
    List<String> lines = Files.readAllLines(csv);
    String[] header = lines.get(0).split(",");
    List<java.util.Map<String, String>> out = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", -1);
      assertEquals(header.length, f.length, line);
      java.util.Map<String, String> m = new java.util.HashMap<>();
      for (int i = 0; i < header.length; i++) {
        m.put(header[i], f[i]);
      }
      out.add(m);
    }
    return out;
  }

  @Test
  void timedRequestsQueueBeforeTheirFirstTokenAndStepsCountTheirBatchAndTokens() throws Exception {
    Path out = dir.resolve("r");
    CliTestSupport.Result r = CliTestSupport.run("replay", Path.of("..", "sample-traces", "chat-small.parquet").toString(),
        "--config", "h100-8b", "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    ReportConservation.assertConsistent(out);
    JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
    long inputTokens = 0;
    long queued = 0;
    for (var row : rows(out.resolve("requests.csv"))) {
      long q = Long.parseLong(row.get("queue_ns"));
      long ttft = Long.parseLong(row.get("ttft_ns"));
      assertTrue(q >= 0 && q <= ttft, "queue " + q + " within ttft " + ttft);
      queued += q > 0 ? 1 : 0;
      inputTokens += Long.parseLong(row.get("input_tokens"));
    }
    int maxBatch = 32; // h100-8b's max_batch
    long tokens = 0;
    long appends = 0;
    long batchMax = 0;
    for (var row : rows(out.resolve("steps.csv"))) {
      long b = Long.parseLong(row.get("batch_requests"));
      assertTrue(b >= 1 && b <= maxBatch, "batch " + b);
      batchMax = Math.max(batchMax, b);
      tokens += Long.parseLong(row.get("tokens"));
      appends += Long.parseLong(row.get("appends"));
    }
    assertTrue(batchMax > 1, "continuous batching runs requests together");
    Assumptions.assumeTrue(report.get("totals").get("preemptions").asLong() == 0, "no recomputed prefill");
    // a step's tokens: each admitted request's input once, one per decode token appended
    assertEquals(inputTokens + appends, tokens);
    assertTrue(queued > 0, "300 requests at 2 a second queue behind a batch at times");
  }

  @Test
  void anAccessesTraceHasOneRequestRowPerRequestId() throws Exception {
    Path trace = Path.of("..", "sample-traces", "decode-small.parquet");
    Path out = dir.resolve("a");
    CliTestSupport.Result r = CliTestSupport.run("replay", trace.toString(), "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    ReportConservation.assertConsistent(out);
    long requests = JSON.readTree(CliTestSupport.run("inspect", trace.toString(), "--json", "-q").out()).get("requests")
        .asLong();
    var rows = rows(out.resolve("requests.csv"));
    assertEquals(requests, rows.size());
    long previous = Long.MIN_VALUE;
    long steps = rows(out.resolve("steps.csv")).size();
    for (var row : rows) {
      long id = Long.parseLong(row.get("request_id"));
      assertTrue(id > previous, "in id order");
      previous = id;
      assertTrue(Long.parseLong(row.get("layer_accesses")) > 0);
      long first = Long.parseLong(row.get("first_step"));
      long last = Long.parseLong(row.get("last_step"));
      assertTrue(0 <= first && first <= last && last < steps, first + ".." + last + " of " + steps);
      assertTrue(row.get("arrival_ns").isEmpty() && row.get("ttft_ns").isEmpty());
    }
  }
}
