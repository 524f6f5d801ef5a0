package io.kvflow.engine.time;

import io.kvflow.engine.residency.ResidencyTracker;
import io.kvflow.engine.spec.ReplayConfig;
import java.util.List;

/** The engine's order of stages for hand-worked timing tests: residency first, then timing reads the outcome. */
final class TimedPipeline {
  private final ResidencyTracker tracker;
  private final TimingModel timing;

  TimedPipeline(ReplayConfig c, ResidencyTracker tracker, long unitBytes, long keyBytes, boolean iterationGroups,
      List<? extends TimedListener> listeners) {
    this.tracker = tracker;
    this.timing = new TimingModel(c, unitBytes, keyBytes, iterationGroups, listeners);
  }

  void access(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags) {
    timing.access(tracker.access(key, op, weight, tokens, requestId, step, layer, flags));
  }

  void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {
    timing.requestStarted(requestId, arrivalNs, inputTokens, outputTokens);
  }

  void requestFinished(long requestId) {
    timing.requestFinished(requestId);
  }

  void stepFinished(long iteration) {
    timing.stepFinished(iteration);
  }

  TimeResult finish() {
    return timing.finish();
  }

  long nowNs() {
    return timing.nowNs();
  }
}
