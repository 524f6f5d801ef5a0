package io.kvflow.trace.imports;

import io.kvflow.common.Progress;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;

/**
 * Azure LLM inference trace CSV ({@code TIMESTAMP,ContextTokens,GeneratedTokens}, timestamps like
 * {@code 2023-11-16 18:15:46.6805900}, read as UTC) -> requests, arrival relative to the first row.
 * The trace has no prefix information: block hashes stay empty, the file's metadata says
 * {@code kvflow.prefix_info=unknown}, and nothing invents sharing. Out-of-order timestamps are
 * rejected (the published files are sorted).
 */
final class AzureImporter implements TraceImporter {
  static final String HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens";
  private static final DateTimeFormatter TIME = new DateTimeFormatterBuilder()
      .appendPattern("uuuu-MM-dd HH:mm:ss")
      .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
      .toFormatter();

  @Override
  public String description() {
    return "Azure LLM inference CSV TIMESTAMP,ContextTokens,GeneratedTokens -> requests (no prefix information)";
  }

  @Override
  public long importTrace(Path input, Path output, ImportOptions options, Progress progress) {
    String file = input.toString();
    TraceMetadata meta = TraceMetadata.of(TraceKind.REQUESTS, options.blockTokensOr(16), "azure: " + input.getFileName())
        .withExtra(TraceMetadata.KEY_PREFIX_INFO, "unknown");
    long line = 0;
    long origin = 0;
    long previous = Long.MIN_VALUE;
    long[] none = new long[0];
    try (TextLines in = new TextLines(input); RequestTraceWriter w = RequestTraceWriter.open(output, meta)) {
      String text;
      while ((text = in.next()) != null) {
        line = in.number();
        if (text.endsWith("\r")) {
          text = text.substring(0, text.length() - 1);
        }
        if (line == 1) {
          String header = text.startsWith("\uFEFF") ? text.substring(1) : text;
          if (!header.strip().equals(HEADER)) {
            throw ImportException.atLine(file, line, null, "header " + ImportException.quote(header) + "; expected "
                + HEADER);
          }
          continue;
        }
        if (text.isBlank()) {
          continue;
        }
        String[] f = text.split(",", -1);
        if (f.length != 3) {
          throw ImportException.atLine(file, line, null, f.length + " fields; expected 3 (" + HEADER + ")");
        }
        long ns;
        try {
          LocalDateTime t = LocalDateTime.parse(f[0].strip(), TIME);
          ns = t.toEpochSecond(ZoneOffset.UTC) * 1_000_000_000L + t.getNano();
        } catch (DateTimeParseException e) {
          throw ImportException.atLine(file, line, "TIMESTAMP", ImportException.quote(f[0])
              + " is not a time like 2023-11-16 18:15:46.6805900");
        }
        int context = count(f[1], file, line, "ContextTokens", 1);
        int generated = count(f[2], file, line, "GeneratedTokens", 0);
        if (w.rows() == 0) {
          origin = ns;
        }
        if (ns < previous) {
          throw ImportException.atLine(file, line, "TIMESTAMP", ImportException.quote(f[0].strip())
              + " is before the previous row's time; the trace must be sorted by TIMESTAMP (sort it first)");
        }
        previous = ns;
        w.append(w.rows(), ns - origin, null, false, 0, context, generated, none, 0, 0);
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

  private static int count(String text, String file, long line, String field, int min) {
    long v;
    String digits = text.strip();
    try {
      // ASCII digits only: Long.parseLong also reads the digits of other scripts (U+0663 is 3)
      if (!digits.matches("[+-]?[0-9]+")) {
        throw new NumberFormatException();
      }
      v = Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw ImportException.atLine(file, line, field, ImportException.quote(text) + " is not an integer (ASCII digits)");
    }
    if (v < min || v > Integer.MAX_VALUE) {
      throw ImportException.atLine(file, line, field, v + " must be in " + min + ".." + Integer.MAX_VALUE);
    }
    return (int) v;
  }
}
