package io.kvflow.trace.imports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.Progress;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.inspect.TraceInspector;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mooncake lines with sessions and delays (AIPerf / Dynamo), full and delta hash ids. */
class MooncakeSessionsImportTest {
  @TempDir
  Path dir;

  /*
   * Working for sample-traces/importers/mooncake-sessions/ (512-token blocks; the delta file lists
   * only the ids each turn adds, so both files describe the same prompts):
   *
   *   line session  timestamp/delay  arrival ms             in    prompt ids  tokens per block
   *   0    "a"      ts 1000          1000                   600   1 2         512 88
   *   1    "a"      delay 500        1000 + 500 = 1500      1100  1 2 3       512 512 76
   *   2    7        ts 1200          1200                   512   1           512
   *   3    "a"      delay 0          1500 + 0 = 1500        1600  1 2 3 4     512 512 512 64
   *   4    7        delay 2000       1200 + 2000 = 3200     1025  1 5 6       512 512 1
   *   5    "7"      (none)           0 (first turn, no ts)  100   9           100
   *
   *   arrival order (ties in file order): lines 5, 0, 2, 1, 3, 4; sessions by first appearance:
   *   "a" 0, 7 1, "7" 2 (the integer and the string are different sessions).
   *   hits in that order: line 2 id 1 (512 tokens); line 1 ids 1 2 (1024); line 3 ids 1 2 3
   *   (1536); line 4 id 1 (512): 3584 hit tokens of 100+600+512+1100+1600+1025 = 4937.
   *   block refs 1+2+1+3+4+3 = 14; distinct {1 2 3 4 5 6 9} = 7; ideal block hit ratio 0.5.
   */
  @Test
  void fixtureImportsWithTheCountsWorkedOutByHand() throws Exception {
    for (ImportFormat f : List.of(ImportFormat.MOONCAKE_SESSIONS, ImportFormat.MOONCAKE_SESSIONS_DELTA)) {
      Path in = f == ImportFormat.MOONCAKE_SESSIONS ? ImportTestSupport.MOONCAKE_SESSIONS : ImportTestSupport.MOONCAKE_SESSIONS_DELTA;
      Path out = dir.resolve(f.cliName() + ".parquet");
      assertEquals(6, ImportTestSupport.run(f, in, out));
      ObjectNode stats = TraceInspector.inspect(out, Progress.NONE);
      assertEquals(6, stats.get("requests").asLong(), f.cliName());
      assertEquals(14, stats.get("block_refs").asLong(), f.cliName());
      assertEquals(7, stats.get("distinct_blocks").asLong(), f.cliName());
      assertEquals(0.5, stats.get("ideal_block_hit_ratio").asDouble(), 1e-12);
      assertEquals(3584.0 / 4937, stats.get("ideal_token_hit_ratio").asDouble(), 1e-12);
      assertEquals(3, stats.get("sessions").asLong());
      assertEquals(3_200_000_000L, stats.get("time_span_ns").asLong());
      assertEquals("known", stats.get("prefix_sharing").asText());
    }
  }

