package io.kvflow.trace.imports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.Progress;
import io.kvflow.trace.inspect.TraceInspector;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token-ids importer: the fixture worked out by hand, a slow reference of the hash rule, extra keys, bad lines. */
class TokenIdsImportTest {
  static final Path FIXTURE = ImportTestSupport.FIXTURES.resolve("token-ids/token_ids_small.jsonl");

  @TempDir
  Path dir;

  /*
   * Working for sample-traces/importers/token-ids/token_ids_small.jsonl (16-token blocks):
   *
   *   req  tokens                  keys                 blocks (full | partial)          hits
   *   r0   1..40 (40)              -                    A0 A1 | t0                        0
   *   r1   1..32,100,101 (34)      -                    A0 A1 | t1                        A0 A1 (32 tokens)
   *   r2   as r1                   cache_salt           S0 S1 | t2  (salt in block 0, chained on)  0
   *   r3   as r1                   lora 7               L0 L1 | t3                        0
   *   r4   as r1                   lora 7, salt null    L0 L1 | t4                        L0 L1 (32)
   *   5    1..32 (32)              img-a at 20..27      A0 Ma                             A0 (16)
   *   6    1..32 (32)              img-b at 20..27      A0 Mb                             A0 (16)
   *
   *   The image lies in block 1 only, so block 0 is r0's A0. Refs 3*5 + 2*2 = 19; distinct
   *   A0 A1 S0 S1 L0 L1 Ma Mb + 5 tails = 13; block hit ratio 6/19; tokens 40+34*4+32*2 = 240,
   *   hit tokens 96, token hit ratio 0.4; arrivals 0 .. 3 s (the last given as arrival_ns).
   */
  @Test
  void fixtureImportsWithTheCountsWorkedOutByHand() {
    Path out = dir.resolve("t.parquet");
    assertEquals(7, ImportTestSupport.run(ImportFormat.TOKEN_IDS, FIXTURE, out));
    ObjectNode stats = TraceInspector.inspect(out, Progress.NONE);
    assertEquals(19, stats.get("block_refs").asLong());
    assertEquals(13, stats.get("distinct_blocks").asLong());
    assertEquals(6.0 / 19, stats.get("ideal_block_hit_ratio").asDouble(), 1e-12);
    assertEquals(0.4, stats.get("ideal_token_hit_ratio").asDouble(), 1e-12);
    assertEquals(3_000_000_000L, stats.get("time_span_ns").asLong());
    List<ImportTestSupport.Row> rows = ImportTestSupport.rows(out);
    long[] r0 = rows.get(0).hashes();
    long[] r1 = rows.get(1).hashes();
    assertEquals(r0[0], r1[0]);
    assertEquals(r0[1], r1[1]);
    assertNotEquals(r0[2], r1[2], "partial last blocks are never shared");
    for (int b = 0; b < 3; b++) {
      assertFalse(contains(r1, rows.get(2).hashes()[b]), "cache_salt separates block " + b);
      assertFalse(contains(r1, rows.get(3).hashes()[b]), "lora separates block " + b);
    }
    assertEquals(rows.get(3).hashes()[1], rows.get(4).hashes()[1]);
    assertEquals("7", rows.get(3).tenant());
    assertEquals(r0[0], rows.get(5).hashes()[0], "an image outside block 0 leaves it shared");
    assertNotEquals(r0[1], rows.get(5).hashes()[1]);
    assertNotEquals(rows.get(5).hashes()[1], rows.get(6).hashes()[1], "different images separate the block");
  }

