package io.kvflow.trace.imports;

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

/** Copilot agent sessions: length-only calls, provider-reported cached tokens kept as totals. */
class CopilotSessionsImportTest {
  @TempDir
  Path dir;

  /*
   * Working for sample-traces/importers/copilot-sessions/copilot_sessions_small.jsonl
   * (B = 1717243200 s = 2024-06-01T12:00:00Z):
   *
   *   call (file order) session line  time     prompt completion cached
   *   0                 0 ("s-1")     B        1000   50         0
   *   1                 0             B + 1.5  1200   20         1000
   *   2                 0             B + 30   2000   100        1152
   *   3                 1 (42)        B + 1    500    10         0      (ISO time; its second turn is empty)
   *   4                 2 ("s-3")     B        300    0          256
   *
   *   arrival order (ties in file order): 0, 4, 3, 1, 2 at 0, 0, 1, 1.5, 30 s.
   *   reported: cached 0+1000+1152+0+256 = 2408 of prompt 5000: 0.4816.
   *
   * Session prefix model, continue probability 1, 16-token blocks, in arrival order:
   *   call 0 opens synthetic session 0 within real session 0: ceil(1000/16) = 63 blocks (62 full)
   *   call 4 (real session 2) and call 3 (real session 1) open their own: 19 and 32 blocks
   *   call 1, 1200 > context 1000 + 50: continues call 0: 75 blocks, hits call 0's 62 full ones
   *   call 2, 2000 > context 1200 + 20: continues: 125 blocks, hits call 1's 75
   *   refs 63+19+32+75+125 = 314, distinct 314 - 137 = 177; hit tokens (62+75)*16 = 2192 of 5000.
   */
  @Test
  void fixtureImportsWithTheCountsWorkedOutByHand() throws Exception {
    Path out = dir.resolve("c.parquet");
    assertEquals(5, ImportTestSupport.run(ImportFormat.COPILOT_SESSIONS, ImportTestSupport.COPILOT_SESSIONS, out));
    ObjectNode stats = TraceInspector.inspect(out, Progress.NONE);
    assertEquals(5, stats.get("requests").asLong());
    assertEquals("unknown", stats.get("prefix_sharing").asText());
    assertEquals(0, stats.get("block_refs").asLong());
    assertTrue(stats.get("ideal_block_hit_ratio").isNull());
    assertEquals(2408, stats.get("reported_cached_tokens").asLong());
    assertEquals(0.4816, stats.get("reported_cached_token_ratio").asDouble(), 1e-12);
    assertEquals(3, stats.get("sessions").asLong());
    assertEquals(30_000_000_000L, stats.get("time_span_ns").asLong());

    Path model = dir.resolve("m.parquet");
    ImportTestSupport.run(ImportFormat.COPILOT_SESSIONS, ImportTestSupport.COPILOT_SESSIONS, model,
        new ImportOptions(0, "GPU", new PrefixModel(PrefixModel.Kind.SESSION, 3, 0, 1.0)));
    stats = TraceInspector.inspect(model, Progress.NONE);
    assertEquals("synthetic", stats.get("prefix_sharing").asText());
    assertEquals(314, stats.get("block_refs").asLong());
    assertEquals(177, stats.get("distinct_blocks").asLong());
    assertEquals(137.0 / 314, stats.get("ideal_block_hit_ratio").asDouble(), 1e-12);
    assertEquals(2192.0 / 5000, stats.get("ideal_token_hit_ratio").asDouble(), 1e-12);
    assertEquals(0.4816, stats.get("reported_cached_token_ratio").asDouble(), 1e-12);
    assertEquals(List.of(0L, 2L, 1L, 0L, 0L), ImportTestSupport.rows(model).stream().map(ImportTestSupport.Row::session).toList(),
        "the session column keeps the real sessions under the prefix model");
  }

  @Test
  void rowsRoundTripThroughParquet() throws Exception {
    Path out = dir.resolve("c.parquet");
    ImportTestSupport.run(ImportFormat.COPILOT_SESSIONS, ImportTestSupport.COPILOT_SESSIONS, out);
    List<ImportTestSupport.Row> rows = ImportTestSupport.rows(out);
    assertEquals(List.of(0L, 4L, 3L, 1L, 2L), rows.stream().map(ImportTestSupport.Row::id).toList());
    assertEquals(List.of(0L, 0L, 1_000_000_000L, 1_500_000_000L, 30_000_000_000L),
        rows.stream().map(ImportTestSupport.Row::arrivalNs).toList());
    assertEquals(List.of(0L, 2L, 1L, 0L, 0L), rows.stream().map(ImportTestSupport.Row::session).toList());
    assertEquals(List.of(1000, 300, 500, 1200, 2000), rows.stream().map(ImportTestSupport.Row::input).toList());
    assertEquals(List.of(50, 0, 10, 20, 100), rows.stream().map(ImportTestSupport.Row::output).toList());
    assertTrue(rows.stream().allMatch(r -> r.hashes().length == 0 && r.tenant() == null));
    try (TraceReader r = TraceReader.open(out)) {
      TraceMetadata m = r.metadata();
      assertEquals("unknown", m.extra().get(TraceMetadata.KEY_PREFIX_INFO));
      assertEquals("2408", m.extra().get(TraceMetadata.KEY_REPORTED_CACHED_TOKENS));
      assertEquals("5000", m.extra().get(TraceMetadata.KEY_REPORTED_PROMPT_TOKENS));
    }
  }

  @Test
  void badCallsAreNamed() throws Exception {
    String call = "\"timestamp\": 5, \"duration_ms\": 1, \"prompt_tokens\": 10, \"completion_tokens\": 1";
    String[][] cases = {
        {"{\"session_id\": 1, \"turns\": [{\"llm_calls\": [{" + call + ", \"cached_tokens\": 11}]}]}\n",
            "line 1, field turns[0].llm_calls[0].cached_tokens: 11 must be in 0..10"},
        {"{\"session_id\": 1, \"turns\": [{\"llm_calls\": [{" + call + "}]}]}\n",
            "line 1, field turns[0].llm_calls[0].cached_tokens: missing"},
        {"{\"turns\": []}\n", "line 1, field session_id: missing"},
        {"{\"session_id\": \"x\", \"turns\": [{}]}\n", "field turns[0].llm_calls: missing"},
        {"{\"session_id\": \"x\", \"turns\": [{\"llm_calls\": [{\"timestamp\": \"noon\", \"duration_ms\": 1}]}]}\n",
            "field turns[0].llm_calls[0].timestamp: 'noon' is not a time"},
        {"{\"session_id\": \"x\", \"turns\": []}\n", "no LLM calls in any session"},
    };
    for (String[] c : cases) {
      Path in = Files.writeString(dir.resolve("bad.jsonl"), c[0]);
      Path out = dir.resolve("bad.parquet");
      ImportException e = assertThrows(ImportException.class, () -> ImportTestSupport.run(ImportFormat.COPILOT_SESSIONS, in, out));
      assertTrue(e.getMessage().startsWith(in + ": ") && e.getMessage().contains(c[1]), e.getMessage());
      assertFalse(Files.exists(out));
    }
  }
}
