package io.kvflow.trace.imports;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvflow.common.Progress;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.nio.file.Path;

/**
 * The original KVFlow study's trace format: JSON lines {@code {"request_id": "mix_0",
 * "prompt_length": 256, "decode_length": 48, "arrival_time_ns": 0, "source": "mixed-context"}}.
 * Becomes a requests trace: ids 0, 1, 2... in file order (the string ids are not kept), no block
 * hashes (the format has no prefix information: `kvflow.prefix_info=unknown`), 16-token blocks
 * unless {@code --block-tokens}. Arrivals must not decrease.
 */
final class KvflowJsonlImporter implements TraceImporter {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  @Override
  public boolean acceptsPrefixModel() {
    return true;
  }

  @Override
  public String description() {
    return "the original KVFlow study's JSONL {request_id, prompt_length, decode_length, arrival_time_ns} -> requests";
  }

  @Override
  public long importTrace(Path input, Path output, ImportOptions options, Progress progress) {
    String file = input.toString();
    int blockTokens = options.blockTokensOr(16);
    SyntheticPrefixes prefixes = SyntheticPrefixes.of(options.prefixModel(), blockTokens);
    TraceMetadata meta = prefixes.describe(TraceMetadata.of(TraceKind.REQUESTS, blockTokens, "kvflow-jsonl: " + input.getFileName()));
    long previous = Long.MIN_VALUE;
    try (TextLines in = new TextLines(input); RequestTraceWriter w = RequestTraceWriter.open(output, meta)) {
      String text;
      while ((text = in.next()) != null) {
        long line = in.number();
        if (text.isBlank()) {
          continue;
        }
        JsonNode n;
        try {
          n = JSON.readTree(text);
        } catch (JsonProcessingException e) {
          throw ImportException.atLine(file, line, null, "malformed JSON (" + e.getOriginalMessage() + ")");
        }
        if (n == null || !n.isObject()) {
          throw ImportException.atLine(file, line, null, "expected a JSON object");
        }
        long prompt = integer(n, "prompt_length", 1, file, line);
        long decode = integer(n, "decode_length", 0, file, line);
        long arrival = integer(n, "arrival_time_ns", 0, file, line);
        if (arrival < previous) {
          throw ImportException.atLine(file, line, "arrival_time_ns", arrival + " is before the previous line's "
              + previous + "; sort the file by arrival first");
        }
        previous = arrival;
        prefixes.next(null, (int) prompt, (int) decode);
        w.append(w.rows(), arrival, null, prefixes.hasSession(), prefixes.sessionId(), (int) prompt, (int) decode,
            prefixes.hashes(), 0, prefixes.hashCount());
      }
      if (w.rows() == 0) {
        throw new ImportException(file + ": no requests; expected one JSON object a line");
      }
      w.commit();
      return w.rows();
    }
  }

  private static long integer(JsonNode n, String field, long min, String file, long line) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw ImportException.atLine(file, line, field, "missing");
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw ImportException.atLine(file, line, field, "expected an integer, got " + v);
    }
    long x = v.asLong();
    if (x < min || x > Integer.MAX_VALUE && !field.equals("arrival_time_ns")) {
      throw ImportException.atLine(file, line, field, x + " must be >= " + min);
    }
    return x;
  }
}
