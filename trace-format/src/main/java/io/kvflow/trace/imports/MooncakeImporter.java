package io.kvflow.trace.imports;

import static io.kvflow.trace.imports.JsonFields.integer;
import static io.kvflow.trace.imports.JsonFields.require;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kvflow.common.Progress;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Mooncake JSONL: one request a line, {@code {"timestamp": ms, "input_length": n, "output_length":
 * m, "hash_ids": [...]}}; each hash id names one prefix-chained block of 512 tokens (or
 * {@code --block-tokens}). Becomes a requests trace with {@code arrival_ns = timestamp * 10^6},
 * request ids in file order and {@code block_hashes = hash_ids}.
 *
 * <p>Decisions (docs/importers.md): a line whose {@code hash_ids} length is not
 * {@code ceil(input_length / block_tokens)} is rejected, because the trace's prefix structure would
 * otherwise be misread; out-of-order timestamps are rejected (the format is sorted by timestamp,
 * and sorting would need the whole file in memory); blank lines are skipped; unknown fields are
 * ignored.
 */
final class MooncakeImporter implements TraceImporter {
  @Override
  public boolean acceptsRechunk() {
    return true;
  }

  @Override
  public String description() {
    return "Mooncake JSONL {timestamp, input_length, output_length, hash_ids} -> requests (512-token blocks)";
  }

  @Override
  public long importTrace(Path input, Path output, ImportOptions options, Progress progress) {
    String file = input.toString();
    int blockTokens = options.blockTokensOr(512);
    int fine = options.rechunkTokens();
    if (fine > 0) {
      Rechunk.check(file, blockTokens, fine);
    }
    TraceMetadata meta = TraceMetadata.of(TraceKind.REQUESTS, fine > 0 ? fine : blockTokens, "mooncake: "
        + input.getFileName());
    if (fine > 0) {
      meta = meta.withExtra("kvflow.rechunked_from_block_tokens", Integer.toString(blockTokens));
    }
    long[] hashes = new long[64];
    long[] fineHashes = new long[64];
    long previousMs = Long.MIN_VALUE;
    long line = 0;
    try (TextLines in = new TextLines(input); RequestTraceWriter w = RequestTraceWriter.open(output, meta)) {
      String text;
      while ((text = in.next()) != null) {
        line = in.number();
        if (text.isBlank()) {
          continue;
        }
        long timestamp = Long.MIN_VALUE;
        long inputLength = Long.MIN_VALUE;
        long outputLength = Long.MIN_VALUE;
        int hashCount = -1;
        try (JsonParser p = JsonFields.JSON.createParser(text)) {
          if (p.nextToken() != JsonToken.START_OBJECT) {
            throw ImportException.atLine(file, line, null, "expected a JSON object {timestamp, input_length, output_length, hash_ids}");
          }
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
              case "timestamp" -> timestamp = integer(p, t, file, line, field);
              case "input_length" -> inputLength = integer(p, t, file, line, field);
              case "output_length" -> outputLength = integer(p, t, file, line, field);
              case "hash_ids" -> {
                int[] count = new int[1];
                hashes = JsonFields.hashIds(p, t, file, line, field, hashes, count);
                hashCount = count[0];
              }
              default -> p.skipChildren();
            }
          }
          if (p.nextToken() != null) {
            throw ImportException.atLine(file, line, null, "text after the JSON object");
          }
        } catch (JsonParseException e) {
          throw ImportException.atLine(file, line, null, "malformed JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
          throw ImportException.atLine(file, line, null, "malformed JSON (" + e.getMessage() + ")");
        }
        require(timestamp != Long.MIN_VALUE, file, line, "timestamp", "missing");
        require(inputLength != Long.MIN_VALUE, file, line, "input_length", "missing");
        require(outputLength != Long.MIN_VALUE, file, line, "output_length", "missing");
        require(hashCount >= 0, file, line, "hash_ids", "missing");
        require(timestamp >= 0, file, line, "timestamp", timestamp + " is negative; expected milliseconds from trace start");
        require(timestamp <= Long.MAX_VALUE / 1_000_000, file, line, "timestamp", timestamp + " ms is too large");
        require(inputLength > 0 && inputLength <= Integer.MAX_VALUE, file, line, "input_length", inputLength + " must be in 1.." + Integer.MAX_VALUE);
        require(outputLength >= 0 && outputLength <= Integer.MAX_VALUE, file, line, "output_length", outputLength + " must be in 0.." + Integer.MAX_VALUE);
        require(timestamp >= previousMs, file, line, "timestamp", timestamp + " is before the previous line's " + previousMs
            + "; Mooncake traces are sorted by timestamp (sort the file first)");
        long expected = (inputLength + blockTokens - 1) / blockTokens;
        require(hashCount == expected, file, line, "hash_ids", hashCount + " ids for input_length " + inputLength
            + "; expected ceil(" + inputLength + " / " + blockTokens + ") = " + expected
            + " (one id per " + blockTokens + "-token block; --block-tokens sets the block size)");
        previousMs = timestamp;
        if (fine > 0) {
          fineHashes = Rechunk.apply(hashes, hashCount, inputLength, blockTokens, fine, w.rows(), fineHashes);
          w.append(w.rows(), timestamp * 1_000_000L, null, false, 0, (int) inputLength, (int) outputLength, fineHashes, 0,
              (int) ((inputLength + fine - 1) / fine));
        } else {
          w.append(w.rows(), timestamp * 1_000_000L, null, false, 0, (int) inputLength, (int) outputLength, hashes, 0,
              hashCount);
        }
        if ((line & 4095) == 0) {
          progress.update(line, 0);
        }
      }
      if (w.rows() == 0) {
        throw new ImportException(file + ": no requests (only blank lines); expected one JSON object a line");
      }
      w.commit();
      return w.rows();
    }
  }
}
