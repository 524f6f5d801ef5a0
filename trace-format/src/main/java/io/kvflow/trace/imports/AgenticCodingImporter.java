package io.kvflow.trace.imports;

import static io.kvflow.trace.imports.JsonFields.integer;
import static io.kvflow.trace.imports.JsonFields.require;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.PriorityQueue;

/**
 * Agentic coding traces (SemiAnalysis AgentX, WEKA cc-traces): JSON lines, one session a line,
 * {@code {"block_size": 64, "hash_id_scope": "local", "tool_tokens": n, "system_tokens": n,
 * "requests": [{"t": s, "type": "n", "in": n, "out": m, "hash_ids": [...], "api_time": s,
 * "requests": [...]}]}}, where a {@code subagent} request nests the requests its subagent made.
 *
 * <p>Mapping: nested requests are flattened into time order, ties in pre-order
 * ({@link AgentSession}); {@code arrival_ns} = {@code t} (seconds, one clock for the whole file)
 * relative to the first session's first request; {@code session_id} = the session's position in the
 * file (0, 1, ...), shared by its subagents' requests; {@code tenant} = {@code type}; request ids
 * 0, 1, ... in arrival order. Hash ids of a {@code local}-scope session are mapped by
 * {@link HashList#localScope} with the session's position, so two sessions' local ids never meet;
 * {@code global} ids are kept as they are. {@code block_tokens} = {@code block_size}, the same on
 * every line ({@code --block-tokens}, if given, must agree). {@code tool_tokens},
 * {@code system_tokens} and {@code api_time} are not kept (schema v1 has no place for them; replay
 * models time itself) and not checked; unknown fields are ignored.
 *
 * <p>Sessions overlap in time, so they are merged: a line's session must not start before the
 * previous line's (lines sorted by first request time), and a session's requests are held only
 * until no later line can precede them. Memory is the requests of the sessions still running (all
 * of them, if every session's times start at 0).
 */
final class AgenticCodingImporter implements TraceImporter {
  static final String TYPES = "n, s or subagent";
  private static final int MAX_DEPTH = 32;

  @Override
  public String description() {
    return "agentic coding JSONL, one session a line {block_size, hash_id_scope, requests: [{t, type, in, out,"
        + " hash_ids, requests}]} -> requests (subagents flattened)";
  }

  @Override
  public long importTrace(Path input, Path output, ImportOptions options, Progress progress) {
    String file = input.toString();
    PriorityQueue<AgentSession> running = new PriorityQueue<>((a, b) -> a.nextTimeNs() != b.nextTimeNs()
        ? Long.compare(a.nextTimeNs(), b.nextTimeNs()) : Long.compare(a.ordinal, b.ordinal));
    RequestTraceWriter w = null;
    long[] next = {0};
    long originNs = 0;
    long previousStartNs = Long.MIN_VALUE;
    long sessions = 0;
    int fileBlockTokens = options.blockTokens();
    try (TextLines in = new TextLines(input)) {
      String text;
      while ((text = in.next()) != null) {
        long line = in.number();
        if (text.isBlank()) {
          continue;
        }
        AgentSession s = parseSession(text, file, line, sessions, fileBlockTokens);
        if (w == null) {
          fileBlockTokens = s.blockTokens;
          w = RequestTraceWriter.open(output, TraceMetadata.of(TraceKind.REQUESTS, fileBlockTokens,
                  "agentic-coding: " + input.getFileName())
              .withExtra(TraceMetadata.KEY_PREFIX_INFO, "known")
              .withExtra(TraceMetadata.KEY_SESSION_MEANING, "position of the session's line among the sessions (0, 1, ...)")
              .withExtra(TraceMetadata.KEY_TENANT_MEANING, "request type (n, s, subagent)"));
        }
        sessions++;
        if (s.size() == 0) {
          continue;
        }
        require(s.startNs() >= previousStartNs, file, line, "requests", "the session starts before the previous"
            + " line's session; sessions must be sorted by their first request's t (sort the lines first)");
        if (previousStartNs == Long.MIN_VALUE) {
          originNs = s.startNs();
        }
        previousStartNs = s.startNs();
        drain(running, s.startNs(), w, originNs, next);
        running.add(s);
        progress.update(line, 0);
      }
      if (w == null) {
        throw new ImportException(file + ": no sessions (only blank lines); expected one JSON object a line");
      }
      drain(running, Long.MAX_VALUE, w, originNs, next);
      if (w.rows() == 0) {
        throw new ImportException(file + ": no requests in any session; expected at least one");
      }
      w.commit();
      return w.rows();
    } finally {
      if (w != null) {
        w.close();
      }
    }
  }

