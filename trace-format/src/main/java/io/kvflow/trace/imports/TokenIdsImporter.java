package io.kvflow.trace.imports;

import static io.kvflow.trace.imports.JsonFields.describe;
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
import java.util.Arrays;

/**
 * Request logs with prompt token ids, one request a line: {@code {"request_id": "a", "arrival": 1.5,
 * "prompt_token_ids": [...], "output_length": 20, "lora_id": 3, "cache_salt": "s", "mm_hashes":
 * [{"hash": "img0", "offset": 5, "length": 32}]}} ({@code arrival_ns} instead of {@code arrival}
 * gives nanoseconds). Each full block of {@code --block-tokens} tokens (default 16) gets vLLM's
 * chained hash ({@link TokenBlockHash}): parent, token ids, extra keys (LoRA, the multimodal items
 * overlapping the block, the cache salt in the first block only). A partial last block gets an id
 * unique to the request, so it is never shared, as vLLM never caches a partial block.
 */
final class TokenIdsImporter implements TraceImporter {
  @Override
  public String description() {
    return "request logs {request_id, arrival, prompt_token_ids, output_length, lora_id, cache_salt, mm_hashes}"
        + " -> requests with vLLM-style chained block hashes (16-token blocks)";
  }

  /** One line's fields, refilled line after line. */
  private static final class Line {
    boolean hasId;
    long arrivalNs;
    boolean arrivalSeen;
    int[] tokens = new int[1024];
    int tokenCount = -1;
    long output = Long.MIN_VALUE;
    boolean hasLora;
    long loraKey;
    String loraText;
    String salt;
    long[] mmHash = new long[4];
    long[] mmOffset = new long[4];
    long[] mmLength = new long[4];
    int mmCount;

    void clear() {
      hasId = false;
      arrivalSeen = false;
      tokenCount = -1;
      output = Long.MIN_VALUE;
      hasLora = false;
      loraText = null;
      salt = null;
      mmCount = 0;
    }
  }

