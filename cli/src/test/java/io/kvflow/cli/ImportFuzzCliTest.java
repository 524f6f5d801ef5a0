package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The newer importers through the command line, on seeded byte mutations of their hand-written
 * fixtures: every run exits 0 with a file, or 2 with one line on stderr, no stack trace and no
 * file. 1,000 mutations per format ({@code -Dkvflow.fuzz.import.cases=N} for more; the
 * importer-level {@code ImporterFuzzTest} runs 1,200 per format always).
 */
class ImportFuzzCliTest {
  private static final int CASES = Integer.getInteger("kvflow.fuzz.import.cases", 1000);
  private static final byte[] INTERESTING = "{}[]\",:-0123456789.eE+ \n\r\tnull-1".getBytes(StandardCharsets.ISO_8859_1);

  @TempDir
  Path dir;

  static byte[] mutate(byte[] in, SplittableRandom rnd) {
    byte[] cur = in;
    for (int m = 0, n = 1 + rnd.nextInt(3); m < n; m++) {
      int len = cur.length;
      int pos = len == 0 ? 0 : rnd.nextInt(len);
      ByteArrayOutputStream out = new ByteArrayOutputStream(len + 16);
      switch (rnd.nextInt(5)) {
        case 0 -> { // replace a byte
          out.write(cur, 0, pos);
          out.write(rnd.nextInt(256));
          out.write(cur, Math.min(len, pos + 1), Math.max(0, len - pos - 1));
        }
        case 1 -> { // delete a range
          int k = Math.min(len - pos, 1 + rnd.nextInt(8));
          out.write(cur, 0, pos);
          out.write(cur, pos + k, len - pos - k);
        }
        case 2 -> { // insert interesting bytes
          out.write(cur, 0, pos);
          for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
            out.write(INTERESTING[rnd.nextInt(INTERESTING.length)]);
          }
          out.write(cur, pos, len - pos);
        }
        case 3 -> { // duplicate a range
          int k = Math.min(len - pos, 1 + rnd.nextInt(60));
          out.write(cur, 0, pos + k);
          out.write(cur, pos, len - pos);
        }
        default -> out.write(cur, 0, pos); // truncate
      }
      cur = out.toByteArray();
    }
    return cur;
  }

  @ParameterizedTest
  @CsvSource({
      "qwen-bailian, qwen-bailian/qwen_bailian_small.jsonl, none",
      "agentic-coding, agentic-coding/agentic_coding_small.jsonl, none",
      "burstgpt, burstgpt/burstgpt_small.csv, session",
      "azure, azure-2024/azure_llm_2024_small.csv, system-prompt",
      "mooncake-sessions, mooncake-sessions/mooncake_sessions_small.jsonl, none",
      "mooncake-sessions-delta, mooncake-sessions/mooncake_sessions_delta_small.jsonl, none",
      "copilot-sessions, copilot-sessions/copilot_sessions_small.jsonl, session",
      "azure-multimodal, azure-multimodal-2025/azure_multimodal_2025_small.csv, system-prompt",
      "token-ids, token-ids/token_ids_small.jsonl, none"})
  @Timeout(300)
  void mutatedFixturesExitZeroOrTwoWithOneLine(String format, String fixture, String prefixModel) throws Exception {
    byte[] seed = Files.readAllBytes(Path.of("..", "sample-traces", "importers", fixture));
    SplittableRandom rnd = new SplittableRandom(format.hashCode());
    Path in = dir.resolve("input.txt");
    Path out = dir.resolve("out.parquet");
    int[] outcomes = new int[3];
    for (int i = 0; i < CASES; i++) {
      byte[] mutated = mutate(seed, rnd);
      Files.write(in, mutated);
      Files.deleteIfExists(out);
      CliTestSupport.Result r = CliTestSupport.run("import", format, in.toString(), "-o", out.toString(), "-q",
          "--prefix-model", prefixModel, "--system-prompt-tokens", "40");
      String what = "case " + i + " (" + new String(mutated, StandardCharsets.ISO_8859_1).replace("\n", "\\n") + "): " + r.err();
      if (r.exit() == 0) {
        outcomes[0]++;
        assertTrue(Files.exists(out), what);
      } else {
        outcomes[1]++;
        assertEquals(2, r.exit(), what);
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, what);
        assertTrue(lines[0].startsWith("kvflow: "), what);
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), what);
        assertFalse(Files.exists(out), what);
      }
      try (Stream<Path> s = Files.list(dir)) {
        assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "temporary file left: " + what);
      }
    }
    assertTrue(outcomes[0] > 0 && outcomes[1] > 0, "both outcomes: " + outcomes[0] + " ok, " + outcomes[1] + " rejected");
  }
}
