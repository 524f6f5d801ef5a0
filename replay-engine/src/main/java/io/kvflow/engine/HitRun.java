package io.kvflow.engine;

import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.residency.AccessOutcome;
import io.kvflow.engine.residency.ResidencyTracker;

/**
 * A run of a request's decode reads that were all plain first-tier hits, accounted together
 * ({@link AccessFanout#reads}) and shown to the listeners at once ({@link ReplayListener#firstTierHits}):
 * each hit is a READ of {@link #weight} layer-accesses, layer -1, no flags, found in tier 0, whose
 * outcome {@link #outcome} describes. One instance per replay, refilled for every run.
 */
public final class HitRun {
  private final ResidencyTracker tracker;
  private long[] keys;
  private int from;
  private int size;
  private int weight;
  private int blockTokens;
  private long contextTokens;
  private long requestId;
  private int step;

  HitRun(ResidencyTracker tracker) {
    this.tracker = tracker;
  }

  void set(long[] keys, int from, int to, int weight, int blockTokens, long contextTokens, long requestId, int step) {
    this.keys = keys;
    this.from = from;
    this.size = to - from;
    this.weight = weight;
    this.blockTokens = blockTokens;
    this.contextTokens = contextTokens;
    this.requestId = requestId;
    this.step = step;
  }

  /** Hits in the run. */
  public int size() {
    return size;
  }

  /** The key of hit {@code i} (0 <= i < size), in access order. */
  public long key(int i) {
    return keys[from + i];
  }

  /** Layer-accesses of each hit (all hit the first tier). */
  public int weight() {
    return weight;
  }

  public long requestId() {
    return requestId;
  }

  public int step() {
    return step;
  }

  /** The outcome of hit {@code i}, as the per-access path gives it (the tracker's one instance, refilled). */
  public AccessOutcome outcome(int i) {
    int block = from + i;
    return tracker.hitOutcome(keys[block], weight, AccessSink.tokensOf(block, blockTokens, contextTokens), requestId,
        step);
  }
}
