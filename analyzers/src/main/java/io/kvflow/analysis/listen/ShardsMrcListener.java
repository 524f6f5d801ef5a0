package io.kvflow.analysis.listen;

import io.kvflow.analysis.reuse.MissRatioCurve;
import io.kvflow.analysis.reuse.Shards;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.residency.AccessOutcome;
import io.kvflow.trace.AccessOp;

/**
 * The LRU miss-ratio curve of a replay's lookups, counted in layer-accesses as the tiers count them
 * (a lookup of a unit by {@code weight} layers is {@code weight} references with one outcome), with
 * an APPEND as an uncounted reference (it creates or fills the unit) and a FREE as removal (the
 * next lookup is a cold miss). Estimated with SHARDS fixed-size sampling so it costs little on long
 * replays; exact while the trace has at most {@link #SAMPLE_KEYS} distinct units.
 */
public final class ShardsMrcListener implements ReplayListener {
  public static final int SAMPLE_KEYS = 16_384;
  private static final int APPEND = AccessOp.APPEND.code();
  private final Shards shards;

  public ShardsMrcListener(long seed) {
    this.shards = Shards.fixedSize(SAMPLE_KEYS, seed);
  }

  @Override
  public void access(AccessOutcome o) {
    if (o.lookup()) {
      shards.access(o.key, o.weight);
    } else if (o.op == APPEND) {
      shards.touch(o.key);
    } else {
      shards.remove(o.key);
    }
  }

  /** Every hit of the run is a lookup by the run's weight: its key, in order. */
  @Override
  public void firstTierHits(io.kvflow.engine.HitRun run) {
    int weight = run.weight();
    for (int i = 0; i < run.size(); i++) {
      shards.access(run.key(i), weight);
    }
  }

  public MissRatioCurve curve() {
    return shards.curve();
  }

  public long references() {
    return shards.references();
  }

  public double rate() {
    return shards.rate();
  }
}
