package io.kvflow.trace.imports;

import static io.kvflow.trace.imports.JsonFields.integer;
import static io.kvflow.trace.imports.JsonFields.require;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kvflow.common.LongIntHashMap;
import io.kvflow.common.Progress;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Qwen-Bailian JSONL (Alibaba Cloud Model Studio traces, "KVCache Cache in the Wild", ATC'25): one
 * request a line, {@code {"chat_id": 7, "parent_chat_id": -1, "timestamp": s, "input_length": n,
 * "output_length": m, "type": "text", "turn": 1, "hash_ids": [...]}}, hash ids naming 16-token
 * blocks.
 *
 * <p>Mapping: {@code request_id = chat_id}; {@code arrival_ns} = timestamp (seconds, read exactly)
 * relative to the first line; {@code session_id} = the root chat of the conversation, found by
 * following {@code parent_chat_id} to a chat whose parent is -1 (a parent that is not in the file
 * ends the walk: it becomes the session id); {@code tenant} = {@code type}; {@code block_hashes =
 * hash_ids} (a list that leaves a trailing partial block unhashed gets a tail id of its own,
 * {@link HashList#fitToInput}). {@code turn} and the parent link are checked but not stored: schema
 * v1 has no column for them (the turn order is the arrival order within a session).
 *
 * <p>Memory: one map entry per chat (chat id to session), 16 bytes a chat: the only state that
 * grows with the input, because any later chat may name any earlier one as its parent.
 */
final class QwenBailianImporter implements TraceImporter {
  static final String FIELDS = "{chat_id, parent_chat_id, timestamp, input_length, output_length, type, turn, hash_ids}";

  @Override
  public String description() {
    return "Qwen-Bailian JSONL " + FIELDS + " -> requests (16-token blocks; session = root chat, tenant = type)";
  }

  @Override
  public long importTrace(Path input, Path output, ImportOptions options, Progress progress) {
    String file = input.toString();
    int blockTokens = options.blockTokensOr(16);
    TraceMetadata meta = TraceMetadata.of(TraceKind.REQUESTS, blockTokens, "qwen-bailian: " + input.getFileName())
        .withExtra(TraceMetadata.KEY_PREFIX_INFO, "known")
        .withExtra(TraceMetadata.KEY_SESSION_MEANING, "root chat_id of the conversation (parent_chat_id followed to -1)")
        .withExtra(TraceMetadata.KEY_TENANT_MEANING, "request type (text, search, image, file)");
    HashList hashes = new HashList();
    LongIntHashMap sessionOfChat = new LongIntHashMap(1 << 12);
    long[] sessionRoots = new long[1 << 10];
    int sessions = 0;
    long originNs = 0;
    long previousNs = Long.MIN_VALUE;
    try (TextLines in = new TextLines(input); RequestTraceWriter w = RequestTraceWriter.open(output, meta)) {
      String text;
      while ((text = in.next()) != null) {
        long line = in.number();
        if (text.isBlank()) {
          continue;
        }
        long chat = Long.MIN_VALUE;
        long parent = Long.MIN_VALUE;
        long timeNs = Long.MIN_VALUE;
        long inputLength = Long.MIN_VALUE;
        long outputLength = Long.MIN_VALUE;
        long turn = Long.MIN_VALUE;
        String type = null;
        hashes.clear();
        try (JsonParser p = JsonFields.JSON.createParser(text)) {
          if (p.nextToken() != JsonToken.START_OBJECT) {
            throw ImportException.atLine(file, line, null, "expected a JSON object " + FIELDS);
          }
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
              case "chat_id" -> chat = integer(p, t, file, line, field);
              case "parent_chat_id" -> parent = integer(p, t, file, line, field);
              case "timestamp" -> timeNs = JsonFields.secondsAsNs(p, t, file, line, field);
              case "input_length" -> inputLength = integer(p, t, file, line, field);
              case "output_length" -> outputLength = integer(p, t, file, line, field);
              case "turn" -> turn = integer(p, t, file, line, field);
              case "type" -> type = JsonFields.shortText(p, t, file, line, field);
              case "hash_ids" -> hashes.read(p, t, file, line, field);
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
        require(chat != Long.MIN_VALUE, file, line, "chat_id", "missing");
        require(parent != Long.MIN_VALUE, file, line, "parent_chat_id", "missing (-1 for the first turn of a conversation)");
        require(timeNs != Long.MIN_VALUE, file, line, "timestamp", "missing");
        require(inputLength != Long.MIN_VALUE, file, line, "input_length", "missing");
        require(outputLength != Long.MIN_VALUE, file, line, "output_length", "missing");
        require(type != null, file, line, "type", "missing (text, search, image or file)");
        require(turn != Long.MIN_VALUE, file, line, "turn", "missing");
        require(hashes.present(), file, line, "hash_ids", "missing");
        require(chat >= 0, file, line, "chat_id", chat + " is negative; expected an id >= 0");
        require(parent >= -1, file, line, "parent_chat_id", parent + " is not a chat id; expected -1 (none) or an id >= 0");
        require(parent != chat, file, line, "parent_chat_id", parent + " is the chat's own id");
        require(turn >= 0 && turn <= Integer.MAX_VALUE, file, line, "turn", turn + " must be in 0.." + Integer.MAX_VALUE);
        require(inputLength > 0 && inputLength <= Integer.MAX_VALUE, file, line, "input_length",
            inputLength + " must be in 1.." + Integer.MAX_VALUE);
        require(outputLength >= 0 && outputLength <= Integer.MAX_VALUE, file, line, "output_length",
            outputLength + " must be in 0.." + Integer.MAX_VALUE);
        require(timeNs >= previousNs, file, line, "timestamp", "is before the previous line's; Qwen-Bailian traces are"
            + " sorted by timestamp (sort the file first)");
        require(!sessionOfChat.containsKey(chat), file, line, "chat_id", chat + " appears twice; chat ids are unique");
        hashes.fitToInput(inputLength, blockTokens, chat, file, line, "hash_ids");
        int slot = parent == -1 ? LongIntHashMap.MISSING : sessionOfChat.get(parent);
        if (slot == LongIntHashMap.MISSING) {
          if (sessions == sessionRoots.length) {
            sessionRoots = Arrays.copyOf(sessionRoots, sessions * 2);
          }
          sessionRoots[sessions] = parent == -1 ? chat : parent;
          slot = sessions++;
        }
        sessionOfChat.put(chat, slot);
        if (w.rows() == 0) {
          originNs = timeNs;
        }
        previousNs = timeNs;
        w.append(chat, timeNs - originNs, type, true, sessionRoots[slot], (int) inputLength, (int) outputLength,
            hashes.ids, 0, hashes.count);
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