  @Override
  public long importTrace(Path input, Path output, ImportOptions options, Progress progress) {
    String file = input.toString();
    int blockTokens = options.blockTokensOr(16);
    TraceMetadata meta = TraceMetadata.of(TraceKind.REQUESTS, blockTokens, "token-ids: " + input.getFileName())
        .withExtra("kvflow.prefix_info", "known")
        .withExtra("kvflow.block_hash", "vllm-chain-64: hash(parent, token ids, extra keys [lora, mm, salt])")
        .withExtra("kvflow.tenant_is", "lora_id");
    Line l = new Line();
    long[] hashes = new long[64];
    long[] keys = new long[8];
    long origin = Long.MIN_VALUE;
    long previous = Long.MIN_VALUE;
    long line = 0;
    try (TextLines in = new TextLines(input); RequestTraceWriter w = RequestTraceWriter.open(output, meta)) {
      String text;
      while ((text = in.next()) != null) {
        line = in.number();
        if (text.isBlank()) {
          continue;
        }
        l.clear();
        parse(text, l, file, line);
        require(l.hasId, file, line, "request_id", "missing");
        require(l.arrivalSeen, file, line, "arrival", "missing (give arrival in seconds or arrival_ns in nanoseconds)");
        require(l.tokenCount >= 0, file, line, "prompt_token_ids", "missing");
        require(l.tokenCount > 0, file, line, "prompt_token_ids", "empty; a prompt has at least one token");
        require(l.output != Long.MIN_VALUE, file, line, "output_length", "missing");
        require(l.output >= 0 && l.output <= Integer.MAX_VALUE, file, line, "output_length",
            l.output + " must be in 0.." + Integer.MAX_VALUE);
        checkMm(l, file, line);
        if (origin == Long.MIN_VALUE) {
          origin = l.arrivalNs;
        }
        require(l.arrivalNs >= previous, file, line, "arrival", "before the previous line's arrival; lines must be in"
            + " arrival order (sort the file first)");
        previous = l.arrivalNs;
        int blocks = (l.tokenCount + blockTokens - 1) / blockTokens;
        if (hashes.length < blocks) {
          hashes = new long[Math.max(blocks, hashes.length * 2)];
        }
        long requestKey = w.rows();
        int full = l.tokenCount / blockTokens;
        long parent = TokenBlockHash.NONE_HASH;
        int mmFrom = 0;
        for (int b = 0; b < full; b++) {
          long start = (long) b * blockTokens;
          long end = start + blockTokens;
          int n = 0;
          if (keys.length < l.mmCount + 2) {
            keys = new long[l.mmCount + 2];
          }
          if (l.hasLora) {
            keys[n++] = l.loraText != null ? TokenBlockHash.loraKey(l.loraText) : TokenBlockHash.loraKey(l.loraKey);
          }
          while (mmFrom < l.mmCount && l.mmOffset[mmFrom] + l.mmLength[mmFrom] <= start) {
            mmFrom++; // items wholly before this block; items are sorted and do not overlap
          }
          for (int m = mmFrom; m < l.mmCount && l.mmOffset[m] < end; m++) {
            keys[n++] = TokenBlockHash.mmKey(l.mmHash[m], l.mmOffset[m] - start);
          }
          if (b == 0 && l.salt != null && !l.salt.isEmpty()) {
            keys[n++] = TokenBlockHash.saltKey(l.salt);
          }
          parent = TokenBlockHash.block(parent, l.tokens, (int) start, blockTokens, keys, n);
          hashes[b] = parent;
        }
        if (full < blocks) {
          hashes[full] = HashList.partialTailId(requestKey);
        }
        String tenant = l.hasLora ? (l.loraText != null ? l.loraText : Long.toString(l.loraKey)) : null;
        w.append(w.rows(), l.arrivalNs - origin, tenant, false, 0, l.tokenCount, (int) l.output, hashes, 0, blocks);
        if ((line & 1023) == 0) {
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

  private static void parse(String text, Line l, String file, long line) {
    try (JsonParser p = JsonFields.JSON.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw ImportException.atLine(file, line, null,
            "expected a JSON object {request_id, arrival, prompt_token_ids, output_length}");
      }
      boolean arrivalSeconds = false;
      boolean arrivalNs = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "request_id" -> {
            if (t != JsonToken.VALUE_STRING && t != JsonToken.VALUE_NUMBER_INT) {
              throw ImportException.atLine(file, line, field, "expected a string or an integer, got " + describe(t));
            }
            l.hasId = true;
          }
          case "arrival" -> {
            l.arrivalNs = JsonFields.secondsAsNs(p, t, file, line, field);
            arrivalSeconds = true;
          }
          case "arrival_ns" -> {
            l.arrivalNs = integer(p, t, file, line, field);
            require(l.arrivalNs >= 0, file, line, field, l.arrivalNs + " is negative; expected nanoseconds >= 0");
            arrivalNs = true;
          }
          case "prompt_token_ids" -> tokens(p, t, l, file, line, field);
          case "output_length" -> l.output = integer(p, t, file, line, field);
          case "lora_id" -> lora(p, t, l, file, line, field);
          case "cache_salt" -> {
            if (t == JsonToken.VALUE_STRING) {
              l.salt = p.getText();
            } else if (t != JsonToken.VALUE_NULL) {
              throw ImportException.atLine(file, line, field, "expected a string or null, got " + describe(t));
            }
          }
          case "mm_hashes" -> mm(p, t, l, file, line, field);
          default -> p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw ImportException.atLine(file, line, null, "text after the JSON object");
      }
      require(!(arrivalSeconds && arrivalNs), file, line, "arrival_ns", "given with arrival; give one of them");
      l.arrivalSeen = arrivalSeconds || arrivalNs;
    } catch (JsonParseException e) {
      throw ImportException.atLine(file, line, null, "malformed JSON (" + e.getOriginalMessage() + ")");
    } catch (IOException e) {
      throw ImportException.atLine(file, line, null, "malformed JSON (" + e.getMessage() + ")");
    }
  }

  private static void tokens(JsonParser p, JsonToken t, Line l, String file, long line, String field) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw ImportException.atLine(file, line, field, "expected an array of token ids, got " + describe(t));
    }
    int n = 0;
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (e != JsonToken.VALUE_NUMBER_INT) {
        throw ImportException.atLine(file, line, field + "[" + n + "]", "expected an integer token id, got "
            + (e == JsonToken.VALUE_NUMBER_FLOAT ? ImportException.quote(p.getText()) : describe(e)));
      }
      if (p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 0) {
        throw ImportException.atLine(file, line, field + "[" + n + "]", ImportException.quote(p.getText())
            + " is not a token id in 0.." + Integer.MAX_VALUE);
      }
      if (n == l.tokens.length) {
        require(n < Integer.MAX_VALUE / 2, file, line, field, "too many tokens");
        l.tokens = Arrays.copyOf(l.tokens, n * 2);
      }
      l.tokens[n++] = p.getIntValue();
    }
    l.tokenCount = n;
  }

  private static void lora(JsonParser p, JsonToken t, Line l, String file, long line, String field) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return;
    }
    if (t == JsonToken.VALUE_NUMBER_INT) {
      l.hasLora = true;
      l.loraKey = integer(p, t, file, line, field);
    } else if (t == JsonToken.VALUE_STRING) {
      l.hasLora = true;
      l.loraText = JsonFields.shortText(p, t, file, line, field);
    } else {
      throw ImportException.atLine(file, line, field, "expected an integer, a string (LoRA name) or null, got "
          + describe(t));
    }
  }

  private static void mm(JsonParser p, JsonToken t, Line l, String file, long line, String field) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return;
    }
    if (t != JsonToken.START_ARRAY) {
      throw ImportException.atLine(file, line, field, "expected an array of {hash, offset, length}, got " + describe(t));
    }
    int n = 0;
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      String at = field + "[" + n + "]";
      if (e != JsonToken.START_OBJECT) {
        throw ImportException.atLine(file, line, at, "expected an object {hash, offset, length}, got " + describe(e));
      }
      if (n == l.mmHash.length) {
        l.mmHash = Arrays.copyOf(l.mmHash, n * 2);
        l.mmOffset = Arrays.copyOf(l.mmOffset, n * 2);
        l.mmLength = Arrays.copyOf(l.mmLength, n * 2);
      }
      boolean hash = false;
      long offset = Long.MIN_VALUE;
      long length = Long.MIN_VALUE;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "hash" -> {
            if (v == JsonToken.VALUE_STRING) {
              l.mmHash[n] = TokenBlockHash.text(p.getText());
            } else if (v == JsonToken.VALUE_NUMBER_INT) {
              l.mmHash[n] = JsonFields.hashId(p, file, line, at + ".hash", 0);
            } else {
              throw ImportException.atLine(file, line, at + ".hash", "expected a string or an integer, got " + describe(v));
            }
            hash = true;
          }
          case "offset" -> offset = integer(p, v, file, line, at + ".offset");
          case "length" -> length = integer(p, v, file, line, at + ".length");
          default -> p.skipChildren();
        }
      }
      require(hash, file, line, at + ".hash", "missing");
      require(offset != Long.MIN_VALUE, file, line, at + ".offset", "missing (the item's first token position)");
      require(length != Long.MIN_VALUE, file, line, at + ".length", "missing (the item's placeholder tokens)");
      require(offset >= 0 && offset <= Integer.MAX_VALUE, file, line, at + ".offset", offset + " must be >= 0");
      require(length > 0 && length <= Integer.MAX_VALUE, file, line, at + ".length", length + " must be > 0");
      l.mmOffset[n] = offset;
      l.mmLength[n] = length;
      n++;
    }
    l.mmCount = n;
  }

  /** Items must lie within the prompt, sorted by offset and not overlapping (vLLM's placeholders). */
  private static void checkMm(Line l, String file, long line) {
    for (int m = 0; m < l.mmCount; m++) {
      String at = "mm_hashes[" + m + "]";
      require(l.mmOffset[m] + l.mmLength[m] <= l.tokenCount, file, line, at, "offset " + l.mmOffset[m] + " + length "
          + l.mmLength[m] + " is past the prompt's " + l.tokenCount + " tokens");
      require(m == 0 || l.mmOffset[m] >= l.mmOffset[m - 1] + l.mmLength[m - 1], file, line, at + ".offset",
          l.mmOffset[m] + " overlaps or precedes the previous item; items must be sorted by offset and not overlap");
    }
  }
}
