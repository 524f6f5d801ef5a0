package io.kvflow.analysis.listen;

import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.time.TimedListener;

/**
 * Passes an instance's step and transfer times on to {@link LatencyHistograms}, not its request
 * times: a prefill instance of a disaggregated cluster ends its requests at their prefill, so the
 * cluster's request latencies are the decode pool's and only its steps join the cluster's histograms.
 */
public final class StepTimes implements ReplayListener, TimedListener {
  private final LatencyHistograms to;

  public StepTimes(LatencyHistograms to) {
    this.to = to;
  }

  @Override
  public void stepTimed(long step, long startNs, long stepNs, long stallNs, long computeNs) {
    to.stepTimed(step, startNs, stepNs, stallNs, computeNs);
  }

  @Override
  public void transferTimed(int link, long latencyNs) {
    to.transferTimed(link, latencyNs);
  }
}
