package io.kvflow.trace.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import io.kvflow.common.BadInputException;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each importer on small inputs written here: every record checked, every bad input named. */
class ImporterUnitTest {
  @TempDir
  Path dir;

  private Path text(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }

  private List<long[]> accesses(Path f) {
    List<long[]> out = new ArrayList<>();
    try (TraceReader r = TraceReader.open(f); AccessBatch b = r.newAccessBatch(100)) {
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          out.add(new long[] {b.timeNs(i), b.requestId(i), b.step(i), b.layer(i), b.block(i), b.op(i), b.tokens(i)});
        }
      }
    }
    return out;
  }

  /** Runs an import expected to fail: one-line message with the fragments, and no output left. */
  private String fails(ImportFormat f, Path in, String... fragments) throws Exception {
    Path out = dir.resolve("out.parquet");
    ImportException e = assertThrows(ImportException.class, () -> ImportTestSupport.run(f, in, out));
    for (String frag : fragments) {
      assertTrue(e.getMessage().contains(frag), e.getMessage() + " lacks " + frag);
    }
    assertTrue(e.getMessage().startsWith(in.toString() + ": "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    assertFalse(Files.exists(out));
    try (Stream<Path> s = Files.list(dir)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no temporary file left");
    }
    return e.getMessage();
  }

  @Test
  void mooncakeRecordsAreImportedExactly() throws Exception {
    Path in = text("m.jsonl", "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 5, \"hash_ids\": [7, 8]}\n"
        + "\n{\"hash_ids\": [7], \"timestamp\": 3, \"input_length\": 512, \"output_length\": 0, \"extra\": [1]}\n");
    Path out = dir.resolve("m.parquet");
    assertEquals(2, ImportTestSupport.run(ImportFormat.MOONCAKE, in, out));
    try (TraceReader r = TraceReader.open(out); RequestBatch b = r.newRequestBatch(10)) {
      assertEquals(TraceKind.REQUESTS, r.kind());
      assertEquals(512, r.metadata().blockTokens());
      r.next(b);
      assertEquals(2, b.size());
      assertEquals(0, b.requestId(0));
      assertEquals(1, b.requestId(1));
      assertEquals(3_000_000L, b.arrivalNs(1));
      assertEquals(600, b.inputTokens(0));
      assertEquals(5, b.outputTokens(0));
      assertEquals(2, b.hashEnd(0) - b.hashStart(0));
      assertEquals(8, b.hash(1));
      assertEquals(7, b.hash(b.hashStart(1)));
    }
  }

  @Test
  void mooncakeBadInputs() throws Exception {
    fails(ImportFormat.MOONCAKE, text("a.jsonl", "{\"timestamp\": 0, \"input_length\": 10"), "line 1", "malformed JSON");
    fails(ImportFormat.MOONCAKE, text("b.jsonl", "{\"timestamp\": 0, \"input_length\": 10, \"hash_ids\": [1]}\n"),
        "line 1, field output_length: missing");
    fails(ImportFormat.MOONCAKE, text("c.jsonl", "{\"timestamp\": \"x\", \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [1]}"),
        "field timestamp: expected an integer, got a string");
    fails(ImportFormat.MOONCAKE, text("d.jsonl", "{\"timestamp\": 0, \"input_length\": -10, \"output_length\": 1, \"hash_ids\": []}"),
        "field input_length: -10 must be");
    fails(ImportFormat.MOONCAKE, text("e.jsonl", "{\"timestamp\": 0, \"input_length\": 1000, \"output_length\": 1, \"hash_ids\": [1]}"),
        "field hash_ids: 1 ids for input_length 1000; expected ceil(1000 / 512) = 2");
    fails(ImportFormat.MOONCAKE, text("f.jsonl",
        "{\"timestamp\": 5, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [1]}\n"
            + "{\"timestamp\": 4, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [1]}\n"),
        "line 2, field timestamp: 4 is before the previous line's 5");
    fails(ImportFormat.MOONCAKE, text("g.jsonl", ""), "empty file");
    fails(ImportFormat.MOONCAKE, text("h.jsonl", "\n\n"), "no requests");
    fails(ImportFormat.MOONCAKE, text("i.jsonl", "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [\"a\"]}"),
        "field hash_ids: element 0: expected an integer, got a string");
  }

  @Test
  void mooncakeHashIdsAreUnsigned64BitIntegersNeverCut() throws Exception {
    String line = "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 5, \"hash_ids\": [%s, 8]}\n";
    // 2^64 and -1 would both become the bits of 2^64 - 1 if cut: refused rather than made to meet
    fails(ImportFormat.MOONCAKE, text("big.jsonl", String.format(line, "18446744073709551616")), "line 1, field hash_ids",
        "element 0: '18446744073709551616' is outside 0..2^64-1");
    fails(ImportFormat.MOONCAKE, text("huge.jsonl", String.format(line, "1" + "0".repeat(40))), "element 0: '1000");
    fails(ImportFormat.MOONCAKE, text("neg.jsonl", String.format(line, "-1")), "element 0: '-1' is outside 0..2^64-1");
    Path max = text("max.jsonl", String.format(line, "18446744073709551615") + String.format(line, "9223372036854775807")
        .replace("\"timestamp\": 0", "\"timestamp\": 1"));
    Path out = dir.resolve("max.parquet");
    assertEquals(2, ImportTestSupport.run(ImportFormat.MOONCAKE, max, out));
    try (TraceReader r = TraceReader.open(out); RequestBatch b = r.newRequestBatch(10)) {
      r.next(b);
      assertEquals(-1L, b.hash(b.hashStart(0))); // 2^64 - 1, its 64 bits
      assertEquals(Long.MAX_VALUE, b.hash(b.hashStart(1)));
    }
  }

  @Test
  void quotedInputStaysOneLineAndShowsItsControlCharacters() throws Exception {
    String h = AzureImporter.HEADER + "\n";
    String m = fails(ImportFormat.AZURE, text("sep.csv", h + "2023-11-16 18:15:46.6805900,12\u202834,5\n"),
        "field ContextTokens: '12\\u202834' is not an integer");
    assertFalse(m.contains("\u2028"));
    fails(ImportFormat.AZURE, text("esc.csv", h + "\u001b[31m2023,3,4\n"), "field TIMESTAMP: '\\u001B[31m2023'");
    fails(ImportFormat.AZURE, text("bidi.csv", h + "2023-11-16 18:15:46.6805900,3,4\u202e\n"),
        "field GeneratedTokens: '4\\u202E' is not an integer");
  }

  @Test
  void azureCountsAreAsciiDigits() throws Exception {
    String h = AzureImporter.HEADER + "\n";
    fails(ImportFormat.AZURE, text("arabic.csv", h + "2023-11-16 18:15:46.6805900,\u0663\u0667\u0664,44\n"),
        "line 2, field ContextTokens: '\u0663\u0667\u0664' is not an integer (ASCII digits)");
    fails(ImportFormat.AZURE, text("fullwidth.csv", h + "2023-11-16 18:15:46.6805900,3,\uff14\n"),
        "field GeneratedTokens: '\uff14' is not an integer");
  }

  @Test
  void mooncakeBlockTokensOverride() throws Exception {
    Path in = text("q.jsonl", "{\"timestamp\": 0, \"input_length\": 33, \"output_length\": 1, \"hash_ids\": [1, 2, 3]}\n");
    Path out = dir.resolve("q.parquet");
    ImportTestSupport.run(ImportFormat.MOONCAKE, in, out, new ImportOptions(16, "GPU"));
    assertEquals(16, TraceReader.readMetadata(out).blockTokens());
  }

  @Test
  void azureBadInputs() throws Exception {
    String h = AzureImporter.HEADER + "\n";
    fails(ImportFormat.AZURE, text("a.csv", "time,a,b\n"), "line 1", "expected TIMESTAMP,ContextTokens,GeneratedTokens");
    fails(ImportFormat.AZURE, text("b.csv", h + "2023-11-16 18:15:46.6805900,374\n"), "line 2", "2 fields; expected 3");
    fails(ImportFormat.AZURE, text("c.csv", h + "yesterday,374,44\n"), "line 2, field TIMESTAMP");
    fails(ImportFormat.AZURE, text("d.csv", h + "2023-11-16 18:15:46.6805900,-3,44\n"), "field ContextTokens: -3 must be");
    fails(ImportFormat.AZURE, text("e.csv", h + "2023-11-16 18:15:46.6805900,3,x\n"), "field GeneratedTokens: 'x' is not an integer");
    fails(ImportFormat.AZURE, text("f.csv", h + "2023-11-16 18:15:46.6805900,3,4\n2023-11-16 18:15:45.0000000,3,4\n"),
        "line 3, field TIMESTAMP", "sorted");
    fails(ImportFormat.AZURE, text("g.csv", h), "no rows");
    Path ok = text("ok.csv", h + "2023-11-16 18:15:46.6805900,374,44\r\n2023-11-16 18:15:47.0000001,3,0\r\n");
    Path out = dir.resolve("ok.parquet");
    assertEquals(2, ImportTestSupport.run(ImportFormat.AZURE, ok, out));
    try (TraceReader r = TraceReader.open(out); RequestBatch b = r.newRequestBatch(10)) {
      r.next(b);
      assertEquals(0, b.arrivalNs(0));
      assertEquals(319_410_100L, b.arrivalNs(1));
      assertEquals(0, b.hashEnd(1));
    }
  }

  private Path oracleFile(String name, long[][] records, boolean zstd) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(records.length * 24).order(ByteOrder.LITTLE_ENDIAN);
    for (long[] r : records) {
      b.putInt((int) r[0]).putLong(r[1]).putInt((int) r[2]).putLong(r[3]);
    }
    byte[] bytes = b.array();
    return Files.write(dir.resolve(name), zstd ? Zstd.compress(bytes) : bytes);
  }

  @Test
  void oracleGeneralEveryRecordImported() throws Exception {
    SplittableRandom rnd = new SplittableRandom(5);
    long[][] records = new long[5000][];
    for (int i = 0; i < records.length; i++) {
      // small times first, then times above 2^31 to check they are read as unsigned
      long ts = i < 9 ? i / 2 : 0xFFFF_FFF0L + Math.min(15, (i - 9) / 500);
      long id = i == 7 ? -1L : rnd.nextLong(); // uint64 2^64-1 becomes -1
      records[i] = new long[] {ts, id, rnd.nextInt(1 << 20), rnd.nextLong()};
    }
    for (boolean zstd : new boolean[] {false, true}) {
      Path in = oracleFile(zstd ? "t.oracleGeneral.zst" : "t.oracleGeneral", records, zstd);
      Path out = dir.resolve("o.parquet");
      assertEquals(records.length, ImportTestSupport.run(ImportFormat.ORACLE_GENERAL, in, out));
      List<long[]> rows = accesses(out);
      assertEquals(records.length, rows.size());
      for (int i = 0; i < records.length; i++) {
        long[] r = rows.get(i);
        assertEquals((records[i][0] & 0xFFFF_FFFFL) * 1_000_000_000L, r[0], "time of record " + i);
        assertEquals(records[i][1], r[4], "obj_id of record " + i);
        assertEquals(AccessOp.READ.code(), r[5]);
        assertEquals(-1, r[3]);
      }
    }
  }

  @Test
  void oracleGeneralBadInputs() throws Exception {
    byte[] good = Files.readAllBytes(oracleFile("g.bin", new long[][] {{1, 2, 3, 4}, {2, 3, 4, 5}}, false));
    fails(ImportFormat.ORACLE_GENERAL, Files.write(dir.resolve("trunc.bin"), java.util.Arrays.copyOf(good, 30)),
        "byte offset 24, field obj_id: truncated record (6 of 24 bytes)");
    fails(ImportFormat.ORACLE_GENERAL, oracleFile("order.bin", new long[][] {{5, 2, 3, 4}, {4, 3, 4, 5}}, false),
        "byte offset 24, field timestamp: 4 is before");
    fails(ImportFormat.ORACLE_GENERAL, Files.write(dir.resolve("empty.bin"), new byte[0]), "empty file");
    fails(ImportFormat.ORACLE_GENERAL, Files.write(dir.resolve("bad.zst"), good), "unreadable");
  }

  @Test
  void vllmEventsBothFormsGiveTheSameTrace() throws Exception {
    String arrays = "[1700000000.5, [[\"BlockStored\", [11, 12], null, [1, 2, 3], 16, null, \"GPU\"],"
        + " [\"BlockStored\", [99], 12, [4], 16, null, \"CPU\"]]]\n"
        + "[1700000000.75, [[\"BlockRemoved\", [11], \"GPU\"]], 0]\n"
        + "[1700000001, [[\"BlockStored\", [13], 12, [5], 16, null, null], [\"AllBlocksCleared\"]]]\n";
    String named = "{\"ts\": 1700000000.5, \"events\": [{\"type\": \"BlockStored\", \"block_hashes\": [11, 12],"
        + " \"parent_block_hash\": null, \"token_ids\": [1, 2, 3], \"block_size\": 16, \"lora_id\": null, \"medium\": \"GPU\"},"
        + " {\"type\": \"BlockStored\", \"block_hashes\": [99], \"parent_block_hash\": 12, \"token_ids\": [4], \"block_size\": 16, \"medium\": \"CPU\"}]}\n"
        + "{\"ts\": 1700000000.75, \"events\": [{\"type\": \"BlockRemoved\", \"block_hashes\": [11], \"medium\": \"GPU\"}]}\n"
        + "{\"ts\": 1700000001, \"events\": [{\"type\": \"BlockStored\", \"block_hashes\": [13], \"parent_block_hash\": 12,"
        + " \"token_ids\": [5], \"block_size\": 16}, {\"type\": \"AllBlocksCleared\"}]}\n";
    Path a = dir.resolve("a.parquet");
    Path n = dir.resolve("n.parquet");
    ImportTestSupport.run(ImportFormat.VLLM_EVENTS, text("a.jsonl", arrays), a);
    ImportTestSupport.run(ImportFormat.VLLM_EVENTS, text("n.jsonl", named), n);
    List<long[]> ra = accesses(a);
    List<long[]> rn = accesses(n);
    assertEquals(ra.size(), rn.size());
    for (int i = 0; i < ra.size(); i++) {
      assertTrue(java.util.Arrays.equals(ra.get(i), rn.get(i)), "row " + i);
    }
    // WRITE 11, WRITE 12, (CPU 99 skipped), FREE 11, WRITE 13, FREE 12 and 13 at the clear
    assertEquals(6, ra.size());
    long[] ops = ra.stream().mapToLong(r -> r[5]).toArray();
    assertTrue(java.util.Arrays.equals(new long[] {1, 1, 3, 1, 3, 3}, ops), java.util.Arrays.toString(ops));
    assertEquals(0, ra.get(0)[0]);
    assertEquals(250_000_000L, ra.get(2)[0]);
    assertEquals(500_000_000L, ra.get(3)[0]);
    assertEquals(11, ra.get(2)[4]);
    // --medium all keeps the CPU store too
    Path all = dir.resolve("all.parquet");
    ImportTestSupport.run(ImportFormat.VLLM_EVENTS, dir.resolve("a.jsonl"), all, new ImportOptions(0, "all"));
    assertEquals(8, accesses(all).size());
  }

  @Test
  void vllmEventsBadInputs() throws Exception {
    fails(ImportFormat.VLLM_EVENTS, text("a.jsonl", "[1.0, [[\"BlockStored\", [1], null, [], 16, null, \"GPU\"]]\n"),
        "line 1", "malformed JSON");
    fails(ImportFormat.VLLM_EVENTS, text("b.jsonl", "[1.0, [[\"BlockStored\", [1]]]]\n"), "field events[0].block_size: missing");
    fails(ImportFormat.VLLM_EVENTS, text("c.jsonl", "[\"x\", []]\n"), "field ts: expected a number");
    fails(ImportFormat.VLLM_EVENTS, text("d.jsonl", "[2.0, []]\n[1.0, []]\n"), "line 2, field ts", "time order");
    fails(ImportFormat.VLLM_EVENTS, text("e.jsonl", "[1.0, [[\"BlockStored\", [1], null, [], 32, null, \"GPU\"]]]\n"),
        "block_size: 32 differs", "--block-tokens 32");
    fails(ImportFormat.VLLM_EVENTS, text("f.jsonl", "[1.0, [[\"Nope\"]]]\n"), "unknown event type 'Nope'");
    fails(ImportFormat.VLLM_EVENTS, text("g.jsonl", "[1.0, [[\"BlockRemoved\", [true], \"GPU\"]]]\n"),
        "block_hashes[0]: expected an integer or string hash");
  }

  @Test
  void missingAndDirectoryInputsAreBadInput() {
    for (ImportFormat f : ImportFormat.values()) {
      BadInputException e = assertThrows(BadInputException.class,
          () -> ImportTestSupport.run(f, dir.resolve("missing"), dir.resolve("o.parquet")));
      assertTrue(e.getMessage().contains("no such file"), e.getMessage());
      e = assertThrows(BadInputException.class, () -> ImportTestSupport.run(f, dir, dir.resolve("o.parquet")));
      assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    }
  }

  /** Every registered format has its section in docs/importers.md ({@code ## name}, or several names joined by ", "). */
  @Test
  void everyRegisteredFormatIsDocumented() throws Exception {
    java.util.Set<String> documented = new java.util.HashSet<>();
    for (String line : Files.readAllLines(Path.of("..", "docs", "importers.md"))) {
      if (line.startsWith("## ")) {
        documented.addAll(List.of(line.substring(3).strip().split(", ")));
      }
    }
    for (ImportFormat f : ImportFormat.values()) {
      assertTrue(documented.contains(f.cliName()), f.cliName() + " has no section in docs/importers.md: " + documented);
    }
  }
}