  @Test
  void sameInputGivesTheSameFileAtEveryBlockSize() throws Exception {
    for (int bt : new int[] {1, 4, 16, 32}) {
      Path a = dir.resolve("a" + bt + ".parquet");
      Path b = dir.resolve("b" + bt + ".parquet");
      ImportTestSupport.run(ImportFormat.TOKEN_IDS, FIXTURE, a, new ImportOptions(bt, "GPU"));
      ImportTestSupport.run(ImportFormat.TOKEN_IDS, FIXTURE, b, new ImportOptions(bt, "GPU"));
      assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "block size " + bt);
      try (TraceReader r = TraceReader.open(a)) {
        assertEquals(bt, r.metadata().blockTokens());
      }
    }
  }

  /** A random request: tokens from a small vocabulary with shared prefixes, extra keys sometimes. */
  record Req(int[] tokens, Integer lora, String salt, String[] mmHash, int[] mmOffset, int[] mmLength, int output) {}

  static List<Req> randomRequests(SplittableRandom rnd, int n) {
    List<Req> out = new ArrayList<>();
    int[] base = new int[200];
    for (int i = 0; i < base.length; i++) {
      base[i] = rnd.nextInt(5);
    }
    for (int r = 0; r < n; r++) {
      int len = 1 + rnd.nextInt(120);
      int[] t = new int[len];
      int shared = rnd.nextInt(len + 1);
      for (int i = 0; i < len; i++) {
        t[i] = i < shared ? base[i] : rnd.nextInt(5);
      }
      Integer lora = rnd.nextInt(4) == 0 ? rnd.nextInt(2) : null;
      String salt = rnd.nextInt(4) == 0 ? "s" + rnd.nextInt(2) : null;
      List<int[]> items = new ArrayList<>();
      int at = rnd.nextInt(len);
      while (rnd.nextInt(3) > 0 && at < len) {
        int l = 1 + rnd.nextInt(Math.min(30, len - at));
        items.add(new int[] {at, l, rnd.nextInt(2)});
        at += l + rnd.nextInt(10);
      }
      String[] h = new String[items.size()];
      int[] o = new int[items.size()];
      int[] l = new int[items.size()];
      for (int k = 0; k < items.size(); k++) {
        o[k] = items.get(k)[0];
        l[k] = items.get(k)[1];
        h[k] = "img" + items.get(k)[2];
      }
      out.add(new Req(t, lora, salt, h, o, l, rnd.nextInt(5)));
    }
    return out;
  }

  static String json(Req q, int id) {
    StringBuilder b = new StringBuilder("{\"request_id\": " + id + ", \"arrival_ns\": " + id * 1000L + ", \"prompt_token_ids\": [");
    for (int i = 0; i < q.tokens().length; i++) {
      b.append(i == 0 ? "" : ",").append(q.tokens()[i]);
    }
    b.append("], \"output_length\": ").append(q.output());
    if (q.lora() != null) {
      b.append(", \"lora_id\": ").append(q.lora());
    }
    if (q.salt() != null) {
      b.append(", \"cache_salt\": \"").append(q.salt()).append('"');
    }
    if (q.mmHash().length > 0) {
      b.append(", \"mm_hashes\": [");
      for (int k = 0; k < q.mmHash().length; k++) {
        b.append(k == 0 ? "" : ",").append("{\"hash\": \"").append(q.mmHash()[k]).append("\", \"offset\": ")
            .append(q.mmOffset()[k]).append(", \"length\": ").append(q.mmLength()[k]).append('}');
      }
      b.append(']');
    }
    return b.append("}\n").toString();
  }

  /**
   * The rule written the slow, obvious way: for every full block, its keys are the LoRA id, every
   * item overlapping the block (checked against all items) with its offset in the block, and the salt
   * in block 0; the hash chains on from the previous block.
   */
  static long[] reference(Req q, int bt) {
    int full = q.tokens().length / bt;
    long[] h = new long[full];
    long parent = TokenBlockHash.NONE_HASH;
    for (int b = 0; b < full; b++) {
      List<Long> keys = new ArrayList<>();
      if (q.lora() != null) {
        keys.add(TokenBlockHash.loraKey(q.lora()));
      }
      for (int k = 0; k < q.mmHash().length; k++) {
        int s = q.mmOffset()[k];
        int e = s + q.mmLength()[k];
        if (s < (b + 1) * bt && e > b * bt) {
          keys.add(TokenBlockHash.mmKey(TokenBlockHash.text(q.mmHash()[k]), s - (long) b * bt));
        }
      }
      if (b == 0 && q.salt() != null) {
        keys.add(TokenBlockHash.saltKey(q.salt()));
      }
      long[] k = keys.stream().mapToLong(Long::longValue).toArray();
      parent = TokenBlockHash.block(parent, q.tokens(), b * bt, bt, k, k.length);
      h[b] = parent;
    }
    return h;
  }

  @Test
  void hashesEqualTheSlowReferenceOnRandomRequests() throws Exception {
    SplittableRandom rnd = new SplittableRandom(15);
    for (int trial = 0; trial < 40; trial++) {
      int bt = 1 + rnd.nextInt(16);
      List<Req> reqs = randomRequests(rnd, 30);
      StringBuilder in = new StringBuilder();
      for (int i = 0; i < reqs.size(); i++) {
        in.append(json(reqs.get(i), i));
      }
      Path f = dir.resolve("r.jsonl");
      Files.writeString(f, in);
      Path out = dir.resolve("r" + trial + ".parquet");
      ImportTestSupport.run(ImportFormat.TOKEN_IDS, f, out, new ImportOptions(bt, "GPU"));
      List<ImportTestSupport.Row> rows = ImportTestSupport.rows(out);
      Set<Long> tails = new HashSet<>();
      Set<Long> fulls = new HashSet<>();
      for (int i = 0; i < reqs.size(); i++) {
        long[] want = reference(reqs.get(i), bt);
        long[] got = rows.get(i).hashes();
        int len = reqs.get(i).tokens().length;
        assertEquals((len + bt - 1) / bt, got.length);
        for (int b = 0; b < want.length; b++) {
          assertEquals(want[b], got[b], "trial " + trial + " request " + i + " block " + b);
          fulls.add(got[b]);
        }
        if (got.length > want.length) {
          assertTrue(tails.add(got[want.length]), "a partial block's id is the request's own");
        }
      }
      for (long t : tails) {
        assertFalse(fulls.contains(t));
      }
    }
  }

  @Test
  void extraKeysSeparateOtherwiseEqualPrefixes() throws Exception {
    int[] t = new int[64];
    for (int i = 0; i < t.length; i++) {
      t[i] = i % 7;
    }
    Req plain = new Req(t, null, null, new String[0], new int[0], new int[0], 1);
    Req salted = new Req(t, null, "x", new String[0], new int[0], new int[0], 1);
    Req salted2 = new Req(t, null, "y", new String[0], new int[0], new int[0], 1);
    Req lora = new Req(t, 1, null, new String[0], new int[0], new int[0], 1);
    Req lora2 = new Req(t, 2, null, new String[0], new int[0], new int[0], 1);
    Req img = new Req(t, null, null, new String[] {"a"}, new int[] {40}, new int[] {8}, 1);
    Req imgMoved = new Req(t, null, null, new String[] {"a"}, new int[] {41}, new int[] {8}, 1);
    Req img2 = new Req(t, null, null, new String[] {"b"}, new int[] {40}, new int[] {8}, 1);
    List<Req> all = List.of(plain, salted, salted2, lora, lora2, img, imgMoved, img2, plain, salted);
    StringBuilder in = new StringBuilder();
    for (int i = 0; i < all.size(); i++) {
      in.append(json(all.get(i), i));
    }
    Path f = dir.resolve("x.jsonl");
    Files.writeString(f, in);
    Path out = dir.resolve("x.parquet");
    ImportTestSupport.run(ImportFormat.TOKEN_IDS, f, out, new ImportOptions(16, "GPU"));
    List<ImportTestSupport.Row> rows = ImportTestSupport.rows(out);
    for (int a = 0; a < 8; a++) {
      for (int b = a + 1; b < 8; b++) {
        long[] x = rows.get(a).hashes();
        long[] y = rows.get(b).hashes();
        boolean imagesOnly = a >= 5 || (a == 0 && b >= 5);
        // the image (tokens 40..48) lies in block 2: blocks 0 and 1 stay shared with the plain prompt
        int shared = imagesOnly ? 2 : 0;
        for (int k = 0; k < 4; k++) {
          assertEquals(k < shared, x[k] == y[k], "requests " + a + ", " + b + ", block " + k);
        }
      }
    }
    assertArrayEquals(rows.get(0).hashes(), rows.get(8).hashes(), "equal prompts, equal keys: equal hashes");
    assertArrayEquals(rows.get(1).hashes(), rows.get(9).hashes());
  }

  static boolean contains(long[] a, long v) {
    for (long x : a) {
      if (x == v) {
        return true;
      }
    }
    return false;
  }

  private void bad(String content, String expected) throws Exception {
    Path in = dir.resolve("bad.jsonl");
    Files.writeString(in, content);
    Path out = dir.resolve("bad.parquet");
    ImportException e = assertThrows(ImportException.class, () -> ImportTestSupport.run(ImportFormat.TOKEN_IDS, in, out));
    assertTrue(e.getMessage().startsWith(in.toString() + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage() + " lacks " + expected);
    assertFalse(e.getMessage().contains("\n"));
    assertFalse(Files.exists(out));
  }

  @Test
  void badLinesNameFileLineAndField() throws Exception {
    String ok = "{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [1, 2], \"output_length\": 1}\n";
    bad(ok + "{\"request_id\": 2, \"arrival\": 1, \"prompt_token_ids\": [1, 2,], \"output_length\": 1}\n", "line 2: malformed JSON");
    bad(ok + "[1, 2]\n", "line 2: expected a JSON object");
    bad("{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [1, \"2\"], \"output_length\": 1}\n",
        "line 1, field prompt_token_ids[1]: expected an integer token id, got a string");
    bad("{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [1, 2.5], \"output_length\": 1}\n",
        "line 1, field prompt_token_ids[1]: expected an integer token id, got '2.5'");
    bad("{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [-3], \"output_length\": 1}\n",
        "field prompt_token_ids[0]: '-3' is not a token id");
    bad("{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [99999999999], \"output_length\": 1}\n",
        "field prompt_token_ids[0]: '99999999999' is not a token id");
    bad("{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [], \"output_length\": 1}\n",
        "field prompt_token_ids: empty");
    bad("{\"request_id\": 1, \"arrival\": 0, \"output_length\": 1}\n", "field prompt_token_ids: missing");
    bad("{\"arrival\": 0, \"prompt_token_ids\": [1], \"output_length\": 1}\n", "field request_id: missing");
    bad("{\"request_id\": [], \"arrival\": 0, \"prompt_token_ids\": [1], \"output_length\": 1}\n",
        "field request_id: expected a string or an integer");
    bad("{\"request_id\": 1, \"prompt_token_ids\": [1], \"output_length\": 1}\n", "field arrival: missing");
    bad("{\"request_id\": 1, \"arrival\": 0, \"arrival_ns\": 5, \"prompt_token_ids\": [1], \"output_length\": 1}\n",
        "field arrival_ns: given with arrival");
    bad("{\"request_id\": 1, \"arrival\": \"0\", \"prompt_token_ids\": [1], \"output_length\": 1}\n",
        "field arrival: expected a number of seconds");
    bad(ok + "{\"request_id\": 2, \"arrival_ns\": -1, \"prompt_token_ids\": [1], \"output_length\": 1}\n",
        "line 2, field arrival_ns: -1 is negative");
    bad("{\"request_id\": 1, \"arrival\": 2, \"prompt_token_ids\": [1], \"output_length\": 1}\n" + ok,
        "line 2, field arrival: before the previous line's arrival");
    bad("{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [1], \"output_length\": -1}\n",
        "field output_length: -1 must be in 0..");
    bad("{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [1], \"output_length\": 1, \"lora_id\": true}\n",
        "field lora_id: expected an integer, a string (LoRA name) or null");
    bad("{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [1], \"output_length\": 1, \"cache_salt\": 5}\n",
        "field cache_salt: expected a string or null");
    bad("{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [1, 2], \"output_length\": 1, \"mm_hashes\": [\"a\"]}\n",
        "field mm_hashes[0]: expected an object {hash, offset, length}");
    bad("{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [1, 2], \"output_length\": 1, \"mm_hashes\": "
        + "[{\"hash\": \"a\", \"length\": 1}]}\n", "field mm_hashes[0].offset: missing");
    bad("{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [1, 2], \"output_length\": 1, \"mm_hashes\": "
        + "[{\"hash\": \"a\", \"offset\": 1, \"length\": 2}]}\n", "field mm_hashes[0]: offset 1 + length 2 is past");
    bad("{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [1, 2, 3], \"output_length\": 1, \"mm_hashes\": "
        + "[{\"hash\": \"a\", \"offset\": 0, \"length\": 2}, {\"hash\": 7, \"offset\": 1, \"length\": 1}]}\n",
        "field mm_hashes[1].offset: 1 overlaps");
    bad("{\"request_id\": 1, \"arrival\": 0, \"prompt_token_ids\": [1], \"output_length\": 1} x\n", "line 1: malformed JSON");
    bad("\n\n", "no requests");
  }
}
