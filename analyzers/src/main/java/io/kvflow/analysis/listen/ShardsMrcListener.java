package io.kvflow.analysis.listen;

import io.kvflow.analysis.reuse.MissRatioCurve;
import io.kvflow.analysis.reuse.Shards;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.residency.AccessOutcome;

/**
 * The LRU miss-ratio curve of a replay's lookups (placement units, one reference per lookup call),
 * estimated with SHARDS fixed-size sampling so it costs little on long replays.
 */
public final class ShardsMrcListener implements ReplayListener {
  public static final int SAMPLE_KEYS = 16_384;
  private final Shards shards;

  public ShardsMrcListener(long seed) {
    this.shards = Shards.fixedSize(SAMPLE_KEYS, seed);
  }

  @Override
  public void access(AccessOutcome o) {
    if (o.lookup()) {
      shards.access(o.key);
    }
  }

  /** Every hit of the run is a lookup: its key, in order. */
  @Override
  public void firstTierHits(io.kvflow.engine.HitRun run) {
    for (int i = 0; i < run.size(); i++) {
      shards.access(run.key(i));
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
