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
import java.time.format.DateTimeParseException;

/**
 * Copilot agent sessions, a length-only trace: JSON lines, one session a line,
 * {@code {"session_id": "s1", "turns": [{"llm_calls": [{"timestamp": s, "duration_ms": n,
 * "prompt_tokens": n, "completion_tokens": m, "cached_tokens": c}]}]}}. The field names were
 * written from the trace's published description (sessions -> turns -> llm_calls with timestamp,
 * duration, prompt, completion and cached tokens), not from a released file; docs/importers.md
 * says how to adapt a file whose names differ.
 *
 * <p>Mapping: one request per LLM call; {@code arrival_ns} = {@code timestamp} (seconds, a number
 * read exactly, or an ISO-8601 time such as {@code 2025-06-01T12:00:00.250Z}) relative to the
 * earliest call in the file; rows in arrival order, ties in file order; {@code request_id} = the
 * call's position in the file (sessions, turns, calls in order: 0, 1, ...); {@code session_id} =
 * the session's line position among the sessions (0, 1, ...); {@code input_tokens} =
 * {@code prompt_tokens}, {@code output_tokens} = {@code completion_tokens}. {@code duration_ms} is
 * checked and not kept (replay models time itself).
 *
 * <p>{@code cached_tokens} (the provider's prompt-cache hits, at most {@code prompt_tokens}) has no
 * column in schema v1: its total goes to the metadata as {@code kvflow.reported_cached_tokens},
 * beside {@code kvflow.reported_prompt_tokens}, and {@code kvflow inspect} shows their ratio next to
 * the ideal hit ratio. No block hashes unless a prefix model is asked for ({@link PrefixModel});
 * the session model then draws its sessions within each real session (so with
 * {@code --session-continue 1} a call continues the context of its session's previous call when
 * its prompt is longer) and the {@code session_id} column keeps the real session.
 * Calls are held until the end of the file (sessions overlap in time): memory grows with the input.
 */
final class CopilotSessionsImporter implements TraceImporter {
  static final String FIELDS = "{session_id, turns: [{llm_calls: [{timestamp, duration_ms, prompt_tokens,"
      + " completion_tokens, cached_tokens}]}]}";

  @Override
  public boolean acceptsPrefixModel() {
    return true;
  }

  @Override
  public String description() {
    return "Copilot agent sessions JSONL, one session a line " + FIELDS
        + " -> requests (no prefix information; cached_tokens totals kept)";
  }

  /** Totals over the file's calls. */
  private static final class Totals {
    long prompt;
    long cached;
    long sessions;
  }

  @Override
  public long importTrace(Path input, Path output, ImportOptions options, Progress progress) {
    String file = input.toString();
    int blockTokens = options.blockTokensOr(16);
    HeldRequests held = new HeldRequests();
    Totals totals = new Totals();
    try (TextLines in = new TextLines(input)) {
      String text;
      while ((text = in.next()) != null) {
        long line = in.number();
        if (text.isBlank()) {
          continue;
        }
        readSession(text, file, line, totals.sessions++, held, totals);
        progress.update(line, 0);
      }
    }
    if (held.size() == 0) {
      throw new ImportException(file + ": no LLM calls in any session; expected one JSON object a line " + FIELDS);
    }
    SyntheticPrefixes prefixes = SyntheticPrefixes.of(options.prefixModel(), blockTokens);
    TraceMetadata meta = prefixes.describe(TraceMetadata.of(TraceKind.REQUESTS, blockTokens, "copilot-sessions: "
            + input.getFileName()))
        .withExtra(TraceMetadata.KEY_SESSION_MEANING, "position of the session's line among the sessions (0, 1, ...)")
        .withExtra(TraceMetadata.KEY_REPORTED_CACHED_TOKENS, Long.toString(totals.cached))
        .withExtra(TraceMetadata.KEY_REPORTED_PROMPT_TOKENS, Long.toString(totals.prompt));
    int[] order = held.arrivalOrder();
    long originNs = held.arrivalNs(order[0]);
    try (RequestTraceWriter w = RequestTraceWriter.open(output, meta)) {
      for (int i : order) {
        prefixes.next(Long.toString(held.session(i)), held.inputTokens(i), held.outputTokens(i));
        w.append(i, held.arrivalNs(i) - originNs, null, true, held.session(i), held.inputTokens(i), held.outputTokens(i),
            prefixes.hashes(), 0, prefixes.hashCount());
      }
      w.commit();
      return w.rows();
    }
  }

