package io.kvflow.trace.imports;

import io.kvflow.common.Hashing;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.generate.PrefixHasher;
import io.kvflow.trace.generate.Rng;
import java.util.Objects;

/**
 * Synthetic block hashes for a length-only trace, request by request in file order
 * ({@link PrefixModel}). A request's input is modelled as a token sequence of content segments,
 * hashed prefix-chained by {@link PrefixHasher} (a trailing partial block hashes apart from the
 * full block it would become):
 *
 * <ul>
 *   <li><b>system-prompt</b>: the first {@code min(S, input)} tokens are one system prompt shared by
 *       every request, the rest is the request's own content.
 *   <li><b>session</b>: the system prompt, then the session's conversation. A session's
 *       conversation is one token stream; a turn's input is the system prompt plus the stream's
 *       first {@code input - S} tokens, so a turn shares with the previous one the whole of that
 *       turn's input and output (the context it continues). The trace names no sessions, so they
 *       are drawn: each request draws one uniform number; below {@code continueProbability} it
 *       continues the open session of its tenant whose context (previous input + output tokens) is
 *       the longest below its input (ties: the most recently used); otherwise, or when none
 *       fits, it opens a new session (ids 0, 1, ... in order of opening). At most
 *       {@link #MAX_OPEN_SESSIONS} sessions stay open; opening one more closes the least recently
 *       used.
 * </ul>
 *
 * <p>Memory is fixed: a few numbers per open session and the hashes of one request.
 */
final class SyntheticPrefixes {
  static final int MAX_OPEN_SESSIONS = 1024;
  private static final long SYSTEM_PROMPT_MARK = 0x5157_e3a1_0000_0001L;
  private static final long OWN_CONTENT_MARK = 0x5157_e3a1_0000_0002L;
  private static final long SESSION_MARK = 0x5157_e3a1_0000_0003L;

  private final PrefixModel model;
  private final PrefixHasher hasher;
  private final Rng rng;
  private final long systemPromptId;
  private long[] hashes = new long[64];
  private int hashCount;
  private long requests;
  private long sessionId;
  // open sessions: parallel arrays, slot order is not meaningful
  private final long[] openIds = new long[MAX_OPEN_SESSIONS];
  private final String[] openTenants = new String[MAX_OPEN_SESSIONS];
  private final long[] openContextTokens = new long[MAX_OPEN_SESSIONS];
  private final long[] openLastUse = new long[MAX_OPEN_SESSIONS];
  private int open;
  private long sessionsOpened;

  private SyntheticPrefixes(PrefixModel model, int blockTokens) {
    this.model = model;
    this.hasher = new PrefixHasher(blockTokens);
    this.rng = new Rng(model.seed());
    this.systemPromptId = Hashing.chain(model.seed(), SYSTEM_PROMPT_MARK);
  }

  static SyntheticPrefixes of(PrefixModel model, int blockTokens) {
    return new SyntheticPrefixes(model, blockTokens);
  }

  /** The metadata with {@code kvflow.prefix_info} and, for a model, its parameters. */
  TraceMetadata describe(TraceMetadata meta) {
    if (model.kind() == PrefixModel.Kind.NONE) {
      return meta.withExtra(TraceMetadata.KEY_PREFIX_INFO, "unknown");
    }
    TraceMetadata m = meta.withExtra(TraceMetadata.KEY_PREFIX_INFO, "synthetic")
        .withExtra("kvflow.prefix_model", model.kind().cliName())
        .withExtra("kvflow.prefix_model.seed", Long.toString(model.seed()))
        .withExtra("kvflow.prefix_model.system_prompt_tokens", Integer.toString(model.systemPromptTokens()));
    if (model.kind() == PrefixModel.Kind.SESSION) {
      m = m.withExtra("kvflow.prefix_model.continue_probability", Double.toString(model.continueProbability()))
          .withExtra("kvflow.prefix_model.max_open_sessions", Integer.toString(MAX_OPEN_SESSIONS))
          .withExtra(TraceMetadata.KEY_SESSION_MEANING, "synthetic session of the prefix model (0, 1, ... in order of opening)");
    }
    return m;
  }

  /** Makes the next request's hashes (and session); read them with the accessors below. */
  void next(String tenant, int inputTokens, int outputTokens) {
    long index = requests++;
    hashCount = 0;
    if (model.kind() == PrefixModel.Kind.NONE) {
      return;
    }
    hasher.reset();
    int system = Math.min(model.systemPromptTokens(), inputTokens);
    if (system > 0) {
      hasher.append(systemPromptId, system);
    }
    long contentId;
    if (model.kind() == PrefixModel.Kind.SESSION) {
      sessionId = chooseSession(tenant, index, inputTokens, outputTokens);
      contentId = Hashing.chain(model.seed() ^ SESSION_MARK, sessionId);
    } else {
      contentId = Hashing.chain(model.seed() ^ OWN_CONTENT_MARK, index);
    }
    if (inputTokens > system) {
      hasher.append(contentId, inputTokens - system);
    }
    hashCount = hasher.blockCount();
    hashes = hasher.copyHashes(hashes);
  }

  private long chooseSession(String tenant, long index, int inputTokens, int outputTokens) {
    boolean wantsToContinue = rng.uniform() < model.continueProbability();
    int best = -1;
    if (wantsToContinue) {
      for (int i = 0; i < open; i++) {
        if (openContextTokens[i] < inputTokens && Objects.equals(openTenants[i], tenant) && (best < 0
            || openContextTokens[i] > openContextTokens[best]
            || openContextTokens[i] == openContextTokens[best] && openLastUse[i] > openLastUse[best])) {
          best = i;
        }
      }
    }
    if (best < 0) {
      best = open < MAX_OPEN_SESSIONS ? open++ : leastRecentlyUsed();
      openIds[best] = sessionsOpened++;
      openTenants[best] = tenant;
    }
    openContextTokens[best] = (long) inputTokens + outputTokens;
    openLastUse[best] = index;
    return openIds[best];
  }

  private int leastRecentlyUsed() {
    int lru = 0;
    for (int i = 1; i < open; i++) {
      if (openLastUse[i] < openLastUse[lru]) {
        lru = i;
      }
    }
    return lru;
  }

  boolean hasSession() {
    return model.kind() == PrefixModel.Kind.SESSION;
  }

  long sessionId() {
    return hasSession() ? sessionId : 0;
  }

  long[] hashes() {
    return hashes;
  }

  int hashCount() {
    return hashCount;
  }
}
