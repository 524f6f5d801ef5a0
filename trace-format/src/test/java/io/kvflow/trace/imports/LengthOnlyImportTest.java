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
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BurstGPT, Azure 2024 timestamps, Azure multimodal 2025, and the seeded prefix models of length-only traces. */
class LengthOnlyImportTest {
  @TempDir
  Path dir;

  private Path run(ImportFormat f, Path in, PrefixModel model) {
    Path out = dir.resolve(f.cliName() + "-" + model.kind().cliName() + "-" + model.seed() + "-"
        + model.systemPromptTokens() + "-" + model.continueProbability() + ".parquet");
    ImportTestSupport.run(f, in, out, new ImportOptions(0, "GPU", model));
    return out;
  }

  @Test
  void burstGptRowsKeepLengthsModelAndLogTypeAndClaimNoSharing() throws Exception {
    Path out = run(ImportFormat.BURSTGPT, ImportTestSupport.BURSTGPT, PrefixModel.NONE);
    List<ImportTestSupport.Row> rows = ImportTestSupport.rows(out);
    assertEquals(List.of(0L, 40_000_000_000L, 113_000_000_000L, 115_000_000_000L),
        rows.stream().map(ImportTestSupport.Row::arrivalNs).toList());
    assertEquals(List.of("ChatGPT/Conversation log", "ChatGPT/Conversation log", "GPT-4/Conversation log",
        "ChatGPT/API log"), rows.stream().map(ImportTestSupport.Row::tenant).toList());
    assertEquals(List.of(472, 1087, 417, 1500), rows.stream().map(ImportTestSupport.Row::input).toList());
    assertEquals(List.of(18, 230, 0, 300), rows.stream().map(ImportTestSupport.Row::output).toList());
    assertTrue(rows.stream().allMatch(r -> r.hashes().length == 0 && r.session() == null));
    ObjectNode stats = TraceInspector.inspect(out, Progress.NONE);
    assertEquals("unknown", stats.get("prefix_sharing").asText());
    assertTrue(stats.get("ideal_block_hit_ratio").isNull());
    assertEquals(3, stats.get("tenants").asLong());
    try (TraceReader r = TraceReader.open(out)) {
      assertEquals("unknown", r.metadata().extra().get(TraceMetadata.KEY_PREFIX_INFO));
    }
  }

  @Test
  void azure2024TimestampsWithAUtcOffsetAreReadExactly() throws Exception {
    Path out = run(ImportFormat.AZURE, ImportTestSupport.AZURE_2024, PrefixModel.NONE);
    List<ImportTestSupport.Row> rows = ImportTestSupport.rows(out);
    // 00:00:00.009930Z, 00:00:00.031107Z, 01:00:00.5+01:00 = 00:00:00.5Z
    assertEquals(List.of(0L, 21_177_000L, 490_070_000L), rows.stream().map(ImportTestSupport.Row::arrivalNs).toList());
    assertEquals(List.of(2579, 4800, 100), rows.stream().map(ImportTestSupport.Row::input).toList());
    assertEquals(List.of(26, 12, 0), rows.stream().map(ImportTestSupport.Row::output).toList());
    assertEquals(AzureImporter.epochNs("2023-11-16 18:15:46.6805900"), AzureImporter.epochNs("2023-11-16T18:15:46.68059Z"));
  }

  /*
   * BurstGPT fixture, session model, continue probability 1 (every request continues when it can),
   * 16-token blocks. Blocks: ceil(472/16) = 30, ceil(1087/16) = 68, ceil(417/16) = 27,
   * ceil(1500/16) = 94: 219 references.
   *   row 0 ChatGPT/Conversation: opens session 0 (context 472 + 18 = 490)
   *   row 1 ChatGPT/Conversation, 1087 > 490: continues session 0; shares row 0's 29 full blocks
   *         (row 0's 30th block is partial, 8 tokens, and hashes apart from row 1's full one)
   *   row 2 GPT-4/Conversation: no open session of that tenant: session 1
   *   row 3 ChatGPT/API log: another tenant: session 2
   *   distinct 219 - 29 = 190; ideal block hit ratio 29/219.
   * With a 100-token system prompt: its 6 full blocks are shared by all four rows (the 7th mixes
   * 4 system tokens with the session's own), so rows 2 and 3 add 6 hits each: distinct
   * 219 - 29 - 6 - 6 = 178.
   */
  @Test
  void sessionModelContinuesContextsAsWorkedOutByHand() throws Exception {
    Path out = run(ImportFormat.BURSTGPT, ImportTestSupport.BURSTGPT, new PrefixModel(PrefixModel.Kind.SESSION, 7, 0, 1.0));
    ObjectNode stats = TraceInspector.inspect(out, Progress.NONE);
    assertEquals(219, stats.get("block_refs").asLong());
    assertEquals(190, stats.get("distinct_blocks").asLong());
    assertEquals(29.0 / 219, stats.get("ideal_block_hit_ratio").asDouble(), 1e-12);
    assertEquals(List.of(0L, 0L, 1L, 2L), ImportTestSupport.rows(out).stream().map(ImportTestSupport.Row::session).toList());
    try (TraceReader r = TraceReader.open(out)) {
      TraceMetadata m = r.metadata();
      assertEquals("synthetic", m.extra().get(TraceMetadata.KEY_PREFIX_INFO));
      assertEquals("session", m.extra().get("kvflow.prefix_model"));
      assertEquals("7", m.extra().get("kvflow.prefix_model.seed"));
      assertEquals("1.0", m.extra().get("kvflow.prefix_model.continue_probability"));
      assertEquals("0", m.extra().get("kvflow.prefix_model.system_prompt_tokens"));
    }
    Path withPrompt = run(ImportFormat.BURSTGPT, ImportTestSupport.BURSTGPT,
        new PrefixModel(PrefixModel.Kind.SESSION, 7, 100, 1.0));
    assertEquals(178, TraceInspector.inspect(withPrompt, Progress.NONE).get("distinct_blocks").asLong());
  }

