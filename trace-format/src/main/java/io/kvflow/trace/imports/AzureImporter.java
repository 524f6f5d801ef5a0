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
 * {@code 2023-11-16 18:15:46.6805900}, read as UTC, or, in the 2024 traces, {@code 2024-05-10
 * 00:00:00.009930+00:00} with a UTC offset) -> requests, arrival relative to the first row.
 * The trace has no prefix information: block hashes stay empty, the file's metadata says
 * {@code kvflow.prefix_info=unknown}, and nothing invents sharing. Out-of-order timestamps are
 * rejected (the published files are sorted).
 */
final class AzureImporter implements TraceImporter {
  static final String HEADER = "TIMESTAMP,ContextTokens,GeneratedTokens";
  private static final DateTimeFormatter TIME = new DateTimeFormatterBuilder()
      .appendPattern("uuuu-MM-dd HH:mm:ss")
      .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
      .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
      .toFormatter();

  @Override
  public boolean acceptsPrefixModel() {
    return true;
  }

  @Override
  public String description() {
    return "Azure LLM inference CSV TIMESTAMP,ContextTokens,GeneratedTokens -> requests (no prefix information)";
  }

  @Override
  public long importTrace(Path input, Path output, ImportOptions options, Progress progress) {
    String file = input.toString();
    int blockTokens = options.blockTokensOr(16);
    SyntheticPrefixes prefixes = SyntheticPrefixes.of(options.prefixModel(), blockTokens);
    TraceMetadata meta = prefixes.describe(TraceMetadata.of(TraceKind.REQUESTS, blockTokens, "azure: " + input.getFileName()));
    long line = 0;
    long origin = 0;
    long previous = Long.MIN_VALUE;
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
          ns = epochNs(f[0].strip());
        } catch (DateTimeParseException | ArithmeticException e) {
          throw ImportException.atLine(file, line, "TIMESTAMP", ImportException.quote(f[0])
              + " is not a time like 2023-11-16 18:15:46.6805900 (2023) or 2024-05-10 00:00:00.009930+00:00 (2024)");
        }
        int context = CsvFields.count(f[1], file, line, "ContextTokens", 1);
        int generated = CsvFields.count(f[2], file, line, "GeneratedTokens", 0);
        if (w.rows() == 0) {
          origin = ns;
        }
        if (ns < previous) {
          throw ImportException.atLine(file, line, "TIMESTAMP", ImportException.quote(f[0].strip())
              + " is before the previous row's time; the trace must be sorted by TIMESTAMP (sort it first)");
        }
        previous = ns;
        if (ns - origin < 0) { // the subtraction overflowed: a time centuries after the first row's
          throw ImportException.atLine(file, line, "TIMESTAMP", ImportException.quote(f[0].strip())
              + " is more than 292 years after the first row's time");
        }
        prefixes.next(null, context, generated);
        w.append(w.rows(), ns - origin, null, prefixes.hasSession(), prefixes.sessionId(), context, generated,
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

  /**
   * Nanoseconds since the epoch of a 2023 timestamp (no offset: UTC) or a 2024 one (with a UTC
   * offset such as {@code +00:00}, applied); a {@code T} between date and time is accepted.
   */
  static long epochNs(String text) {
    String s = text.length() > 10 && text.charAt(10) == 'T' ? text.substring(0, 10) + ' ' + text.substring(11) : text;
    java.time.temporal.TemporalAccessor t = TIME.parseBest(s, java.time.OffsetDateTime::from, LocalDateTime::from);
    if (t instanceof java.time.OffsetDateTime o) {
      return Math.addExact(Math.multiplyExact(o.toEpochSecond(), 1_000_000_000L), o.getNano());
    }
    LocalDateTime l = (LocalDateTime) t;
    return Math.addExact(Math.multiplyExact(l.toEpochSecond(ZoneOffset.UTC), 1_000_000_000L), l.getNano());
  }
}
