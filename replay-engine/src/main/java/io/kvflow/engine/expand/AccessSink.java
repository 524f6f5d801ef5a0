package io.kvflow.engine.expand;

/**
 * Receives block accesses one at a time as primitives (no object per access).
 *
 * <p>{@code weight} is the number of layer-accesses the call stands for: a whole-block access in a
 * decode step stands for one read per layer. {@code flags} carries {@link #INPUT_BLOCK} for the
 * input blocks of a request's prefill (prefix-cache accounting) and {@link #RECOMPUTE_BLOCK} for the
 * blocks a resumed request prefills again; a request's prefill blocks arrive in sequence order.
 */
public interface AccessSink {
  int INPUT_BLOCK = 1;
  /** A block that a request resumed after a recompute preemption rebuilds with a new prefill. */
  int RECOMPUTE_BLOCK = 2;
  /** A block in the offloaded token range ({@code $.offload}): it lives in the offload tier and is read from there. */
  int OFFLOADED = 4;
  /** Bits 4..7 of {@code flags}: a codec for this access's data in lower tiers (CodecKind ordinal + 1), 0 = the tier's own. */
  int CODEC_SHIFT = 4;
  int CODEC_MASK = 0xF0;

  void access(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags);

  /**
   * A decode step's dense reads of one request's blocks under whole-block placement: a READ of
   * {@code keys[0..n)} in order, each of {@code weight} layer-accesses, layer -1, no flags, block
   * {@code i} holding {@code min(blockTokens, contextTokens - i * blockTokens)} tokens. Exactly
   * the {@link #access} calls it stands for (the default makes them); a sink may account a run of
   * first-tier hits together.
   */
  default void reads(long[] keys, int n, int weight, int blockTokens, long contextTokens, long requestId, int step) {
    int read = io.kvflow.trace.AccessOp.READ.code();
    for (int i = 0; i < n; i++) {
      access(keys[i], read, weight, tokensOf(i, blockTokens, contextTokens), requestId, step, -1, 0);
    }
  }

  /** Tokens of block {@code i} of a sequence of {@code contextTokens} tokens in {@code blockTokens}-token blocks. */
  static int tokensOf(int i, int blockTokens, long contextTokens) {
    return (int) Math.min(blockTokens, contextTokens - (long) i * blockTokens);
  }

  /** Called when a request is admitted to the batch (requests traces). */
  default void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {}

  /** Called when a request has produced its last token. */
  default void requestFinished(long requestId) {}

  /** Called at the end of every batch iteration (decode step of the running batch). */
  default void stepFinished(long iteration) {}
}
