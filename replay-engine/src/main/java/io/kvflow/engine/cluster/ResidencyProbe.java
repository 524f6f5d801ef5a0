package io.kvflow.engine.cluster;

import io.kvflow.common.Hashing;
import io.kvflow.engine.residency.ResidencyTracker;
import io.kvflow.engine.spec.Placement;

/**
 * What a cluster reads of one instance's residency without accessing it: whether a block is held,
 * under the key residency holds it by (its first layer's under block x layer placement).
 */
final class ResidencyProbe {
  private final ResidencyTracker tracker;
  private final Placement placement;
  private final long blockBytes;

  ResidencyProbe(ResidencyTracker tracker, Placement placement, long blockBytes) {
    this.tracker = tracker;
    this.placement = placement;
    this.blockBytes = blockBytes;
  }

  /** The key residency holds a block under (its first layer's under block x layer placement). */
  long key(long blockHash) {
    return placement == Placement.BLOCK_LAYER ? Hashing.chain(blockHash, 0) : blockHash;
  }

  /** Uncompressed bytes of one block, every layer: what a KV transfer moves per block. */
  long blockBytes() {
    return blockBytes;
  }

  /** How many of {@code hashes[from, from + count)} no tier of the instance holds. */
  int missing(long[] hashes, int from, int count) {
    int m = 0;
    for (int k = from; k < from + count; k++) {
      if (!tracker.residentAnywhere(key(hashes[k]))) {
        m++;
      }
    }
    return m;
  }
}
