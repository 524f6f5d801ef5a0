package io.kvflow.trace.imports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

/** The agentic-coding importer: the hand-written fixture, subagent flattening, hash scopes, bad lines. */
class AgenticCodingImportTest {
  @TempDir
  Path dir;

  /*
   * Working for sample-traces/importers/agentic-coding/agentic_coding_small.jsonl (64-token blocks).
   * Pre-order of session 0: #0 t0 n, #1 t5 subagent, #2 t6 n (in #1), #3 t7 s (in #1), #4 t6 n.
   * Time order, ties in pre-order: #0, #1, #2, #4, #3.
   * Sessions start at t 0, 2, 3, 4 (sorted). Merged arrival order (ties: earlier line first):
   *
   *   id  s  t   type      in   ids (aN: session 0 local N, bN: session 1 local N)  hit tokens
   *   0   0  0   n         100  a1 a2               (64 36)                    0
   *   1   1  2   n         128  b1 b2               (local 1, 2 differ from a1, a2) 0
   *   2   2  3   n         64   777                                           0
   *   3   2  4   n         64   777 hit                                       64
   *   4   3  4   n         100  777 hit, 778 (36)                             64
   *   5   0  5   subagent  130  a1 a2 hit, a3 (2)                             128
   *   6   0  6   n         64   a1 hit                                        64
   *   7   0  6   n         150  a1 a2 a3 hit (64 64 22)                       150
   *   8   0  7   s         200  a1 hit, a9 a10 a11 (64 64 8)                  64
   *   9   1  10  n         190  b1 b2 hit, tail id (2 ids for 190 tokens)     128
   *
   *   block refs 2+2+1+1+2+3+1+3+4+3 = 22; distinct a1 a2 a3 a9 a10 a11 b1 b2 b-tail 777 778 = 11;
   *   ideal block hit ratio 1 - 11/22 = 0.5; input tokens 1,190; hit tokens 662: 662/1190.
   */
  @Test
  void fixtureImportsWithTheCountsWorkedOutByHand() throws Exception {
    Path out = dir.resolve("a.parquet");
    assertEquals(10, ImportTestSupport.run(ImportFormat.AGENTIC_CODING, ImportTestSupport.AGENTIC_CODING, out));
    ObjectNode stats = TraceInspector.inspect(out, Progress.NONE);
    assertEquals(10, stats.get("requests").asLong());
    assertEquals(22, stats.get("block_refs").asLong());
    assertEquals(11, stats.get("distinct_blocks").asLong());
    assertEquals(0.5, stats.get("ideal_block_hit_ratio").asDouble(), 1e-12);
    assertEquals(662.0 / 1190, stats.get("ideal_token_hit_ratio").asDouble(), 1e-12);
    assertEquals(4, stats.get("sessions").asLong());
    assertEquals(3, stats.get("tenants").asLong());
    assertEquals(1190, stats.get("input_tokens").get("sum").asLong());
  }

