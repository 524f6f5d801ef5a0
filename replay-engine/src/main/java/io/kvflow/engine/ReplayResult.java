package io.kvflow.engine;

import io.kvflow.engine.residency.TierResult;
import java.util.List;

/**
 * The counts of one replay: what the trace held, and what each tier saw.
 *
 * @param traceKind requests or accesses
 * @param requests requests in the trace (requests traces) or distinct request ids seen (accesses)
 * @param blockRefs block references in the trace (as inspect counts them)
 * @param distinctBlocks distinct blocks among them
 * @param tiers per-tier totals, fastest first
 * @param unitBytes bytes of one layer of one block
 * @param placementUnitBytes bytes of one placement unit
 * @param sourceReads reads of blocks held by no tier (recomputed or fetched from outside)
 * @param appends APPEND operations
 * @param frees FREE operations
 * @param droppedOffLastTier units evicted from the last tier
 * @param inputBlocks input blocks looked up at prefill (requests traces)
 * @param inputBlockHits of which found in some tier
 * @param inputTokens tokens of those blocks
 * @param inputTokenHits tokens of the blocks found
 * @param prefixInfoKnown whether the trace carries prefix hashes
 * @param occupancy samples of {accesses so far, units resident in each tier, simulated ns (-1 without timing)}
 * @param time the timing model's totals, or null when the config has no hardware
 * @param preemptions requests stopped because the running batch outgrew the first tier
 * @param waitedForMemory admissions deferred because the batch would not fit the first tier
 * @param compression what the tiers' codecs saved and cost
 * @param sparse what sparse reads kept (null for dense reads)
 */
public record ReplayResult(String traceKind, long requests, long blockRefs, long distinctBlocks, List<TierResult> tiers,
    long unitBytes, long placementUnitBytes, long sourceReads, long appends, long frees, long droppedOffLastTier,
    long inputBlocks, long inputBlockHits, long inputTokens, long inputTokenHits, boolean prefixInfoKnown,
    List<long[]> occupancy, io.kvflow.engine.time.TimeResult time, long preemptions, long waitedForMemory,
    io.kvflow.engine.residency.CompressionResult compression, SparseResult sparse) {

  /**
   * @param policy sparse-read policy
   * @param readsIn decode reads offered
   * @param readsKept reads kept
   * @param tokensDiscarded tokens dropped for good (selective discard)
   * @param windowExceedsContext decisions where the window (or k) covered the whole context: allowed, reported
   * @param retained share of attention mass kept, per (request, step, layer)
   */
  public record SparseResult(String policy, long readsIn, long readsKept, long tokensDiscarded, long windowExceedsContext,
      io.kvflow.engine.sparse.RetainedMass retained) {}


  public double prefixBlockHitRatio() {
    return inputBlocks == 0 ? 0 : (double) inputBlockHits / inputBlocks;
  }

  public double prefixTokenHitRatio() {
    return inputTokens == 0 ? 0 : (double) inputTokenHits / inputTokens;
  }
}
