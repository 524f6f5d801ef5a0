package io.kvflow.engine.time;

/** Receives the timing model's measurements (analyzers record them in histograms). */
public interface TimedListener {
  /** One step: when it started, how long it took, how much of that compute waited for data. */
  default void stepTimed(long step, long startNs, long stepNs, long stallNs, long computeNs) {}

  /** One finished request: time to first token, mean time per output token (-1 if fewer than two), end to end. */
  default void requestTimed(long requestId, long ttftNs, long tpotNs, long e2eNs) {}

  /** One transfer on link {@code link}: issue to completion. */
  default void transferTimed(int link, long latencyNs) {}
}
