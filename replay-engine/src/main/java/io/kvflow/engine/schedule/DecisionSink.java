package io.kvflow.engine.schedule;

import io.kvflow.engine.spec.Preemption;
import io.kvflow.trace.batch.RequestBatch;

/**
 * Receives the scheduler's decisions, in the order they take effect, as primitives. A request is
 * known by its {@code seq}: a small number the scheduler gives it on admission, which it keeps while
 * it runs or is paused and which is reused once it has finished, so a receiver can keep its state in
 * arrays indexed by {@code seq}.
 */
public interface DecisionSink {
  /** Row {@code row} of {@code rows} joins the running batch as {@code seq}: its prefill. */
  void admit(int seq, RequestBatch rows, int row);

  /**
   * Running request {@code seq} decodes its token number {@code step} (from 0) after
   * {@code contextTokens} tokens of context; a new block starts when {@code contextTokens} is a
   * multiple of the block size.
   */
  void decode(int seq, long requestId, int step, long contextTokens);

  /** {@code seq} has produced its last token, after {@code decodedTokens}, and leaves the batch. */
  void finish(int seq, long requestId, int decodedTokens);

  /** {@code seq} stops, after {@code decodedTokens} tokens, to make room in the first tier. */
  void preempt(int seq, long requestId, int decodedTokens, Preemption mode);

  /** The paused {@code seq} rejoins the batch with {@code contextTokens} tokens of context. */
  void resume(int seq, long requestId, long contextTokens, Preemption mode);

  /** Iteration {@code iteration} (from 0) of the running batch is over. */
  void iterationFinished(long iteration);
}
