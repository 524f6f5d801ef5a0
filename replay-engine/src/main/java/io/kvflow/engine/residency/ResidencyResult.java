package io.kvflow.engine.residency;

import java.util.List;

/**
 * The residency stage's totals at the end of a replay (the sums of its access outcomes).
 *
 * @param tiers per-tier totals, fastest first
 * @param unitBytes bytes of one layer of one block
 * @param placementUnitBytes bytes of one placement unit
 * @param sourceReads READs of units held by no tier (recomputed or fetched from outside)
 * @param sourceBytes bytes of those reads
 * @param appends APPEND operations
 * @param frees FREE operations
 * @param droppedOffLastTier units evicted off the last tier
 * @param lookupLayerAccesses layer-accesses of READ and WRITE lookups (= the first tier's accesses)
 * @param foundNowhere of which found in no tier (lookups = sum of tier hits + found nowhere)
 * @param inputBlocks input blocks looked up at prefill (requests traces)
 * @param inputBlockHits of which found in some tier
 * @param inputTokens tokens of those blocks
 * @param inputTokenHits tokens of the blocks found
 */
public record ResidencyResult(List<TierResult> tiers, long unitBytes, long placementUnitBytes, long sourceReads,
    long sourceBytes, long appends, long frees, long droppedOffLastTier, long lookupLayerAccesses, long foundNowhere,
    long inputBlocks, long inputBlockHits, long inputTokens, long inputTokenHits) {

  public ResidencyResult {
    tiers = List.copyOf(tiers);
  }
}
