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

/** The Qwen-Bailian importer on the hand-written fixture and on bad lines. */
class QwenBailianImportTest {
  @TempDir
  Path dir;

  /*
   * Working for sample-traces/importers/qwen-bailian/qwen_bailian_small.jsonl (16-token blocks):
   *
   *   chat parent  t(s)  in  ids                 refs  tokens per block        hit tokens
   *   100  -1      0     40  1 2 3               3     16 16 8                 0
   *   101  -1      0.5   20  1 4                 2     16 4   (1 hit)          16
   *   102  100     1.25  64  1 2 5 6             4     16x4   (1, 2 hit)       32
   *   103  102     2     90  1 2 5 6 7 8         6     16x5 10 (1 2 5 6 hit)   64
   *   104  999     2     33  9 10 + tail id      3     16 16 1  (2 ids for 33 tokens: the partial
   *                                                              last block gets an id of its own) 0
   *   105  101     3     32  1 4                 2     16 16  (both hit)        32
   *
   *   requests 6; block refs 3+2+4+6+3+2 = 20; distinct {1..10, tail of 104} = 11;
   *   ideal block hit ratio 1 - 11/20 = 0.45; input tokens 40+20+64+90+33+32 = 279, hit tokens
   *   16+32+64+32 = 144, ideal token hit ratio 144/279.
   *   Sessions: 100 (100, 102, 103), 101 (101, 105), 999 (104: its parent is not in the file) = 3;
   *   tenants text, search, image, file = 4.
   */
  @Test
  void fixtureImportsWithTheCountsWorkedOutByHand() throws Exception {
    Path out = dir.resolve("q.parquet");
    assertEquals(6, ImportTestSupport.run(ImportFormat.QWEN_BAILIAN, ImportTestSupport.QWEN_BAILIAN, out));
    ObjectNode stats = TraceInspector.inspect(out, Progress.NONE);
    assertEquals(6, stats.get("requests").asLong());
    assertEquals(20, stats.get("block_refs").asLong());
    assertEquals(11, stats.get("distinct_blocks").asLong());
    assertEquals(0.45, stats.get("ideal_block_hit_ratio").asDouble(), 1e-12);
    assertEquals(144.0 / 279, stats.get("ideal_token_hit_ratio").asDouble(), 1e-12);
    assertEquals(3, stats.get("sessions").asLong());
    assertEquals(4, stats.get("tenants").asLong());
    assertEquals(3_000_000_000L, stats.get("time_span_ns").asLong());
  }

  @Test
  void rowsRoundTripThroughParquet() throws Exception {
    Path out = dir.resolve("q.parquet");
    ImportTestSupport.run(ImportFormat.QWEN_BAILIAN, ImportTestSupport.QWEN_BAILIAN, out);
    List<ImportTestSupport.Row> rows = ImportTestSupport.rows(out);
    assertEquals(List.of(100L, 101L, 102L, 103L, 104L, 105L), rows.stream().map(ImportTestSupport.Row::id).toList());
    assertEquals(List.of(0L, 500_000_000L, 1_250_000_000L, 2_000_000_000L, 2_000_000_000L, 3_000_000_000L),
        rows.stream().map(ImportTestSupport.Row::arrivalNs).toList());
    assertEquals(List.of(100L, 101L, 100L, 100L, 999L, 101L), rows.stream().map(ImportTestSupport.Row::session).toList());
    assertEquals(List.of("text", "search", "text", "image", "file", "search"),
        rows.stream().map(ImportTestSupport.Row::tenant).toList());
    assertEquals(90, rows.get(3).input());
    assertEquals(0, rows.get(3).output());
    assertArrayEquals(new long[] {1, 2, 5, 6, 7, 8}, rows.get(3).hashes());
    long[] padded = rows.get(4).hashes();
    assertEquals(3, padded.length);
    assertEquals(9, padded[0]);
    assertEquals(10, padded[1]);
    assertTrue(padded[2] != 9 && padded[2] != 10);
    try (TraceReader r = TraceReader.open(out)) {
      TraceMetadata m = r.metadata();
      assertEquals(16, m.blockTokens());
      assertEquals("known", m.extra().get(TraceMetadata.KEY_PREFIX_INFO));
      assertTrue(m.extra().get(TraceMetadata.KEY_SESSION_MEANING).contains("root chat_id"));
      assertTrue(m.extra().get(TraceMetadata.KEY_TENANT_MEANING).contains("type"));
    }
  }

