package io.kvflow.engine.spec;

/** Prefetch policies of the timing model. */
public enum PrefetchKind {
  /** Every transfer is a demand transfer on the critical path. */
  NONE,
  /** While layer i computes, the transfers of layers i+1..i+depth are issued. */
  LAYER_AHEAD,
  /**
   * Requests traces: while an iteration runs, the prefill blocks of the requests the scheduler
   * admits in the next {@code depth} iterations are fetched from lower tiers (as
   * CachedAttention/AttentionStore do); decode transfers stay demand transfers.
   */
  REQUEST_AHEAD,
  /**
   * Like layer-ahead, but only for units whose reuse has been observed (accessed before): a unit's
   * first touch is unpredictable and stays a demand transfer.
   */
  REUSE_PREDICTED
}
