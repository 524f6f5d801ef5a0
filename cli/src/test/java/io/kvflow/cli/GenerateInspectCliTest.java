package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvflow.cli.CliTestSupport.Result;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.parquet.TraceCodecFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generate and inspect commands as a user runs them: outputs, exit codes, error lines. */
class GenerateInspectCliTest {
  @TempDir
  Path dir;

  static void assertBadInput(Result r, String fragment) {
    assertEquals(2, r.exit(), r.err());
    String[] lines = r.err().strip().split("\n");
    assertEquals(1, lines.length, "one line: " + r.err());
    assertTrue(lines[0].startsWith("kvflow: "), r.err());
    assertTrue(lines[0].contains(fragment), r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace");
  }

  void assertNoFilesBut(String... names) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      String[] found = s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
      String[] expected = names.clone();
      Arrays.sort(expected);
      assertArrayEquals(expected, found);
    }
  }

  @Test
  void generateTwiceGivesIdenticalFilesAndInspectPrintsTheStatistics() throws Exception {
    Path a = dir.resolve("a.parquet");
    Path b = dir.resolve("b.parquet");
    assertEquals(0, CliTestSupport.run("generate", "chat", "--requests", "2000", "--seed", "7", "-o", a.toString(), "-q").exit());
    assertEquals(0, CliTestSupport.run("generate", "chat", "--requests=2000", "--seed", "7", "-o", b.toString(), "-q").exit());
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    Result r = CliTestSupport.run("inspect", a.toString(), "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals("requests", j.get("kind").asText());
    assertEquals(1, j.get("schema_version").asInt());
    assertEquals(2000, j.get("rows").asLong());
    assertEquals(2000, j.get("requests").asLong());
    long refs = j.get("block_refs").asLong();
    long distinct = j.get("distinct_blocks").asLong();
    assertEquals(1 - (double) distinct / refs, j.get("ideal_block_hit_ratio").asDouble(), 1e-12);
    for (String f : new String[] {"input_tokens", "output_tokens"}) {
      assertTrue(j.get(f).has("min") && j.get(f).has("mean") && j.get(f).has("max"), f);
    }
    assertTrue(j.get("time_span_ns").asLong() > 0);
  }

  @Test
  void badTraceFilesGiveExitTwoAndOneLine() throws Exception {
    Path good = dir.resolve("good.parquet");
    assertEquals(0, CliTestSupport.run("generate", "zipf", "--accesses", "50000", "-o", good.toString(), "-q").exit());
    byte[] bytes = Files.readAllBytes(good);
    Path truncated = Files.write(dir.resolve("truncated.parquet"), Arrays.copyOf(bytes, bytes.length - 100));
    assertBadInput(CliTestSupport.run("inspect", truncated.toString()), "truncated");
    Path csv = Files.writeString(dir.resolve("data.parquet"), "TIMESTAMP,ContextTokens\n1,2\n");
    assertBadInput(CliTestSupport.run("inspect", csv.toString()), "not a Parquet file");
    Path empty = Files.createFile(dir.resolve("empty.parquet"));
    assertBadInput(CliTestSupport.run("inspect", empty.toString()), "empty file");
    assertBadInput(CliTestSupport.run("inspect", dir.toString()), "is a directory");
    assertBadInput(CliTestSupport.run("inspect", dir.resolve("nope.parquet").toString()), "no such file");
  }

  @Test
  void inspectSaysPageChecksumsWereVerifiedAndRefusesADamagedPage() throws Exception {
    Path good = dir.resolve("chat.parquet");
    assertEquals(0, CliTestSupport.run("generate", "chat", "--requests", "500", "--seed", "3", "-o", good.toString(), "-q")
        .exit());
    Result r = CliTestSupport.run("inspect", good.toString(), "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode crc = new ObjectMapper().readTree(r.out()).get("page_checksums");
    assertEquals("verified", crc.get("status").asText());
    assertTrue(crc.get("pages").asLong() > 7, "at least one page per column and the tenant dictionary");
    assertEquals(crc.get("pages").asLong(), crc.get("verified_pages").asLong());
    Result text = CliTestSupport.run("inspect", good.toString(), "-q");
    assertTrue(text.out().lines().anyMatch(l -> l.matches("page_checksums\\.status\\s+verified")), text.out());

    byte[] bytes = Files.readAllBytes(good);
    bytes[bytes.length / 3] ^= 0x10; // inside the block_hashes pages, most of the file
    Path damaged = Files.write(dir.resolve("damaged.parquet"), bytes);
    Result bad = CliTestSupport.run("inspect", damaged.toString(), "--json");
    assertBadInput(bad, damaged + ": row group 0, column block_hashes, page ");
    assertTrue(bad.err().contains(": CRC32 checksum mismatch (stored "), bad.err());
    assertEquals("", bad.out());
  }

  @Test
  void inspectOfATraceWithoutPageChecksumsSaysTheyAreAbsent() throws Exception {
    Path file = dir.resolve("other.parquet");
    SimpleGroupFactory rows = new SimpleGroupFactory(TraceSchema.ACCESSES);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withConf(new PlainParquetConfiguration())
        .withType(TraceSchema.ACCESSES)
        .withExtraMetaData(TraceMetadata.of(TraceKind.ACCESSES, 16, "another writer").toKeyValues())
        .withCodecFactory(new TraceCodecFactory())
        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
        .withPageWriteChecksumEnabled(false)
        .build()) {
      for (int i = 0; i < 100; i++) {
        w.write(rows.newGroup().append(TraceSchema.TIME_NS, (long) i).append(TraceSchema.REQUEST_ID, 1L)
            .append(TraceSchema.STEP, -1).append(TraceSchema.LAYER, -1).append(TraceSchema.BLOCK, (long) i % 7)
            .append(TraceSchema.OP, 0).append(TraceSchema.TOKENS, 16));
      }
    }
    Result r = CliTestSupport.run("inspect", file.toString(), "--json");
    assertEquals(0, r.exit(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(100, j.get("accesses").asLong());
    assertEquals("absent", j.get("page_checksums").get("status").asText());
    assertEquals(0, j.get("page_checksums").get("verified_pages").asLong());
  }

  @Test
  void badGeneratorUsageGivesExitTwoAndNoOutput() throws Exception {
    String out = dir.resolve("x.parquet").toString();
    assertBadInput(CliTestSupport.run("generate", "nosuch", "-o", out), "unknown workload 'nosuch'");
    assertBadInput(CliTestSupport.run("generate", "chat", "--keys", "5", "-o", out), "--keys does not apply");
    assertBadInput(CliTestSupport.run("generate", "chat", "--requests", "-3", "-o", out), "--requests: -3 must be >= 1");
    assertBadInput(CliTestSupport.run("generate", "zipf", "--alpha", "abc", "-o", out), "--alpha: 'abc' is not a number");
    assertBadInput(CliTestSupport.run("generate", "chat", "--requests"), "--requests needs a value");
    assertBadInput(CliTestSupport.run("generate", "chat"), "missing -o FILE");
    assertBadInput(CliTestSupport.run("generate", "chat", "-o", dir.resolve("no/such/dir/x.parquet").toString()),
        "does not exist");
    assertBadInput(CliTestSupport.run("nosuchcommand"), "nosuchcommand");
    assertNoFilesBut();
  }

  @Test
  void replayOfANonTraceLeavesNoOutputDirectory() throws Exception {
    Path bad = dir.resolve("bad.parquet");
    Files.writeString(bad, "a,b\n1,2\n");
    assertBadInput(CliTestSupport.run("replay", bad.toString(), "--out", dir.resolve("out").toString(), "-q"),
        "bad.parquet: not a Parquet file");
    assertNoFilesBut("bad.parquet");
  }

  @Test
  void helpAndVersionWorkEverywhere() {
    for (String[] args : new String[][] {{"--help"}, {"--version"}, {"generate", "--help"}, {"inspect", "--help"},
        {"generate", "--version"}, {"generate", "decode", "--help"}}) {
      Result r = CliTestSupport.run(args);
      assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
      assertFalse(r.out().isBlank(), String.join(" ", args));
    }
    assertTrue(CliTestSupport.run("generate", "decode", "--help").out().contains("--heavy-hitters"));
    assertTrue(CliTestSupport.run("--version").out().startsWith("kvflow "));
  }
}