  @Test
  void aPartialTailIdIsTheSameOnEveryImportAndDiffersBetweenRequests() throws Exception {
    Path in = Files.writeString(dir.resolve("t.jsonl"), line(1, -1, "0", 20, "[5]") + line(2, -1, "1", 20, "[5]"));
    Path a = dir.resolve("a.parquet");
    Path b = dir.resolve("b.parquet");
    ImportTestSupport.run(ImportFormat.QWEN_BAILIAN, in, a);
    ImportTestSupport.run(ImportFormat.QWEN_BAILIAN, in, b);
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    List<ImportTestSupport.Row> rows = ImportTestSupport.rows(a);
    assertEquals(rows.get(0).hashes()[0], rows.get(1).hashes()[0]);
    assertNotEquals(rows.get(0).hashes()[1], rows.get(1).hashes()[1]);
  }

  private static String line(long chat, long parent, String t, int in, String ids) {
    return "{\"chat_id\": " + chat + ", \"parent_chat_id\": " + parent + ", \"timestamp\": " + t + ", \"input_length\": "
        + in + ", \"output_length\": 1, \"type\": \"text\", \"turn\": 1, \"hash_ids\": " + ids + "}\n";
  }

  private void fails(String content, String... fragments) throws Exception {
    Path in = Files.writeString(dir.resolve("bad.jsonl"), content);
    Path out = dir.resolve("bad.parquet");
    ImportException e = assertThrows(ImportException.class, () -> ImportTestSupport.run(ImportFormat.QWEN_BAILIAN, in, out));
    assertTrue(e.getMessage().startsWith(in + ": "), e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), e.getMessage() + " lacks " + f);
    }
    assertFalse(e.getMessage().contains("\n"));
    assertFalse(Files.exists(out));
  }

  @Test
  void badLinesAreNamedByLineAndField() throws Exception {
    fails(line(1, -1, "0", 20, "[5, 6]") + line(1, -1, "1", 20, "[5, 6]"), "line 2, field chat_id", "appears twice");
    fails(line(1, -1, "5", 20, "[5, 6]") + line(2, -1, "1", 20, "[5, 6]"), "line 2, field timestamp", "sorted");
    fails(line(1, -1, "0", 20, "[5, 6, 7]"), "line 1, field hash_ids", "3 ids for 20 input tokens");
    fails(line(1, -1, "0", 20, "[5, 6]").replace("\"type\": \"text\", ", ""), "line 1, field type", "missing");
    fails(line(1, 1, "0", 20, "[5, 6]"), "field parent_chat_id", "own id");
    fails(line(1, -2, "0", 20, "[5, 6]"), "field parent_chat_id", "-1 (none)");
    fails(line(1, -1, "-0.5", 20, "[5, 6]"), "field timestamp", "negative");
    fails(line(1, -1, "0", 20, "[5, -6]"), "field hash_ids", "element 1");
    fails(line(1, -1, "0", 0, "[]"), "field input_length", "must be in 1..");
    fails(line(1, -1, "0", 20, "[5, 6]").replace("\"turn\": 1", "\"turn\": \"1\""), "field turn", "expected an integer");
    fails("\n\n", "no requests");
    // a huge negative exponent is read at once as 0 s, not by a 10^999999999 division
    Path tiny = Files.writeString(dir.resolve("tiny.jsonl"), line(1, -1, "1e-999999999", 20, "[5, 6]"));
    assertEquals(1, ImportTestSupport.run(ImportFormat.QWEN_BAILIAN, tiny, dir.resolve("tiny.parquet")));
    fails(line(1, -1, "1e999999999", 20, "[5, 6]"), "field timestamp", "too large");
  }
}