  /*
   * System-prompt model, 2,000-token prompt, Azure 2024 fixture (2579, 4800, 100 input tokens):
   * the prompt covers 125 full blocks; row 0 has ceil(2579/16) = 162 blocks, row 1 300, row 2
   * (100 tokens, all prompt) 7 (6 full + a 4-token partial, hashed apart from the full block).
   * Shared: row 1 125, row 2 its 6 full blocks: distinct 469 - 131 = 338. No sessions.
   */
  @Test
  void systemPromptModelSharesOnlyThePrompt() throws Exception {
    Path out = run(ImportFormat.AZURE, ImportTestSupport.AZURE_2024, new PrefixModel(PrefixModel.Kind.SYSTEM_PROMPT, 3, 2000, 0.5));
    ObjectNode stats = TraceInspector.inspect(out, Progress.NONE);
    assertEquals(469, stats.get("block_refs").asLong());
    assertEquals(338, stats.get("distinct_blocks").asLong());
    assertTrue(ImportTestSupport.rows(out).stream().allMatch(r -> r.session() == null));
  }

  @Test
  void theSameSeedGivesTheSameFileAndAnotherSeedAnotherDraw() throws Exception {
    StringBuilder csv = new StringBuilder(BurstGptImporter.HEADER + "\n");
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
    for (int i = 0; i < 400; i++) {
      int in = 1 + rnd.nextInt(3000);
      csv.append(i).append(",ChatGPT,").append(in).append(",50,").append(in + 50).append(",Conversation log\n");
    }
    Path in = Files.writeString(dir.resolve("b.csv"), csv);
    Path a = run(ImportFormat.BURSTGPT, in, new PrefixModel(PrefixModel.Kind.SESSION, 5, 64, 0.5));
    byte[] first = Files.readAllBytes(a);
    Files.delete(a);
    assertArrayEquals(first, Files.readAllBytes(run(ImportFormat.BURSTGPT, in, new PrefixModel(PrefixModel.Kind.SESSION, 5, 64, 0.5))));
    Path other = run(ImportFormat.BURSTGPT, in, new PrefixModel(PrefixModel.Kind.SESSION, 6, 64, 0.5));
    List<Long> s5 = ImportTestSupport.rows(a).stream().map(ImportTestSupport.Row::session).toList();
    List<Long> s6 = ImportTestSupport.rows(other).stream().map(ImportTestSupport.Row::session).toList();
    assertFalse(s5.equals(s6), "another seed draws other sessions");
    // every continued turn shares at least the full blocks of the turn before it in its session
    List<ImportTestSupport.Row> rows = ImportTestSupport.rows(a);
    java.util.Map<Long, ImportTestSupport.Row> last = new java.util.HashMap<>();
    for (ImportTestSupport.Row r : rows) {
      ImportTestSupport.Row prev = last.put(r.session(), r);
      if (prev != null) {
        int full = prev.input() / 16;
        assertArrayEquals(Arrays.copyOf(prev.hashes(), full), Arrays.copyOf(r.hashes(), full));
        assertTrue(r.input() > prev.input() + prev.output(), "a session continues only a context shorter than its input");
      }
    }
  }

  @Test
  void badBurstGptRowsAreNamed() throws Exception {
    String header = BurstGptImporter.HEADER + "\n";
    String[][] cases = {
        {header + "5,ChatGPT,0,18,18,Conversation log\n", "line 2, field Request tokens"},
        {header + "5,ChatGPT,10,18,28\n", "line 2: 5 fields; expected 6"},
        {header + "9,ChatGPT,10,18,28,API log\n5,ChatGPT,10,18,28,API log\n", "line 3, field Timestamp"},
        {header + "x,ChatGPT,10,18,28,API log\n", "line 2, field Timestamp"},
        {header + "5,,10,18,28,API log\n", "line 2, field Model"},
        {"Time,Model\n", "line 1: header"},
    };
    for (String[] c : cases) {
      Path in = Files.writeString(dir.resolve("bad.csv"), c[0]);
      Path out = dir.resolve("bad.parquet");
      ImportException e = assertThrows(ImportException.class, () -> ImportTestSupport.run(ImportFormat.BURSTGPT, in, out));
      assertTrue(e.getMessage().startsWith(in + ": ") && e.getMessage().contains(c[1]), e.getMessage());
      assertFalse(Files.exists(out));
    }
  }

