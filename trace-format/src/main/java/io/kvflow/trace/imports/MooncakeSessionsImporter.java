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
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Mooncake JSONL with sessions, as AIPerf and NVIDIA Dynamo write it for multi-turn (agentic)
 * benchmarks: {@code {"session_id": "a", "timestamp": ms, "delay": ms, "input_length": n,
 * "output_length": m, "hash_ids": [...]}}, the turns of a session in order (sessions may follow one
 * another or interleave).
 *
 * <p>Arrival: a line with {@code timestamp} arrives at that time (milliseconds, as in plain
 * Mooncake); a line without it arrives {@code delay} ms (0 if absent) after the previous turn of its
 * session arrived, or {@code delay} ms after time 0 for a session's first turn. AIPerf counts the
 * delay from the previous turn's completion, which a trace does not record; KVFlow counts it from
 * the previous turn's arrival, so a replayed session is denser than AIPerf would send it by the
 * previous turns' service times. A turn must not arrive before the previous turn of its session.
 * {@code arrival_ns = ms * 10^6}; rows are written in arrival order (ties in file order).
 *
 * <p>Hash ids ({@link HashForm}): in the {@code full} form each line carries its whole prompt's
 * ids, checked as in plain Mooncake ({@code ceil(input_length / block_tokens)} ids); in the
 * {@code delta} form a line carries only the ids that extend its session's previous turn: its
 * prompt is the previous turn's ids followed by this line's, and that total must be
 * {@code ceil(input_length / block_tokens)} ({@code input_length} is the whole prompt's length).
 *
 * <p>{@code request_id} = the line's position among the requests (0, 1, ... in file order);
 * {@code session_id} = the session's position in order of first appearance (0, 1, ...);
 * {@code session_id} values may be strings or integers. Lines are held until the end of the file
 * (their order is only known then): memory grows with the input ({@link HeldRequests}).
 */
final class MooncakeSessionsImporter implements TraceImporter {
  /** How a line's {@code hash_ids} name its prompt's blocks. */
  enum HashForm {
    /** Every line lists all of its prompt's block ids. */
    FULL,
    /** A line lists the ids that extend its session's previous turn's. */
    DELTA
  }

  static final String FIELDS = "{session_id, timestamp | delay, input_length, output_length, hash_ids}";
  private final HashForm form;

  MooncakeSessionsImporter(HashForm form) {
    this.form = form;
  }

  @Override
  public String description() {
    return form == HashForm.FULL
        ? "Mooncake JSONL with sessions (AIPerf/Dynamo) " + FIELDS + " -> requests (arrival = timestamp or previous turn + delay ms)"
        : "Mooncake JSONL with sessions, delta hash_ids (each line's ids extend its previous turn's) -> requests";
  }

  /** One open session: its ordinal and the index of its latest held turn (-1: none yet). */
  private static final class Session {
    final long ordinal;
    int last = -1;

    Session(long ordinal) {
      this.ordinal = ordinal;
    }
  }

  @Override
  public long importTrace(Path input, Path output, ImportOptions options, Progress progress) {
    String file = input.toString();
    int blockTokens = options.blockTokensOr(512);
    HeldRequests held = new HeldRequests();
    Map<String, Session> sessions = new HashMap<>();
    HashList hashes = new HashList();
    long[] prompt = new long[64];
    try (TextLines in = new TextLines(input)) {
      String text;
      while ((text = in.next()) != null) {
        long number = in.number();
        if (text.isBlank()) {
          continue;
        }
        hashes.clear();
        long timestamp = Long.MIN_VALUE;
        long delay = Long.MIN_VALUE;
        long inputLength = Long.MIN_VALUE;
        long outputLength = Long.MIN_VALUE;
        String sessionKey = null;
        try (JsonParser p = JsonFields.JSON.createParser(text)) {
          if (p.nextToken() != JsonToken.START_OBJECT) {
            throw ImportException.atLine(file, number, null, "expected a JSON object " + FIELDS);
          }
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
              case "session_id" -> sessionKey = sessionKey(p, t, file, number, field);
              case "timestamp" -> timestamp = integer(p, t, file, number, field);
              case "delay" -> delay = integer(p, t, file, number, field);
              case "input_length" -> inputLength = integer(p, t, file, number, field);
              case "output_length" -> outputLength = integer(p, t, file, number, field);
              case "hash_ids" -> hashes.read(p, t, file, number, field);
              default -> p.skipChildren();
            }
          }
          if (p.nextToken() != null) {
            throw ImportException.atLine(file, number, null, "text after the JSON object");
          }
        } catch (JsonParseException e) {
          throw ImportException.atLine(file, number, null, "malformed JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
          throw ImportException.atLine(file, number, null, "malformed JSON (" + e.getMessage() + ")");
        }
        require(sessionKey != null, file, number, "session_id", "missing (a string or integer naming the session;"
            + " plain Mooncake lines without sessions: use the mooncake format)");
        require(inputLength != Long.MIN_VALUE, file, number, "input_length", "missing");
        require(outputLength != Long.MIN_VALUE, file, number, "output_length", "missing");
        require(hashes.present(), file, number, "hash_ids", "missing");
        require(timestamp == Long.MIN_VALUE || timestamp >= 0 && timestamp <= MAX_MS, file, number, "timestamp",
            timestamp + " must be in 0.." + MAX_MS + " (milliseconds)");
        require(delay == Long.MIN_VALUE || delay >= 0 && delay <= MAX_MS, file, number, "delay",
            delay + " must be in 0.." + MAX_MS + " (milliseconds)");
        require(inputLength > 0 && inputLength <= Integer.MAX_VALUE, file, number, "input_length",
            inputLength + " must be in 1.." + Integer.MAX_VALUE);
        require(outputLength >= 0 && outputLength <= Integer.MAX_VALUE, file, number, "output_length",
            outputLength + " must be in 0.." + Integer.MAX_VALUE);
        Session s = sessions.computeIfAbsent(sessionKey, k -> new Session(sessions.size()));
        long previousMs = s.last < 0 ? 0 : held.arrivalNs(s.last) / 1_000_000L;
        long arrivalMs;
        if (timestamp != Long.MIN_VALUE) {
          arrivalMs = timestamp;
          require(s.last < 0 || arrivalMs >= previousMs, file, number, "timestamp", timestamp
              + " is before the previous turn of its session (" + previousMs
              + " ms); a session's turns are in order");
        } else {
          arrivalMs = previousMs + (delay == Long.MIN_VALUE ? 0 : delay);
          require(arrivalMs <= MAX_MS, file, number, "delay", "the turn would arrive at " + arrivalMs + " ms, after "
              + MAX_MS + " ms");
        }
        int count = hashes.count;
        long[] ids = hashes.ids;
        if (form == HashForm.DELTA && s.last >= 0) {
          int before = held.hashCount(s.last);
          if (prompt.length < before + count) {
            prompt = Arrays.copyOf(prompt, Math.max(prompt.length * 2, before + count));
          }
          System.arraycopy(held.hashPool(), held.hashStart(s.last), prompt, 0, before);
          System.arraycopy(ids, 0, prompt, before, count);
          ids = prompt;
          count += before;
        }
        long expected = (inputLength + blockTokens - 1) / blockTokens;
        if (count != expected) {
          throw ImportException.atLine(file, number, "hash_ids", (form == HashForm.DELTA && s.last >= 0
              ? count + " ids with the previous turn's " + held.hashCount(s.last) : count + " ids") + " for input_length "
              + inputLength + "; expected ceil(" + inputLength + " / " + blockTokens + ") = " + expected
              + " (one id per " + blockTokens + "-token block; --block-tokens sets the block size)");
        }
        s.last = held.add(arrivalMs * 1_000_000L, s.ordinal, (int) inputLength, (int) outputLength, ids, 0, count);
        if ((number & 4095) == 0) {
          progress.update(number, 0);
        }
      }
    }
    if (held.size() == 0) {
      throw new ImportException(file + ": no requests (only blank lines); expected one JSON object a line");
    }
    TraceMetadata meta = TraceMetadata.of(TraceKind.REQUESTS, blockTokens,
            "mooncake-sessions" + (form == HashForm.DELTA ? "-delta: " : ": ") + input.getFileName())
        .withExtra(TraceMetadata.KEY_PREFIX_INFO, "known")
        .withExtra(TraceMetadata.KEY_SESSION_MEANING, "position of the session_id in order of first appearance (0, 1, ...)")
        .withExtra("kvflow.arrival_rule", "timestamp ms, else previous turn's arrival + delay ms");
    try (RequestTraceWriter w = RequestTraceWriter.open(output, meta)) {
      for (int i : held.arrivalOrder()) {
        w.append(i, held.arrivalNs(i), null, true, held.session(i), held.inputTokens(i), held.outputTokens(i),
            held.hashPool(), held.hashStart(i), held.hashCount(i));
      }
      w.commit();
      return w.rows();
    }
  }

  private static final long MAX_MS = Long.MAX_VALUE / 1_000_000L;

  private static String sessionKey(JsonParser p, JsonToken t, String file, long line, String field) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT) {
      return "i" + p.getText(); // integer 7 and string "7" name different sessions
    }
    if (t == JsonToken.VALUE_STRING) {
      return "s" + JsonFields.shortText(p, t, file, line, field);
    }
    throw ImportException.atLine(file, line, field, "expected a string or an integer, got " + JsonFields.describe(t));
  }
}
