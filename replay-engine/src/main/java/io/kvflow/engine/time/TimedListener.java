package io.kvflow.engine.time;

/** Receives the timing model's measurements (analyzers record them in histograms). */
public interface TimedListener {
  /** One step: when it started, how long it took, how much of that compute waited for data. */
  default void stepTimed(long step, long startNs, long stepNs, long stallNs, long computeNs) {}

  /** One finished request: time to first token, mean time per output token (-1 if fewer than two), end to end. */
  default void requestTimed(long requestId, long ttftNs, long tpotNs, long e2eNs) {}

  /**
   * The same, with the time the request queued: arrival to the start of the first step that ran
   * it. The timing model calls this form; by default it passes on to the one without the queue.
   */
  default void requestTimed(long requestId, long queueNs, long ttftNs, long tpotNs, long e2eNs) {
    requestTimed(requestId, ttftNs, tpotNs, e2eNs);
  }

  /** One transfer on link {@code link}: issue to completion. */
  default void transferTimed(int link, long latencyNs) {}
}
