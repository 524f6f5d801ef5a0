package io.kvflow.trace.imports;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kvflow.common.Hashing;
import java.io.IOException;
import java.util.Arrays;

/**
 * One request's block hash ids, refilled in place line after line, with the checks and mappings
 * the hash-carrying importers share.
 */
final class HashList {
  /** Marks the hash given to a trailing partial block that a trace leaves unhashed. */
  private static final long PARTIAL_TAIL_MARK = 0x7a11_b10c_5eed_0001L;

  long[] ids = new long[64];
  int count = -1;

  void clear() {
    count = -1;
  }

  boolean present() {
    return count >= 0;
  }

  void read(JsonParser p, JsonToken t, String file, long line, String field) throws IOException {
    int[] n = new int[1];
    ids = JsonFields.hashIds(p, t, file, line, field, ids, n);
    count = n[0];
  }

  /**
   * Makes the list one id per (possibly partial) block of {@code inputTokens}. A list of
   * {@code ceil(inputTokens / blockTokens)} ids is kept as is. A list one shorter, when the last
   * block is partial (the source hashed full blocks only), gets one id for that tail block that is
   * unique to the request ({@code requestKey}), so the tail is never shared, as a partial block
   * is never shared by a prefix cache. Any other length is an error.
   */
  void fitToInput(long inputTokens, int blockTokens, long requestKey, String file, long line, String field) {
    long full = inputTokens / blockTokens;
    long expected = (inputTokens + blockTokens - 1) / blockTokens;
    if (count == expected) {
      return;
    }
    if (count == full && full < expected) {
      if (count == ids.length) {
        ids = Arrays.copyOf(ids, count * 2);
      }
      ids[count++] = partialTailId(requestKey);
      return;
    }
    throw ImportException.atLine(file, line, field, count + " ids for " + inputTokens + " input tokens; expected ceil("
        + inputTokens + " / " + blockTokens + ") = " + expected + " (or " + full
        + " when the partial last block is not hashed) with " + blockTokens + "-token blocks");
  }

  /** The id of a partial last block that is never shared: unique to the request ({@code requestKey}). */
  static long partialTailId(long requestKey) {
    return Hashing.mix64(Hashing.chain(PARTIAL_TAIL_MARK, requestKey));
  }

  /**
   * Maps session-local ids into one 64-bit space: {@code localScope(session, h) =
   * mix64(h ^ mix64(session * golden + c))} with the SplitMix64 finaliser. For one session it is a
   * bijection on 64-bit values, so distinct ids stay distinct; ids of different sessions meet only
   * by a 64-bit accident (about n^2 / 2^65 for n distinct ids: below 10^-7 for 10^6 ids).
   */
  static long localScope(long sessionKey, long hash) {
    return Hashing.mix64(hash ^ Hashing.mix64(sessionKey * 0x9E3779B97F4A7C15L + 0x1C3A_5E55_10C4_15C0L));
  }

  void mapLocal(long sessionKey) {
    for (int i = 0; i < count; i++) {
      ids[i] = localScope(sessionKey, ids[i]);
    }
  }
}
