package io.kvflow.trace.imports;

import io.kvflow.common.Progress;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.nio.file.Path;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;

/**
 * Azure multimodal LLM inference trace CSV (2025): the Azure 2024 columns and {@code NumImages},
 * the images a request carried, with the header naming the four columns {@code TIMESTAMP},
 * {@code ContextTokens}, {@code GeneratedTokens}, {@code NumImages} in any order. Timestamps as in
 * {@link AzureImporter} (UTC, or with a UTC offset); arrival relative to the first row; rows must
 * be sorted by time. {@code ContextTokens} is kept as the input length as published (the trace
 * does not say how many of them the images account for).
 *
 * <p>Schema v1 has no column for images: the file's totals go to the metadata,
 * {@code kvflow.images} (sum of NumImages) and {@code kvflow.requests_with_images}, and
 * {@code kvflow inspect} prints them. The trace has no prefix information ({@code
 * kvflow.prefix_info=unknown}) unless a prefix model is asked for ({@link PrefixModel}).
 *
 * <p>The input is read twice: once to check every row and total the images (the metadata is written
 * first), once to write. Memory does not grow with the input.
 */
final class AzureMultimodalImporter implements TraceImporter {
  static final List<String> COLUMNS = List.of("TIMESTAMP", "ContextTokens", "GeneratedTokens", "NumImages");

  @Override
  public boolean acceptsPrefixModel() {
    return true;
  }

  @Override
  public String description() {
    return "Azure multimodal CSV " + String.join(",", COLUMNS) + " (any order) -> requests (no prefix information;"
        + " image totals kept)";
  }

  @Override
  public long importTrace(Path input, Path output, ImportOptions options, Progress progress) {
    int blockTokens = options.blockTokensOr(16);
    long[] totals = new long[2];
    read(input, null, null, totals, progress);
    SyntheticPrefixes prefixes = SyntheticPrefixes.of(options.prefixModel(), blockTokens);
    TraceMetadata meta = prefixes.describe(TraceMetadata.of(TraceKind.REQUESTS, blockTokens,
            "azure-multimodal: " + input.getFileName()))
        .withExtra(TraceMetadata.KEY_IMAGES, Long.toString(totals[0]))
        .withExtra(TraceMetadata.KEY_REQUESTS_WITH_IMAGES, Long.toString(totals[1]));
    try (RequestTraceWriter w = RequestTraceWriter.open(output, meta)) {
      read(input, w, prefixes, new long[2], progress);
      w.commit();
      return w.rows();
    }
  }

  /**
   * One pass over the input: checks every row, adds {@code {images, rows with images}} to
   * {@code totals}, and writes the rows when {@code w} is not null.
   */
  private static void read(Path input, RequestTraceWriter w, SyntheticPrefixes prefixes, long[] totals, Progress progress) {
    String file = input.toString();
    int[] column = null;
    long rows = 0;
    long originNs = 0;
    long previousNs = Long.MIN_VALUE;
    try (TextLines in = new TextLines(input)) {
      String text;
      while ((text = in.next()) != null) {
        long line = in.number();
        text = CsvFields.clean(text, line);
        if (line == 1) {
          column = header(text, file);
          continue;
        }
        if (text.isBlank()) {
          continue;
        }
        String[] f = text.split(",", -1);
        if (f.length != 4) {
          throw ImportException.atLine(file, line, null, f.length + " fields; expected 4 (" + text(column) + ")");
        }
        String time = f[column[0]].strip();
        long ns;
        try {
          ns = AzureImporter.epochNs(time);
        } catch (DateTimeParseException | ArithmeticException e) {
          throw ImportException.atLine(file, line, "TIMESTAMP", ImportException.quote(time)
              + " is not a time like 2025-03-01 00:00:00.009930+00:00");
        }
        int context = CsvFields.count(f[column[1]], file, line, "ContextTokens", 1);
        int generated = CsvFields.count(f[column[2]], file, line, "GeneratedTokens", 0);
        int images = CsvFields.count(f[column[3]], file, line, "NumImages", 0);
        if (ns < previousNs) {
          throw ImportException.atLine(file, line, "TIMESTAMP", ImportException.quote(time)
              + " is before the previous row's time; the trace must be sorted by TIMESTAMP (sort it first)");
        }
        if (rows == 0) {
          originNs = ns;
        }
        if (ns - originNs < 0) { // the subtraction overflowed
          throw ImportException.atLine(file, line, "TIMESTAMP", ImportException.quote(time)
              + " is more than 292 years after the first row's time");
        }
        previousNs = ns;
        totals[0] += images;
        totals[1] += images > 0 ? 1 : 0;
        if (w != null) {
          prefixes.next(null, context, generated);
          w.append(rows, ns - originNs, null, prefixes.hasSession(), prefixes.sessionId(), context, generated,
              prefixes.hashes(), 0, prefixes.hashCount());
        }
        rows++;
        if ((line & 4095) == 0) {
          progress.update(line, 0);
        }
      }
    }
    if (column == null) {
      throw new ImportException(file + ": empty; expected a header " + String.join(",", COLUMNS) + " and rows");
    }
    if (rows == 0) {
      throw new ImportException(file + ": no rows after the header; expected at least one request");
    }
  }

  /** The position of each of {@link #COLUMNS} in the header. */
  private static int[] header(String text, String file) {
    String[] names = text.split(",", -1);
    int[] column = new int[COLUMNS.size()];
    Arrays.fill(column, -1);
    boolean ok = names.length == COLUMNS.size();
    for (int i = 0; ok && i < names.length; i++) {
      int c = COLUMNS.indexOf(names[i].strip());
      ok = c >= 0 && column[c] < 0;
      if (ok) {
        column[c] = i;
      }
    }
    if (!ok) {
      throw ImportException.atLine(file, 1, null, "header " + ImportException.quote(text) + "; expected the columns "
          + String.join(",", COLUMNS) + " (in any order)");
    }
    return column;
  }

  private static String text(int[] column) {
    String[] names = new String[column.length];
    for (int c = 0; c < column.length; c++) {
      names[column[c]] = COLUMNS.get(c);
    }
    return String.join(",", names);
  }
}