  @Test
  void sessionsAreMergedInTimeOrderAndRoundTripThroughParquet() throws Exception {
    Path out = dir.resolve("a.parquet");
    ImportTestSupport.run(ImportFormat.AGENTIC_CODING, ImportTestSupport.AGENTIC_CODING, out);
    List<ImportTestSupport.Row> rows = ImportTestSupport.rows(out);
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), rows.stream().map(ImportTestSupport.Row::id).toList());
    long s = 1_000_000_000L;
    assertEquals(List.of(0L, 2 * s, 3 * s, 4 * s, 4 * s, 5 * s, 6 * s, 6 * s, 7 * s, 10 * s),
        rows.stream().map(ImportTestSupport.Row::arrivalNs).toList());
    assertEquals(List.of(0L, 1L, 2L, 2L, 3L, 0L, 0L, 0L, 0L, 1L), rows.stream().map(ImportTestSupport.Row::session).toList());
    assertEquals(List.of("n", "n", "n", "n", "n", "subagent", "n", "n", "s", "n"),
        rows.stream().map(ImportTestSupport.Row::tenant).toList());
    assertEquals(List.of(100, 128, 64, 64, 100, 130, 64, 150, 200, 190),
        rows.stream().map(ImportTestSupport.Row::input).toList());
    assertArrayEquals(new long[] {777, 778}, rows.get(4).hashes());
    long a1 = HashList.localScope(0, 1);
    assertArrayEquals(new long[] {a1, HashList.localScope(0, 2), HashList.localScope(0, 3)}, rows.get(7).hashes());
    assertEquals(HashList.localScope(1, 1), rows.get(1).hashes()[0]);
    try (TraceReader r = TraceReader.open(out)) {
      assertEquals(64, r.metadata().blockTokens());
      assertEquals("known", r.metadata().extra().get(TraceMetadata.KEY_PREFIX_INFO));
    }
  }

  @Test
  void nestedSubagentRequestsAreFlattenedInTimeOrderWithTheirParents() {
    // pre-order: #0 t1 (top), #1 t2 subagent (top), #2 t4 (in #1), #3 t3 subagent (in #1),
    // #4 t3 (in #3), #5 t2 (top). Time order, ties in pre-order: #0 t1, #1 t2, #5 t2, #3 t3, #4 t3, #2 t4.
    String line = "{\"block_size\": 16, \"hash_id_scope\": \"global\", \"requests\": ["
        + req("1", "n", "") + ", "
        + req("2", "subagent", ", \"requests\": [" + req("4", "n", "") + ", "
            + req("3", "subagent", ", \"requests\": [" + req("3", "s", "") + "]") + "]") + ", "
        + req("2", "n", "") + "]}";
    AgentSession s = AgenticCodingImporter.parseSession(line, "f", 1, 0, 0);
    assertEquals(6, s.size());
    long[] times = new long[6];
    String[] types = new String[6];
    int[] parents = new int[6];
    for (int p = 0; p < 6; p++) {
      times[p] = s.timeNs(p) / 1_000_000_000L;
      types[p] = s.type(p);
      parents[p] = s.parentPosition(p);
    }
    assertArrayEquals(new long[] {1, 2, 2, 3, 3, 4}, times);
    assertArrayEquals(new String[] {"n", "subagent", "n", "subagent", "s", "n"}, types);
    // #1 is at position 1, #3 at position 3: #5 and #0 have no parent; #3 and #2 have #1; #4 has #3
    assertArrayEquals(new int[] {-1, -1, -1, 1, 3, 1}, parents);
  }

  @Test
  void timeOrderIsStableOnLargeSessionsWithManyTies() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
    for (int size : new int[] {0, 1, 2, 3, 7, 64, 1000, 1025}) {
      AgentSession s = new AgentSession(0, 1);
      long[] none = new long[0];
      long[] times = new long[size];
      for (int i = 0; i < size; i++) {
        times[i] = rnd.nextInt(20);
        s.add(times[i], 1, 0, "n", i == 0 ? AgentSession.NO_PARENT : i - 1, none, 0);
      }
      s.sortByTime();
      for (int p = 1; p < size; p++) {
        assertTrue(s.timeNs(p - 1) <= s.timeNs(p), "size " + size + " position " + p);
      }
      // each request's parent is the one before it in pre-order: equal times keep that order
      for (int p = 0; p < size; p++) {
        int parent = s.parentPosition(p);
        if (parent != AgentSession.NO_PARENT && s.timeNs(parent) == s.timeNs(p)) {
          assertTrue(parent < p, "size " + size + ": a tie keeps pre-order");
        }
      }
    }
  }

  private static String req(String t, String type, String more) {
    return "{\"t\": " + t + ", \"type\": \"" + type + "\", \"in\": 16, \"out\": 1, \"hash_ids\": [5]" + more + "}";
  }

  @Test
  void localIdsOfTwoSessionsNeverMeetButGlobalIdsAreShared() throws Exception {
    String local = "{\"block_size\": 16, \"hash_id_scope\": \"local\", \"requests\": [{\"t\": 0, \"type\": \"n\","
        + " \"in\": 48, \"out\": 1, \"hash_ids\": [0, 1, 2]}]}\n";
    String global = local.replace("local", "global");
    Path out = dir.resolve("s.parquet");
    ImportTestSupport.run(ImportFormat.AGENTIC_CODING, Files.writeString(dir.resolve("l.jsonl"), local + local), out);
    assertEquals(6, TraceInspector.inspect(out, Progress.NONE).get("distinct_blocks").asLong());
    Files.delete(out);
    ImportTestSupport.run(ImportFormat.AGENTIC_CODING, Files.writeString(dir.resolve("g.jsonl"), global + global), out);
    assertEquals(3, TraceInspector.inspect(out, Progress.NONE).get("distinct_blocks").asLong());
    // the mapping is a bijection within a session and separates sessions, over many ids
    io.kvflow.common.LongHashSet seen = new io.kvflow.common.LongHashSet(1 << 16);
    for (long session = 0; session < 64; session++) {
      for (long id = 0; id < 1000; id++) {
        assertTrue(seen.add(HashList.localScope(session, id)), "session " + session + " id " + id);
      }
    }
    assertNotEquals(HashList.localScope(0, 7), 7L);
  }

  private void fails(String content, String... fragments) throws Exception {
    Path in = Files.writeString(dir.resolve("bad.jsonl"), content);
    Path out = dir.resolve("bad.parquet");
    ImportException e = assertThrows(ImportException.class,
        () -> ImportTestSupport.run(ImportFormat.AGENTIC_CODING, in, out));
    assertTrue(e.getMessage().startsWith(in + ": "), e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), e.getMessage() + " lacks " + f);
    }
    assertFalse(e.getMessage().contains("\n"));
    assertFalse(Files.exists(out));
  }

  @Test
  void badSessionsAreNamedByLineAndFieldPath() throws Exception {
    String ok = "{\"block_size\": 16, \"hash_id_scope\": \"global\", \"requests\": [" + req("1", "n", "") + "]}\n";
    fails(ok.replace("\"n\"", "\"x\""), "line 1, field requests[0].type", "expected n, s or subagent");
    fails(ok.replace("\"global\"", "\"shared\""), "line 1, field hash_id_scope", "local or global");
    fails(ok + ok.replace("16, \"hash", "32, \"hash"), "line 2, field block_size", "differs from the file's 16");
    fails(ok.replace("[5]", "[5, 6]"), "field requests[0].hash_ids", "2 ids for 16 input tokens");
    fails(ok.replace("\"in\": 16", "\"in\": 0"), "field requests[0].in", "must be in 1..");
    fails(ok.replace("\"t\": 1", "\"t\": 9") + ok, "line 2, field requests", "sorted");
    fails(ok.replace(", \"block_size\": 16", "").replace("\"block_size\": 16, ", ""), "field block_size", "missing");
    fails(ok.replace("}]}\n", "}, {\"t\": 2, \"type\": \"subagent\", \"in\": 16, \"out\": 1, \"hash_ids\": [5],"
        + " \"requests\": [{\"t\": 3}]}]}\n"), "field requests[1].requests[0].type", "missing");
    fails("{\"block_size\": 16, \"hash_id_scope\": \"global\", \"requests\": 5}\n", "field requests", "expected an array");
    fails("[1]\n", "line 1", "expected a JSON object");
  }
}
