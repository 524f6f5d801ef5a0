package io.kvflow.trace.imports;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvflow.common.Hashing;
import io.kvflow.common.LongHashSet;
import io.kvflow.common.Progress;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.AccessTraceWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * vLLM KV-cache events ({@code KVEventBatch} of {@code vllm.distributed.kv_events}) as a subscriber
 * dumps them: JSON lines, one batch a line, in msgspec's array form {@code [ts, [events...]]} or
 * with named fields {@code {"ts": ..., "events": [...]}}; each event
 * {@code ["BlockStored", hashes, parent, token_ids, block_size, lora_id, medium]},
 * {@code ["BlockRemoved", hashes, medium]}, {@code ["AllBlocksCleared"]} or the same as objects
 * with a {@code type} field.
 *
 * <p>Becomes an accesses trace: one WRITE per stored block, one FREE per removed block (and per
 * live block at AllBlocksCleared), time = ts relative to the first batch, request -1 and step -1
 * (events carry neither), layer -1 (a vLLM block spans all layers). Such a trace shows the
 * cache's own decisions, stores and evictions; it cannot show hits, because vLLM emits no event
 * when a cached block is reused. Integer hashes keep their low 64 bits; string (bytes) hashes are
 * folded to 64 bits.
 */
final class VllmEventsImporter implements TraceImporter {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  @Override
  public String description() {
    return "vLLM KV-cache event batches (JSON lines) -> accesses: WRITE per stored block, FREE per removed block";
  }

  @Override
  public long importTrace(Path input, Path output, ImportOptions options, Progress progress) {
    String file = input.toString();
    int blockTokens = options.blockTokensOr(16);
    String medium = options.medium() == null ? "GPU" : options.medium().toUpperCase(Locale.ROOT);
    TraceMetadata meta = TraceMetadata.of(TraceKind.ACCESSES, blockTokens, "vllm-events: " + input.getFileName())
        .withExtra("kvflow.hits_observed", "false");
    LongHashSet live = new LongHashSet(1 << 12);
    long line = 0;
    long origin = Long.MIN_VALUE;
    long previous = Long.MIN_VALUE;
    try (TextLines in = new TextLines(input); AccessTraceWriter w = AccessTraceWriter.open(output, meta)) {
      String text;
      while ((text = in.next()) != null) {
        line = in.number();
        if (text.isBlank()) {
          continue;
        }
        JsonNode batch;
        try {
          batch = JSON.readTree(text);
        } catch (JsonProcessingException e) {
          throw ImportException.atLine(file, line, null, "malformed JSON (" + e.getOriginalMessage() + ")");
        }
        JsonNode ts;
        JsonNode events;
        if (batch.isArray()) {
          ts = batch.get(0);
          events = batch.get(1);
        } else if (batch.isObject()) {
          ts = batch.get("ts");
          events = batch.get("events");
        } else {
          throw ImportException.atLine(file, line, null, "expected a batch [ts, [events...]] or {\"ts\":..., \"events\": [...]}");
        }
        if (ts == null || !ts.isNumber()) {
          throw ImportException.atLine(file, line, "ts", ts == null ? "missing" : "expected a number of seconds");
        }
        if (events == null || !events.isArray()) {
          throw ImportException.atLine(file, line, "events", events == null ? "missing" : "expected an array of events");
        }
        long ns;
        try {
          ns = new BigDecimal(ts.asText()).movePointRight(9).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
          throw ImportException.atLine(file, line, "ts", ts.asText() + " is out of range");
        }
        if (origin == Long.MIN_VALUE) {
          origin = ns;
        }
        if (ns < previous) {
          throw ImportException.atLine(file, line, "ts", ts.asText() + " is before the previous batch's time; "
              + "batches must be in time order");
        }
        previous = ns;
        long t = ns - origin;
        for (int e = 0; e < events.size(); e++) {
          event(events.get(e), e, t, file, line, blockTokens, medium, live, w);
        }
        if ((line & 1023) == 0) {
          progress.update(line, 0);
        }
      }
      if (line == 0 || origin == Long.MIN_VALUE) {
        throw new ImportException(file + ": no event batches; expected one JSON batch a line");
      }
      w.commit();
      return w.rows();
    }
  }

