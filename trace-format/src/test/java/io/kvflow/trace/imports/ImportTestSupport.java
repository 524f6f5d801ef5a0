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