  @Test
  void rowsRoundTripThroughParquetAndBothFormsAgree() throws Exception {
    Path full = dir.resolve("full.parquet");
    Path delta = dir.resolve("delta.parquet");
    ImportTestSupport.run(ImportFormat.MOONCAKE_SESSIONS, ImportTestSupport.MOONCAKE_SESSIONS, full);
    ImportTestSupport.run(ImportFormat.MOONCAKE_SESSIONS_DELTA, ImportTestSupport.MOONCAKE_SESSIONS_DELTA, delta);
    List<ImportTestSupport.Row> rows = ImportTestSupport.rows(full);
    assertEquals(List.of(5L, 0L, 2L, 1L, 3L, 4L), rows.stream().map(ImportTestSupport.Row::id).toList());
    assertEquals(List.of(0L, 1_000_000_000L, 1_200_000_000L, 1_500_000_000L, 1_500_000_000L, 3_200_000_000L),
        rows.stream().map(ImportTestSupport.Row::arrivalNs).toList());
    assertEquals(List.of(2L, 0L, 1L, 0L, 0L, 1L), rows.stream().map(ImportTestSupport.Row::session).toList());
    assertEquals(List.of(100, 600, 512, 1100, 1600, 1025), rows.stream().map(ImportTestSupport.Row::input).toList());
    assertEquals(List.of(1, 20, 10, 30, 5, 0), rows.stream().map(ImportTestSupport.Row::output).toList());
    assertArrayEquals(new long[] {1, 2, 3, 4}, rows.get(4).hashes());
    assertArrayEquals(new long[] {1, 5, 6}, rows.get(5).hashes());
    assertTrue(rows.stream().allMatch(r -> r.tenant() == null));
    List<ImportTestSupport.Row> deltaRows = ImportTestSupport.rows(delta);
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(rows.get(i).id(), deltaRows.get(i).id());
      assertEquals(rows.get(i).arrivalNs(), deltaRows.get(i).arrivalNs());
      assertEquals(rows.get(i).session(), deltaRows.get(i).session());
      assertArrayEquals(rows.get(i).hashes(), deltaRows.get(i).hashes(), "row " + i);
    }
    try (TraceReader r = TraceReader.open(full)) {
      TraceMetadata m = r.metadata();
      assertEquals(512, m.blockTokens());
      assertEquals("known", m.extra().get(TraceMetadata.KEY_PREFIX_INFO));
      assertTrue(m.extra().get(TraceMetadata.KEY_SESSION_MEANING).contains("first appearance"));
    }
  }

  @Test
  void plainMooncakeLinesWithoutSessionsAreRefusedWithAHint() throws Exception {
    Path in = Files.writeString(dir.resolve("plain.jsonl"),
        "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [1]}\n");
    ImportException e = assertThrows(ImportException.class,
        () -> ImportTestSupport.run(ImportFormat.MOONCAKE_SESSIONS, in, dir.resolve("o.parquet")));
    assertTrue(e.getMessage().contains("line 1, field session_id: missing") && e.getMessage().contains("mooncake format"),
        e.getMessage());
  }

  @Test
  void badLinesAreNamed() throws Exception {
    String a = "{\"session_id\": \"a\", \"timestamp\": 1000, \"input_length\": 600, \"output_length\": 1, \"hash_ids\": [1, 2]}\n";
    Object[][] cases = {
        {ImportFormat.MOONCAKE_SESSIONS, a + "{\"session_id\": \"a\", \"timestamp\": 999, \"input_length\": 600,"
            + " \"output_length\": 1, \"hash_ids\": [1, 2]}\n", "line 2, field timestamp: 999 is before the previous turn"},
        {ImportFormat.MOONCAKE_SESSIONS, a + "{\"session_id\": \"a\", \"delay\": -5, \"input_length\": 600,"
            + " \"output_length\": 1, \"hash_ids\": [1, 2]}\n", "line 2, field delay"},
        {ImportFormat.MOONCAKE_SESSIONS, a + "{\"session_id\": \"a\", \"delay\": 5, \"input_length\": 1100,"
            + " \"output_length\": 1, \"hash_ids\": [3]}\n", "line 2, field hash_ids: 1 ids for input_length 1100"},
        {ImportFormat.MOONCAKE_SESSIONS_DELTA, a + "{\"session_id\": \"a\", \"delay\": 5, \"input_length\": 1100,"
            + " \"output_length\": 1, \"hash_ids\": [3, 4]}\n", "4 ids with the previous turn's 2 for input_length 1100"},
        {ImportFormat.MOONCAKE_SESSIONS, "{\"session_id\": [1], \"timestamp\": 0}\n", "line 1, field session_id"},
    };
    for (Object[] c : cases) {
      Path in = Files.writeString(dir.resolve("bad.jsonl"), (String) c[1]);
      Path out = dir.resolve("bad.parquet");
      ImportException e = assertThrows(ImportException.class, () -> ImportTestSupport.run((ImportFormat) c[0], in, out));
      assertTrue(e.getMessage().startsWith(in + ": ") && e.getMessage().contains((String) c[2]), e.getMessage());
      assertFalse(Files.exists(out));
    }
  }
}
