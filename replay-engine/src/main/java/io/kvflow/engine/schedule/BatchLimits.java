package io.kvflow.engine.schedule;

import io.kvflow.engine.spec.Preemption;

/**
 * What bounds the running batch.
 *
 * @param maxBatch requests running together, at least 1
 * @param maxBatchedTokens tokens one iteration may process: prefill input (and the context a
 *     recompute preemption rebuilds) plus one per decoding request; 0 = no limit
 * @param capacityBlocks blocks of the first tier the running batch must fit (0 = no limit)
 * @param preemption what happens when the running batch outgrows {@code capacityBlocks}
 */
public record BatchLimits(int maxBatch, long maxBatchedTokens, long capacityBlocks, Preemption preemption) {
  public BatchLimits {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("max_batch must be >= 1, got " + maxBatch);
    }
    if (maxBatchedTokens < 0 || capacityBlocks < 0) {
      throw new IllegalArgumentException("token and block limits must be >= 0 (0 = no limit), got "
          + maxBatchedTokens + " and " + capacityBlocks);
    }
    if (preemption == null) {
      throw new IllegalArgumentException("preemption is required");
    }
  }
}