  /** Writes, in time order, every held request at or before {@code untilNs}. */
  private static void drain(PriorityQueue<AgentSession> running, long untilNs, RequestTraceWriter w, long originNs,
      long[] nextId) {
    while (!running.isEmpty() && running.peek().nextTimeNs() <= untilNs) {
      AgentSession s = running.poll();
      int pos = s.cursor();
      w.append(nextId[0]++, s.timeNs(pos) - originNs, s.type(pos), true, s.ordinal, s.inputTokens(pos),
          s.outputTokens(pos), s.hashPool(), s.hashStart(pos), s.hashCount(pos));
      s.advance();
      if (s.hasNext()) {
        running.add(s);
      }
    }
  }

  /**
   * Reads one session line: a first pass for the session's own fields (which may follow its
   * requests), a second for the requests, flattened and sorted by time.
   */
  static AgentSession parseSession(String text, String file, long line, long ordinal, int fileBlockTokens) {
    AgentSession s = new AgentSession(ordinal, line);
    try {
      readSessionFields(text, file, line, s);
      if (fileBlockTokens > 0 && s.blockTokens != fileBlockTokens) {
        throw ImportException.atLine(file, line, "block_size", s.blockTokens + " differs from the file's "
            + fileBlockTokens + " (from --block-tokens or the first session); one trace has one block size");
      }
      try (JsonParser p = JsonFields.JSON.createParser(text)) {
        p.nextToken();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          JsonToken t = p.nextToken();
          if (p.currentName().equals("requests")) {
            readRequests(p, t, file, line, s, AgentSession.NO_PARENT, "requests", 1, new HashList());
          } else {
            p.skipChildren();
          }
        }
      }
    } catch (JsonParseException e) {
      throw ImportException.atLine(file, line, null, "malformed JSON (" + e.getOriginalMessage() + ")");
    } catch (IOException e) {
      throw ImportException.atLine(file, line, null, "malformed JSON (" + e.getMessage() + ")");
    }
    s.sortByTime();
    return s;
  }

  private static void readSessionFields(String text, String file, long line, AgentSession s) throws IOException {
    long blockSize = Long.MIN_VALUE;
    String scope = null;
    boolean requests = false;
    try (JsonParser p = JsonFields.JSON.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw ImportException.atLine(file, line, null, "expected a JSON object {block_size, hash_id_scope, requests}");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "block_size" -> blockSize = integer(p, t, file, line, field);
          case "hash_id_scope" -> scope = JsonFields.shortText(p, t, file, line, field);
          case "requests" -> {
            require(t == JsonToken.START_ARRAY, file, line, field, "expected an array of requests, got "
                + JsonFields.describe(t));
            requests = true;
            p.skipChildren();
          }
          default -> p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw ImportException.atLine(file, line, null, "text after the JSON object");
      }
    }
    require(blockSize != Long.MIN_VALUE, file, line, "block_size", "missing (tokens per hashed block, e.g. 64)");
    require(blockSize >= 1 && blockSize <= Short.MAX_VALUE, file, line, "block_size", blockSize + " must be in 1..32767");
    require(scope != null, file, line, "hash_id_scope", "missing (local or global)");
    require(scope.equals("local") || scope.equals("global"), file, line, "hash_id_scope",
        ImportException.quote(scope) + "; expected local or global");
    require(requests, file, line, "requests", "missing (an array of requests)");
    s.blockTokens = (int) blockSize;
    s.localScope = scope.equals("local");
  }

  private static void readRequests(JsonParser p, JsonToken t, String file, long line, AgentSession s, int parent,
      String path, int depth, HashList hashes) throws IOException {
    require(t == JsonToken.START_ARRAY, file, line, path, "expected an array of requests, got " + JsonFields.describe(t));
    require(depth <= MAX_DEPTH, file, line, path, "subagents nested more than " + MAX_DEPTH + " deep");
    int index = 0;
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      readRequest(p, e, file, line, s, parent, path + "[" + index + "]", depth, hashes);
      index++;
    }
  }

  private static void readRequest(JsonParser p, JsonToken t, String file, long line, AgentSession s, int parent,
      String path, int depth, HashList hashes) throws IOException {
    require(t == JsonToken.START_OBJECT, file, line, path, "expected a request object {t, type, in, out, hash_ids},"
        + " got " + JsonFields.describe(t));
    long timeNs = Long.MIN_VALUE;
    long in = Long.MIN_VALUE;
    long out = Long.MIN_VALUE;
    String type = null;
    hashes.clear();
    // nested requests are read after this one is added, so that it precedes them in pre-order
    String nested = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      String field = path + "." + name;
      JsonToken v = p.nextToken();
      switch (name) {
        case "t" -> timeNs = JsonFields.secondsAsNs(p, v, file, line, field);
        case "in" -> in = integer(p, v, file, line, field);
        case "out" -> out = integer(p, v, file, line, field);
        case "type" -> type = JsonFields.shortText(p, v, file, line, field);
        case "hash_ids" -> hashes.read(p, v, file, line, field);
        case "requests" -> {
          require(v == JsonToken.START_ARRAY, file, line, field, "expected an array of requests, got "
              + JsonFields.describe(v));
          nested = copyArray(p);
        }
        default -> p.skipChildren();
      }
    }
    require(timeNs != Long.MIN_VALUE, file, line, path + ".t", "missing (seconds)");
    require(type != null, file, line, path + ".type", "missing (" + TYPES + ")");
    // one shared string per type: a held session keeps a reference per request, not a copy
    type = switch (type) {
      case "n" -> "n";
      case "s" -> "s";
      case "subagent" -> "subagent";
      default -> throw ImportException.atLine(file, line, path + ".type", ImportException.quote(type) + "; expected " + TYPES);
    };
    require(in != Long.MIN_VALUE, file, line, path + ".in", "missing (input tokens)");
    require(out != Long.MIN_VALUE, file, line, path + ".out", "missing (output tokens)");
    require(hashes.present(), file, line, path + ".hash_ids", "missing");
    require(in > 0 && in <= Integer.MAX_VALUE, file, line, path + ".in", in + " must be in 1.." + Integer.MAX_VALUE);
    require(out >= 0 && out <= Integer.MAX_VALUE, file, line, path + ".out", out + " must be in 0.." + Integer.MAX_VALUE);
    if (s.localScope) {
      hashes.mapLocal(s.ordinal);
    }
    hashes.fitToInput(in, s.blockTokens, Hashing.chain(s.ordinal, s.size()), file, line, path + ".hash_ids");
    int self = s.add(timeNs, (int) in, (int) out, type, parent, hashes.ids, hashes.count);
    if (nested != null) {
      try (JsonParser q = JsonFields.JSON.createParser(nested)) {
        readRequests(q, q.nextToken(), file, line, s, self, path + ".requests", depth + 1, new HashList());
      }
    }
  }

  /** The text of the array the parser is at (its START_ARRAY), leaving the parser after its end. */
  private static String copyArray(JsonParser p) throws IOException {
    java.io.StringWriter out = new java.io.StringWriter();
    try (com.fasterxml.jackson.core.JsonGenerator g = JsonFields.JSON.createGenerator(out)) {
      g.copyCurrentStructure(p);
    }
    return out.toString();
  }
}
