package io.kvflow.engine.cluster;

import io.kvflow.common.Hashing;
import io.kvflow.engine.AccessFanout;
import io.kvflow.engine.ReplayEngine;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.expand.RequestStepper;
import io.kvflow.engine.policy.PolicyParams;
import io.kvflow.engine.residency.ResidencyTracker;
import io.kvflow.engine.route.InstanceView;
import io.kvflow.engine.spec.Placement;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.time.TimedListener;
import io.kvflow.engine.time.TimingModel;
import io.kvflow.trace.batch.RequestBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * One engine instance of a cluster: its own residency (tiers), scheduler and timing model, built
 * from the cluster's config as a single replay builds them, fed the rows its router gives it.
 */
final class Instance implements InstanceView {
  private final ResidencyTracker tracker;
  private final TimingModel timing;
  private final AccessFanout fanout;
  private final RequestStepper stepper;
  private final Placement placement;
  private final boolean prefixInfoKnown;

  /**
   * @param listeners every listener of this instance's events (the cluster's shared ones and its own)
   * @param rowBatch the batch its scheduler reads rows through (owned by the caller)
   */
  Instance(ReplayConfig config, int blockTokens, boolean prefixInfoKnown, List<ReplayListener> listeners,
      RequestBatch rowBatch) {
    long unitBytes = config.model().blockBytesPerLayer(blockTokens);
    int layers = config.model().layers();
    long keyBytes = config.placement() == Placement.BLOCK ? unitBytes * layers : unitBytes;
    this.placement = config.placement();
    this.prefixInfoKnown = prefixInfoKnown;
    tracker = new ResidencyTracker(config, unitBytes, keyBytes, config.model().kvBytesPerTokenPerLayer(),
        PolicyParams.DEFAULT);
    List<TimedListener> timed = new ArrayList<>();
    for (ReplayListener l : listeners) {
      if (l instanceof TimedListener t) {
        timed.add(t);
      }
    }
    timing = new TimingModel(config, unitBytes, keyBytes, true, timed);
    fanout = new AccessFanout(tracker, timing, listeners.toArray(new ReplayListener[0]));
    stepper = new RequestStepper(fanout, config.placement(), config.finished(), layers, blockTokens,
        ReplayEngine.batchLimits(config, blockTokens), config.offload(), timing, rowBatch);
  }

  /** Runs this instance's iterations until its clock has reached {@code ns} or it has nothing to run. */
  void advanceTo(long ns) {
    stepper.advanceTo(ns);
  }

  /** Queues a row the router sent here. */
  void give(RequestBatch rows, int row) {
    stepper.give(rows, row);
  }

  /** Runs everything given to the end and returns this instance's result. */
  ReplayResult finish() {
    stepper.finish();
    var time = timing.finish();
    tracker.checkInvariants();
    var stats = stepper.stats();
    return new ReplayResult(
        new ReplayResult.TraceResult("requests", stats.requests(), stats.blockRefs(), stats.distinctBlocks(),
            prefixInfoKnown, prefixInfoKnown ? "known" : "unknown"), // the cluster total carries the trace's own label
        tracker.result(), new ReplayResult.ScheduleResult(stepper.preemptions(), stepper.waitedForMemory()), time,
        tracker.compression(), null, fanout.occupancy());
  }

  @Override
  public long loadTokens() {
    return stepper.loadTokens();
  }

  @Override
  public int residentPrefixBlocks(RequestBatch rows, int row) {
    int start = rows.hashStart(row);
    int n = rows.hashEnd(row) - start;
    int k = 0;
    while (k < n && tracker.residentInFirstTier(key(rows.hash(start + k)))) {
      k++;
    }
    return k;
  }

  /** The key residency holds a block under (its first layer's under block x layer placement). */
  private long key(long blockHash) {
    return placement == Placement.BLOCK_LAYER ? Hashing.chain(blockHash, 0) : blockHash;
  }
}
