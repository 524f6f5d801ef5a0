package io.kvflow.trace.imports;

import io.kvflow.common.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Paths of the real traces shipped under sample-traces/real/, and small helpers. */
final class ImportTestSupport {
  private ImportTestSupport() {}

  static final Path REAL = Path.of("..", "sample-traces", "real");
  static final Path MOONCAKE_CONVERSATION = REAL.resolve("mooncake/conversation_trace.jsonl.gz");
  static final Path MOONCAKE_SYNTHETIC = REAL.resolve("mooncake/synthetic_trace.jsonl.gz");
  static final Path AZURE_CONV = REAL.resolve("azure-llm-2023/AzureLLMInferenceTrace_conv.csv.gz");
  static final Path AZURE_CODE = REAL.resolve("azure-llm-2023/AzureLLMInferenceTrace_code.csv.gz");
  static final Path FIXTURES = Path.of("..", "sample-traces", "importers");
  static final Path QWEN_BAILIAN = FIXTURES.resolve("qwen-bailian/qwen_bailian_small.jsonl");
  static final Path AGENTIC_CODING = FIXTURES.resolve("agentic-coding/agentic_coding_small.jsonl");
  static final Path BURSTGPT = FIXTURES.resolve("burstgpt/burstgpt_small.csv");
  static final Path AZURE_2024 = FIXTURES.resolve("azure-2024/azure_llm_2024_small.csv");
  static final Path AZURE_MULTIMODAL = FIXTURES.resolve("azure-multimodal-2025/azure_multimodal_2025_small.csv");
  static final Path COPILOT_SESSIONS = FIXTURES.resolve("copilot-sessions/copilot_sessions_small.jsonl");
  static final Path MOONCAKE_SESSIONS = FIXTURES.resolve("mooncake-sessions/mooncake_sessions_small.jsonl");
  static final Path MOONCAKE_SESSIONS_DELTA = FIXTURES.resolve("mooncake-sessions/mooncake_sessions_delta_small.jsonl");

  /** One requests-trace row as read back from Parquet; {@code session} null when the column is null. */
  record Row(long id, long arrivalNs, String tenant, Long session, int input, int output, long[] hashes) {}

  /** Every row of a requests trace, read back with the project's reader (which validates them). */
  static java.util.List<Row> rows(Path parquet) {
    java.util.List<Row> out = new java.util.ArrayList<>();
    try (io.kvflow.trace.parquet.TraceReader r = io.kvflow.trace.parquet.TraceReader.open(parquet);
        io.kvflow.trace.batch.RequestBatch b = r.newRequestBatch(7)) {
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          long[] h = new long[b.hashEnd(i) - b.hashStart(i)];
          for (int k = 0; k < h.length; k++) {
            h[k] = b.hash(b.hashStart(i) + k);
          }
          out.add(new Row(b.requestId(i), b.arrivalNs(i), b.tenantVector().isNull(i) ? null : b.tenant(i),
              b.hasSessionId(i) ? b.sessionId(i) : null, b.inputTokens(i), b.outputTokens(i), h));
        }
      }
    }
    return out;
  }

  static long run(ImportFormat format, Path in, Path out) {
    return format.create().importTrace(in, out, ImportOptions.DEFAULT, Progress.NONE);
  }

  static long run(ImportFormat format, Path in, Path out, ImportOptions options) {
    return format.create().importTrace(in, out, options, Progress.NONE);
  }

  /** The first {@code lines} lines of a gzip-compressed text file. */
  static String head(Path gz, int lines) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
      String all = new String(in.readNBytes(1 << 20), java.nio.charset.StandardCharsets.UTF_8);
      String[] parts = all.split("\n", lines + 1);
      return String.join("\n", java.util.Arrays.copyOf(parts, Math.min(lines, parts.length))) + "\n";
    }
  }

  static String lastLine(Path gz) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
      String[] lines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip().split("\n");
      return lines[lines.length - 1];
    }
  }
}
