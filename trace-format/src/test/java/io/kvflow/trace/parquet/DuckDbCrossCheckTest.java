package io.kvflow.trace.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvflow.common.Progress;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.generate.Params;
import io.kvflow.trace.generate.Workload;
import io.kvflow.trace.generate.WorkloadGenerator;
import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Another engine (DuckDB) reads our files and gets the same row counts and column sums as our reader. */
class DuckDbCrossCheckTest {
  @TempDir
  Path dir;

  private Path generate(Workload w, Map<String, String> params) {
    WorkloadGenerator g = w.create();
    Path out = dir.resolve(w.cliName() + ".parquet");
    g.generate(new Params(w.cliName(), g.params(), params), out, Progress.NONE);
    return out;
  }

  private static String[] duck(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      String[] out = new String[rs.getMetaData().getColumnCount()];
      for (int i = 0; i < out.length; i++) {
        out[i] = rs.getString(i + 1);
      }
      return out;
    }
  }

  @Test
  void accessesTraceSumsAgree() throws Exception {
    Path f = generate(Workload.DECODE, Map.of("requests", "3", "context", "300", "steps", "20", "layers", "4"));
    BigInteger time = BigInteger.ZERO;
    BigInteger block = BigInteger.ZERO;
    long rows = 0;
    long step = 0;
    long layer = 0;
    long op = 0;
    long tokens = 0;
    long masses = 0;
    double mass = 0;
    try (TraceReader r = TraceReader.open(f); AccessBatch b = r.newAccessBatch(10_000)) {
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          rows++;
          time = time.add(BigInteger.valueOf(b.timeNs(i)));
          block = block.add(BigInteger.valueOf(b.block(i)));
          step += b.step(i);
          layer += b.layer(i);
          op += b.op(i);
          tokens += b.tokens(i);
          if (b.hasAttnMass(i)) {
            masses++;
            mass += b.attnMass(i);
          }
        }
      }
    }
    String[] d = duck("SELECT count(*), sum(time_ns::HUGEINT), sum(block::HUGEINT), sum(step), sum(layer), sum(op), "
        + "sum(tokens), count(attn_mass), sum(attn_mass::DOUBLE) FROM read_parquet('" + f + "')");
    assertEquals(rows, Long.parseLong(d[0]));
    assertEquals(time, new BigInteger(d[1]));
    assertEquals(block, new BigInteger(d[2]));
    assertEquals(step, Long.parseLong(d[3]));
    assertEquals(layer, Long.parseLong(d[4]));
    assertEquals(op, Long.parseLong(d[5]));
    assertEquals(tokens, Long.parseLong(d[6]));
    assertEquals(masses, Long.parseLong(d[7]));
    assertEquals(mass, Double.parseDouble(d[8]), 1e-6 * rows);
  }

  @Test
  void requestsTraceSumsAgree() throws Exception {
    Path f = generate(Workload.CHAT, Map.of("requests", "500", "seed", "3"));
    long rows = 0;
    long input = 0;
    long output = 0;
    long hashes = 0;
    BigInteger hashSum = BigInteger.ZERO;
    BigInteger arrival = BigInteger.ZERO;
    long sessions = 0;
    try (TraceReader r = TraceReader.open(f); RequestBatch b = r.newRequestBatch(77)) {
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          rows++;
          input += b.inputTokens(i);
          output += b.outputTokens(i);
          arrival = arrival.add(BigInteger.valueOf(b.arrivalNs(i)));
          sessions += b.sessionId(i);
          for (int k = b.hashStart(i); k < b.hashEnd(i); k++) {
            hashes++;
            hashSum = hashSum.add(BigInteger.valueOf(b.hash(k)));
          }
        }
      }
    }
    String[] d = duck("SELECT count(*), sum(input_tokens), sum(output_tokens), sum(arrival_ns::HUGEINT), "
        + "sum(len(block_hashes)), sum(session_id), count(DISTINCT tenant) FROM read_parquet('" + f + "')");
    assertEquals(rows, Long.parseLong(d[0]));
    assertEquals(input, Long.parseLong(d[1]));
    assertEquals(output, Long.parseLong(d[2]));
    assertEquals(arrival, new BigInteger(d[3]));
    assertEquals(hashes, Long.parseLong(d[4]));
    assertEquals(sessions, Long.parseLong(d[5]));
    assertEquals("4", d[6]);
    String[] h = duck("SELECT sum(h::HUGEINT) FROM (SELECT unnest(block_hashes) AS h FROM read_parquet('" + f + "'))");
    assertEquals(hashSum, new BigInteger(h[0]));
  }
}