  private static void event(JsonNode ev, int index, long t, String file, long line, int blockTokens, String medium,
      LongHashSet live, AccessTraceWriter w) {
    String where = "events[" + index + "]";
    String type;
    if (ev.isArray() && ev.size() > 0 && ev.get(0).isTextual()) {
      type = ev.get(0).asText();
    } else if (ev.isObject() && ev.has("type") && ev.get("type").isTextual()) {
      type = ev.get("type").asText();
    } else {
      throw ImportException.atLine(file, line, where, "expected an event [\"Type\", ...] or {\"type\": ...}");
    }
    switch (type) {
      case "BlockStored" -> {
        JsonNode hashes = field(ev, 1, "block_hashes", file, line, where);
        JsonNode size = field(ev, 4, "block_size", file, line, where);
        JsonNode med = optionalField(ev, 6, "medium");
        if (!hashes.isArray()) {
          throw ImportException.atLine(file, line, where + ".block_hashes", "expected an array of hashes");
        }
        if (!size.canConvertToInt() || !size.isIntegralNumber() || size.asInt() <= 0) {
          throw ImportException.atLine(file, line, where + ".block_size", "expected a positive integer, got " + size);
        }
        if (size.asInt() != blockTokens) {
          throw ImportException.atLine(file, line, where + ".block_size", size.asInt() + " differs from the block size "
              + blockTokens + "; rerun with --block-tokens " + size.asInt());
        }
        if (!keep(med, medium)) {
          return;
        }
        for (int k = 0; k < hashes.size(); k++) {
          long h = hash(hashes.get(k), file, line, where + ".block_hashes[" + k + "]");
          live.add(h);
          w.append(t, -1, -1, -1, h, AccessOp.WRITE.code(), blockTokens, Float.NaN);
        }
      }
      case "BlockRemoved" -> {
        JsonNode hashes = field(ev, 1, "block_hashes", file, line, where);
        JsonNode med = optionalField(ev, 2, "medium");
        if (!hashes.isArray()) {
          throw ImportException.atLine(file, line, where + ".block_hashes", "expected an array of hashes");
        }
        if (!keep(med, medium)) {
          return;
        }
        for (int k = 0; k < hashes.size(); k++) {
          long h = hash(hashes.get(k), file, line, where + ".block_hashes[" + k + "]");
          live.remove(h);
          w.append(t, -1, -1, -1, h, AccessOp.FREE.code(), 0, Float.NaN);
        }
      }
      case "AllBlocksCleared" -> {
        live.forEach(h -> w.append(t, -1, -1, -1, h, AccessOp.FREE.code(), 0, Float.NaN));
        live.clear();
      }
      default -> throw ImportException.atLine(file, line, where, "unknown event type " + ImportException.quote(type)
          + "; expected BlockStored, BlockRemoved or AllBlocksCleared");
    }
  }

  private static JsonNode field(JsonNode ev, int position, String name, String file, long line, String where) {
    JsonNode n = ev.isArray() ? ev.get(position) : ev.get(name);
    if (n == null) {
      throw ImportException.atLine(file, line, where + "." + name, "missing");
    }
    return n;
  }

  private static JsonNode optionalField(JsonNode ev, int position, String name) {
    return ev.isArray() ? ev.get(position) : ev.get(name);
  }

  /** Events without a medium (older vLLM) are GPU events; {@code all} keeps every medium. */
  private static boolean keep(JsonNode med, String wanted) {
    if (wanted.equals("ALL")) {
      return true;
    }
    String m = med == null || med.isNull() ? "GPU" : med.asText().toUpperCase(Locale.ROOT);
    return m.equals(wanted);
  }

  private static long hash(JsonNode h, String file, long line, String where) {
    if (h.isIntegralNumber()) {
      return h.bigIntegerValue().longValue();
    }
    if (h.isTextual()) {
      byte[] bytes = h.asText().getBytes(StandardCharsets.UTF_8);
      long x = 0x243F6A8885A308D3L;
      for (byte b : bytes) {
        x = Hashing.chain(x, b);
      }
      return x;
    }
    throw ImportException.atLine(file, line, where, "expected an integer or string hash, got " + h.getNodeType());
  }
}
