package io.kvflow.engine.cluster;

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

  private final ResidencyProbe probe;
  /** The routers' lagging view of the first tier, or null: they see it as it is. */
  private final KvEventView view;

  /**
   * @param listeners every listener of this instance's events (the cluster's shared ones and its own)
   * @param recorder told this instance's request times too (the cluster's per-request log), or null
   * @param rowBatch the batch its scheduler reads rows through (owned by the caller)
   * @param decodeOnly a decode instance of a disaggregated cluster: prompts' KV arrives by transfer
   * @param poolOwner with a shared pool: the instance whose pool this one shares (null: this one creates it)
   */
  Instance(ReplayConfig config, int blockTokens, boolean prefixInfoKnown, List<ReplayListener> listeners,
      TimedListener recorder, RequestBatch rowBatch, boolean decodeOnly, Instance poolOwner) {
    long unitBytes = config.model().blockBytesPerLayer(blockTokens);
    int layers = config.model().layers();
    long keyBytes = config.placement() == Placement.BLOCK ? unitBytes * layers : unitBytes;
    this.placement = config.placement();
    this.prefixInfoKnown = prefixInfoKnown;
    tracker = new ResidencyTracker(config, unitBytes, keyBytes, config.model().kvBytesPerTokenPerLayer(),
        PolicyParams.DEFAULT, config.cluster().sharedPoolTier() != null, poolOwner == null ? null : poolOwner.tracker);
    List<TimedListener> timed = new ArrayList<>();
    for (ReplayListener l : listeners) {
      if (l instanceof TimedListener t) {
        timed.add(t);
      }
    }
    if (recorder != null) {
      timed.add(recorder);
    }
    timing = new TimingModel(config, unitBytes, keyBytes, true, timed);
    long lag = config.cluster().kvEventLagNs();
    view = lag < 0 ? null : new KvEventView(tracker, timing, lag);
    List<ReplayListener> all = new ArrayList<>(listeners);
    if (view != null) {
      all.add(view);
    }
    fanout = new AccessFanout(tracker, timing, all.toArray(new ReplayListener[0]));
    stepper = new RequestStepper(fanout, config.placement(), config.finished(), layers, blockTokens,
        ReplayEngine.batchLimits(config, blockTokens), config.offload(), timing, rowBatch, decodeOnly);
    probe = new ResidencyProbe(tracker, placement, unitBytes * layers);
  }

  /** What the cluster reads of this instance's residency (not an access). */
  ResidencyProbe probe() {
    return probe;
  }

  /** Runs this instance's iterations until its clock has reached {@code ns} or it has nothing to run. */
  void advanceTo(long ns) {
    stepper.advanceTo(ns);
  }

  /** Queues a row the router sent here. */
  void give(RequestBatch rows, int row) {
    stepper.give(rows, row);
  }

  /** Queues a row the router sent here to be prefilled only (no output token: its KV goes to a decode instance). */
  void givePrefill(RequestBatch rows, int row) {
    stepper.give(rows, row, 0);
  }

  /** Queues a request prefilled elsewhere whose KV has arrived (a decode instance). */
  void giveDecode(long id, long arrival, int input, int output, long[] hashes, int from, int count) {
    stepper.give(id, arrival, input, output, hashes, from, count);
  }

  /** With nothing to run, moves this instance's clock to {@code ns}; see {@code RequestStepper.idleTo}. */
  void idleTo(long ns) {
    stepper.idleTo(ns);
  }

  /** Units the shared pool has admitted from every instance (-1 without a pool). */
  long poolInsertions() {
    return tracker.sharedTierInsertions();
  }

  /** KV events this instance emitted (0 without a lagging view). */
  long kvEvents() {
    return view == null ? 0 : view.events();
  }

  /** Requests this instance has admitted (each once, whatever preemption did). */
  long requestsAdmitted() {
    return stepper.stats().requests();
  }

  /** Runs everything given to the end and returns this instance's result. */
  ReplayResult finish() {
    stepper.finish();
    var time = timing.finish();
    tracker.checkInvariants();
    if (view != null) {
      view.checkAgainst();
    }
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
    if (view != null) {
      long now = rows.arrivalNs(row);
      while (k < n && view.holds(probe.key(rows.hash(start + k)), now)) {
        k++;
      }
      return k;
    }
    while (k < n && tracker.residentInFirstTier(probe.key(rows.hash(start + k)))) {
      k++;
    }
    return k;
  }
}