  /*
   * Azure multimodal 2025 fixture (CRLF, a blank line, columns TIMESTAMP,NumImages,ContextTokens,
   * GeneratedTokens): times 00:00:00.25Z, 00:00:01Z, 01:00:02.5+01:00 = 00:00:02.5Z, 00:00:03Z,
   * so arrivals 0, 0.75, 2.25, 2.75 s; images 2 + 0 + 1 + 0 = 3 in 2 requests.
   * System-prompt model, 1,000-token prompt (62 full 16-token blocks, the 63rd mixes 8 prompt
   * tokens with the request's own), inputs 1800, 300, 900, 1800:
   *   blocks 113 + 19 + 57 + 113 = 302; hits: row 1 its 18 full blocks (all prompt; its 12-token
   *   tail hashes apart), row 2 its 56 full blocks, row 3 the 62 full prompt blocks: 136;
   *   distinct 302 - 136 = 166.
   */
  @Test
  void azureMultimodalKeepsImageTotalsAndTakesAPrefixModel() throws Exception {
    Path out = run(ImportFormat.AZURE_MULTIMODAL, ImportTestSupport.AZURE_MULTIMODAL, PrefixModel.NONE);
    List<ImportTestSupport.Row> rows = ImportTestSupport.rows(out);
    assertEquals(List.of(0L, 750_000_000L, 2_250_000_000L, 2_750_000_000L),
        rows.stream().map(ImportTestSupport.Row::arrivalNs).toList());
    assertEquals(List.of(0L, 1L, 2L, 3L), rows.stream().map(ImportTestSupport.Row::id).toList());
    assertEquals(List.of(1800, 300, 900, 1800), rows.stream().map(ImportTestSupport.Row::input).toList());
    assertEquals(List.of(40, 12, 0, 25), rows.stream().map(ImportTestSupport.Row::output).toList());
    assertTrue(rows.stream().allMatch(r -> r.hashes().length == 0 && r.session() == null && r.tenant() == null));
    ObjectNode stats = TraceInspector.inspect(out, Progress.NONE);
    assertEquals("unknown", stats.get("prefix_sharing").asText());
    assertEquals(3, stats.get("images").asLong());
    assertEquals(2, stats.get("requests_with_images").asLong());
    try (TraceReader r = TraceReader.open(out)) {
      assertEquals("3", r.metadata().extra().get(TraceMetadata.KEY_IMAGES));
      assertEquals("2", r.metadata().extra().get(TraceMetadata.KEY_REQUESTS_WITH_IMAGES));
      assertEquals("unknown", r.metadata().extra().get(TraceMetadata.KEY_PREFIX_INFO));
    }
    Path model = run(ImportFormat.AZURE_MULTIMODAL, ImportTestSupport.AZURE_MULTIMODAL,
        new PrefixModel(PrefixModel.Kind.SYSTEM_PROMPT, 3, 1000, 0.5));
    stats = TraceInspector.inspect(model, Progress.NONE);
    assertEquals("synthetic", stats.get("prefix_sharing").asText());
    assertEquals(302, stats.get("block_refs").asLong());
    assertEquals(166, stats.get("distinct_blocks").asLong());
    assertEquals(136.0 / 302, stats.get("ideal_block_hit_ratio").asDouble(), 1e-12);
    assertEquals(3, stats.get("images").asLong());
  }

  @Test
  void badAzureMultimodalRowsAreNamed() throws Exception {
    String header = "TIMESTAMP,ContextTokens,GeneratedTokens,NumImages\n";
    String[][] cases = {
        {header + "2025-03-01 00:00:00,10,1,-1\n", "line 2, field NumImages"},
        {header + "2025-03-01 00:00:00,10,1\n", "line 2: 3 fields; expected 4 (TIMESTAMP,ContextTokens,GeneratedTokens,NumImages)"},
        {"TIMESTAMP,ContextTokens,GeneratedTokens\n", "line 1: header"},
        {"TIMESTAMP,ContextTokens,ContextTokens,NumImages\n", "line 1: header"},
        {header + "2025-03-01 00:00:05,10,1,0\n2025-03-01 00:00:04,10,1,0\n", "line 3, field TIMESTAMP"},
        {header, "no rows after the header"},
    };
    for (String[] c : cases) {
      Path in = Files.writeString(dir.resolve("bad.csv"), c[0]);
      Path out = dir.resolve("bad.parquet");
      ImportException e = assertThrows(ImportException.class, () -> ImportTestSupport.run(ImportFormat.AZURE_MULTIMODAL, in, out));
      assertTrue(e.getMessage().startsWith(in + ": ") && e.getMessage().contains(c[1]), e.getMessage());
      assertFalse(Files.exists(out));
    }
  }
}