  private static void readSession(String text, String file, long line, long ordinal, HeldRequests held, Totals totals) {
    boolean hasId = false;
    boolean hasTurns = false;
    try (JsonParser p = JsonFields.JSON.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw ImportException.atLine(file, line, null, "expected a JSON object " + FIELDS);
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "session_id" -> {
            require(t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT, file, line, field,
                "expected a string or an integer, got " + JsonFields.describe(t));
            hasId = true;
          }
          case "turns" -> {
            require(t == JsonToken.START_ARRAY, file, line, field, "expected an array of turns, got " + JsonFields.describe(t));
            hasTurns = true;
            int turn = 0;
            JsonToken e;
            while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
              readTurn(p, e, file, line, "turns[" + turn++ + "]", ordinal, held, totals);
            }
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
    require(hasId, file, line, "session_id", "missing");
    require(hasTurns, file, line, "turns", "missing (an array of turns, each with llm_calls)");
  }

  private static void readTurn(JsonParser p, JsonToken t, String file, long line, String path, long session,
      HeldRequests held, Totals totals) throws IOException {
    require(t == JsonToken.START_OBJECT, file, line, path, "expected a turn object {llm_calls}, got " + JsonFields.describe(t));
    boolean calls = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (name.equals("llm_calls")) {
        require(v == JsonToken.START_ARRAY, file, line, path + ".llm_calls", "expected an array of calls, got "
            + JsonFields.describe(v));
        calls = true;
        int index = 0;
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
          readCall(p, e, file, line, path + ".llm_calls[" + index++ + "]", session, held, totals);
        }
      } else {
        p.skipChildren();
      }
    }
    require(calls, file, line, path + ".llm_calls", "missing (an array of LLM calls)");
  }

  private static void readCall(JsonParser p, JsonToken t, String file, long line, String path, long session,
      HeldRequests held, Totals totals) throws IOException {
    require(t == JsonToken.START_OBJECT, file, line, path, "expected a call object {timestamp, duration_ms,"
        + " prompt_tokens, completion_tokens, cached_tokens}, got " + JsonFields.describe(t));
    long timeNs = Long.MIN_VALUE;
    long duration = Long.MIN_VALUE;
    long prompt = Long.MIN_VALUE;
    long completion = Long.MIN_VALUE;
    long cached = Long.MIN_VALUE;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      String field = path + "." + name;
      JsonToken v = p.nextToken();
      switch (name) {
        case "timestamp" -> timeNs = time(p, v, file, line, field);
        case "duration_ms" -> duration = integer(p, v, file, line, field);
        case "prompt_tokens" -> prompt = integer(p, v, file, line, field);
        case "completion_tokens" -> completion = integer(p, v, file, line, field);
        case "cached_tokens" -> cached = integer(p, v, file, line, field);
        default -> p.skipChildren();
      }
    }
    require(timeNs != Long.MIN_VALUE, file, line, path + ".timestamp", "missing (seconds, or an ISO-8601 time)");
    require(duration != Long.MIN_VALUE, file, line, path + ".duration_ms", "missing");
    require(prompt != Long.MIN_VALUE, file, line, path + ".prompt_tokens", "missing");
    require(completion != Long.MIN_VALUE, file, line, path + ".completion_tokens", "missing");
    require(cached != Long.MIN_VALUE, file, line, path + ".cached_tokens", "missing (0 when the provider reported none)");
    require(duration >= 0, file, line, path + ".duration_ms", duration + " is negative");
    require(prompt > 0 && prompt <= Integer.MAX_VALUE, file, line, path + ".prompt_tokens",
        prompt + " must be in 1.." + Integer.MAX_VALUE);
    require(completion >= 0 && completion <= Integer.MAX_VALUE, file, line, path + ".completion_tokens",
        completion + " must be in 0.." + Integer.MAX_VALUE);
    require(cached >= 0 && cached <= prompt, file, line, path + ".cached_tokens",
        cached + " must be in 0.." + prompt + " (at most prompt_tokens)");
    totals.prompt += prompt;
    totals.cached += cached;
    held.add(timeNs, session, (int) prompt, (int) completion, NO_HASHES, 0, 0);
  }

  private static final long[] NO_HASHES = new long[0];

  /** Seconds (a number) or an ISO-8601 time with an offset or {@code Z}, as nanoseconds since the epoch. */
  private static long time(JsonParser p, JsonToken t, String file, long line, String field) throws IOException {
    if (t != JsonToken.VALUE_STRING) {
      return JsonFields.secondsAsNs(p, t, file, line, field);
    }
    String s = p.getText();
    try {
      long ns = AzureImporter.epochNs(s.strip());
      require(ns >= 0, file, line, field, ImportException.quote(s) + " is before 1970");
      return ns;
    } catch (DateTimeParseException | ArithmeticException e) {
      throw ImportException.atLine(file, line, field, ImportException.quote(s)
          + " is not a time (seconds as a number, or ISO-8601 like 2025-06-01T12:00:00.250Z)");
    }
  }
}
