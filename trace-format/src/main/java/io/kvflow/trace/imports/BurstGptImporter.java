package io.kvflow.trace.imports;

import io.kvflow.common.Progress;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.nio.file.Path;

/**
 * BurstGPT CSV ({@code Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type}, the
 * Azure OpenAI GPT service trace of "BurstGPT", KDD'25): one request a row, {@code Timestamp} in
 * seconds from the trace start. Becomes a requests trace: arrival relative to the first row, ids in
 * file order, {@code tenant = "Model/Log Type"} (e.g. {@code ChatGPT/Conversation log}),
 * {@code input_tokens = Request tokens}, {@code output_tokens = Response tokens} (0 for the
 * trace's failed requests). The trace has no prefix information: block hashes stay empty and
 * {@code kvflow.prefix_info=unknown}, unless a prefix model is asked for ({@link PrefixModel}).
 * {@code Total tokens} is checked to be a count and not kept (it is the sum of the two).
 */
final class BurstGptImporter implements TraceImporter {
  static final String HEADER = "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type";

  @Override
  public boolean acceptsPrefixModel() {
    return true;
  }

  @Override
  public String description() {
    return "BurstGPT CSV " + HEADER + " -> requests (no prefix information; tenant = Model/Log Type)";
  }

  @Override
  public long importTrace(Path input, Path output, ImportOptions options, Progress progress) {
    String file = input.toString();
    int blockTokens = options.blockTokensOr(16);
    SyntheticPrefixes prefixes = SyntheticPrefixes.of(options.prefixModel(), blockTokens);
    TraceMetadata meta = prefixes.describe(TraceMetadata.of(TraceKind.REQUESTS, blockTokens, "burstgpt: " + input.getFileName())
        .withExtra(TraceMetadata.KEY_TENANT_MEANING, "Model/Log Type"));
    long originNs = 0;
    long previousNs = Long.MIN_VALUE;
    try (TextLines in = new TextLines(input); RequestTraceWriter w = RequestTraceWriter.open(output, meta)) {
      String text;
      while ((text = in.next()) != null) {
        long line = in.number();
        text = CsvFields.clean(text, line);
        if (line == 1) {
          if (!text.strip().equals(HEADER)) {
            throw ImportException.atLine(file, line, null, "header " + ImportException.quote(text) + "; expected " + HEADER);
          }
          continue;
        }
        if (text.isBlank()) {
          continue;
        }
        String[] f = text.split(",", -1);
        if (f.length != 6) {
          throw ImportException.atLine(file, line, null, f.length + " fields; expected 6 (" + HEADER + ")");
        }
        long ns = CsvFields.secondsAsNs(f[0], file, line, "Timestamp");
        String model = label(f[1], file, line, "Model");
        int request = CsvFields.count(f[2], file, line, "Request tokens", 1);
        int response = CsvFields.count(f[3], file, line, "Response tokens", 0);
        CsvFields.count(f[4], file, line, "Total tokens", 0);
        String logType = label(f[5], file, line, "Log Type");
        if (ns < previousNs) {
          throw ImportException.atLine(file, line, "Timestamp", ImportException.quote(f[0].strip())
              + " is before the previous row's; the trace must be sorted by Timestamp (sort it first)");
        }
        if (w.rows() == 0) {
          originNs = ns;
        }
        previousNs = ns;
        String tenant = model + "/" + logType;
        prefixes.next(tenant, request, response);
        w.append(w.rows(), ns - originNs, tenant, prefixes.hasSession(), prefixes.sessionId(), request, response,
            prefixes.hashes(), 0, prefixes.hashCount());
        if ((line & 4095) == 0) {
          progress.update(line, 0);
        }
      }
      if (w.rows() == 0) {
        throw new ImportException(file + ": no rows after the header; expected at least one request");
      }
      w.commit();
      return w.rows();
    }
  }

  private static String label(String text, String file, long line, String field) {
    String s = text.strip();
    if (s.isEmpty() || s.length() > 64) {
      throw ImportException.atLine(file, line, field, ImportException.quote(text) + " must be 1 to 64 characters");
    }
    return s;
  }
}
