package io.kvflow.trace.imports;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kvflow.trace.TraceKind;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Seeded fuzzing: 1,200 inputs per importer, mutated from the real traces (for oracle-general, from a
 * generated binary file; for qwen-bailian, agentic-coding, burstgpt, mooncake-sessions (both forms),
 * copilot-sessions, azure-multimodal and token-ids, from the hand-written fixtures under sample-traces/importers/). Each import either succeeds with a valid trace, or fails with the
 * importer's own error type and leaves no output; none hangs.
 */
class ImporterFuzzTest {
  private static final int INPUTS = 1200;

  @TempDir
  Path dir;

  private static byte[] seedInput(ImportFormat f) throws Exception {
    return switch (f) {
      case MOONCAKE -> ImportTestSupport.head(ImportTestSupport.MOONCAKE_CONVERSATION, 12).getBytes(StandardCharsets.UTF_8);
      case AZURE -> ImportTestSupport.head(ImportTestSupport.AZURE_CONV, 15).getBytes(StandardCharsets.UTF_8);
      case VLLM_EVENTS -> ("[1700000000.5, [[\"BlockStored\", [11, 12], null, [1, 2, 3], 16, null, \"GPU\"]]]\n"
          + "{\"ts\": 1700000000.75, \"events\": [{\"type\": \"BlockRemoved\", \"block_hashes\": [11], \"medium\": \"GPU\"}]}\n"
          + "[1700000001, [[\"BlockStored\", [13], 12, [5], 16, null, null], [\"AllBlocksCleared\"]]]\n")
          .getBytes(StandardCharsets.UTF_8);
      case KVFLOW_JSONL -> java.nio.file.Files.readAllBytes(Path.of("..", "sample-traces", "kvflow", "mixed_context.jsonl"));
      case QWEN_BAILIAN -> Files.readAllBytes(ImportTestSupport.QWEN_BAILIAN);
      case AGENTIC_CODING -> Files.readAllBytes(ImportTestSupport.AGENTIC_CODING);
      case BURSTGPT -> Files.readAllBytes(ImportTestSupport.BURSTGPT);
      case AZURE_MULTIMODAL -> Files.readAllBytes(ImportTestSupport.AZURE_MULTIMODAL);
      case COPILOT_SESSIONS -> Files.readAllBytes(ImportTestSupport.COPILOT_SESSIONS);
      case MOONCAKE_SESSIONS -> Files.readAllBytes(ImportTestSupport.MOONCAKE_SESSIONS);
      case MOONCAKE_SESSIONS_DELTA -> Files.readAllBytes(ImportTestSupport.MOONCAKE_SESSIONS_DELTA);
      case TOKEN_IDS -> Files.readAllBytes(TokenIdsImportTest.FIXTURE);
      case ORACLE_GENERAL -> {
        ByteBuffer b = ByteBuffer.allocate(24 * 20).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 20; i++) {
          b.putInt(i / 3).putLong(i * 7919L % 13).putInt(4096).putLong(i + 5);
        }
        yield b.array();
      }
    };
  }

  private static final byte[] INTERESTING = "{}[]\",:-0123456789.e \n\r\t\u00ffnulltrueNaN".getBytes(StandardCharsets.ISO_8859_1);

  static byte[] mutate(byte[] in, SplittableRandom rnd) {
    byte[] cur = in;
    int n = 1 + rnd.nextInt(3);
    for (int m = 0; m < n; m++) {
      int len = cur.length;
      int pos = len == 0 ? 0 : rnd.nextInt(len);
      ByteArrayOutputStream out = new ByteArrayOutputStream(len + 16);
      switch (rnd.nextInt(7)) {
        case 0 -> { // flip a byte
          cur = cur.clone();
          if (len > 0) {
            cur[pos] = (byte) rnd.nextInt(256);
          }
          continue;
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
          int k = Math.min(len - pos, 1 + rnd.nextInt(40));
          out.write(cur, 0, pos + k);
          out.write(cur, pos, len - pos);
        }
        case 4 -> out.write(cur, 0, pos); // truncate
        case 5 -> { // swap two halves
          out.write(cur, pos, len - pos);
          out.write(cur, 0, pos);
        }
        default -> { // negate or enlarge a number
          String s = new String(cur, StandardCharsets.ISO_8859_1);
          int d = s.indexOf(String.valueOf((char) ('1' + rnd.nextInt(9))), pos);
          if (d < 0) {
            continue;
          }
          s = s.substring(0, d) + (rnd.nextBoolean() ? "-" : "99999999999999999999") + s.substring(d);
          cur = s.getBytes(StandardCharsets.ISO_8859_1);
          continue;
        }
      }
      cur = out.toByteArray();
    }
    return cur;
  }

  private static void readBack(Path f) {
    try (TraceReader r = TraceReader.open(f)) {
      if (r.kind() == TraceKind.REQUESTS) {
        try (RequestBatch b = r.newRequestBatch(1000)) {
          while (r.next(b)) {
            // validates every row
          }
        }
      } else {
        try (AccessBatch b = r.newAccessBatch(1000)) {
          while (r.next(b)) {
            // validates every row
          }
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ImportFormat.class)
  void mutatedRealInputsFailCleanlyOrImportValidTraces(ImportFormat format) throws Exception {
    fuzz(format, ImportOptions.DEFAULT);
  }

  /** The length-only formats again, with the session prefix model (and a system prompt) on. */
  @ParameterizedTest
  @EnumSource(value = ImportFormat.class, names = {"AZURE", "BURSTGPT", "KVFLOW_JSONL", "COPILOT_SESSIONS", "AZURE_MULTIMODAL"})
  void mutatedLengthOnlyInputsWithAPrefixModelFailCleanlyOrImportValidTraces(ImportFormat format) throws Exception {
    assertTrue(format.create().acceptsPrefixModel());
    fuzz(format, new ImportOptions(0, "GPU", new PrefixModel(PrefixModel.Kind.SESSION, 99, 300, 0.7)));
  }

  /** Mooncake again, re-chunked into 16-token blocks. */
  @org.junit.jupiter.api.Test
  void mutatedMooncakeInputsRechunkedFailCleanlyOrImportValidTraces() throws Exception {
    fuzz(ImportFormat.MOONCAKE, new ImportOptions(0, "GPU", PrefixModel.NONE, 16));
  }

  private void fuzz(ImportFormat format, ImportOptions options) throws Exception {
    byte[] seed = seedInput(format);
    SplittableRandom rnd = new SplittableRandom(format.ordinal() * 1_000_003L + 17);
    Path in = dir.resolve("input" + (format == ImportFormat.ORACLE_GENERAL ? ".bin" : ".txt"));
    Path out = dir.resolve("out.parquet");
    int[] outcomes = new int[2];
    assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
      for (int i = 0; i < INPUTS; i++) {
        byte[] mutated = mutate(seed, rnd);
        Files.write(in, mutated);
        Files.deleteIfExists(out);
        try {
          ImportTestSupport.run(format, in, out, options);
          readBack(out);
          outcomes[0]++;
        } catch (ImportException e) {
          outcomes[1]++;
          assertFalse(Files.exists(out), "input " + i + ": failed import left an output file");
          assertFalse(e.getMessage().contains("\n"), e.getMessage());
          assertTrue(e.getMessage().startsWith(in.toString()), e.getMessage());
        } catch (RuntimeException e) {
          fail("input " + i + " (" + new String(mutated, StandardCharsets.ISO_8859_1).replace("\n", "\\n")
              + "): unexpected " + e, e);
        }
        try (Stream<Path> s = Files.list(dir)) {
          assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary file left");
        }
      }
    });
    assertTrue(outcomes[0] > 0 && outcomes[1] > 0, "both outcomes seen: " + outcomes[0] + " ok, " + outcomes[1] + " rejected");
  }
}
