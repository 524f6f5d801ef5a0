package io.kvflow.engine.time;

/**
 * Eager execution as the host issues it: the host launches a step's operations one after another,
 * each costing it a fixed host time (a kernel launch, a copy issue, an event record, a stream wait);
 * the GPU's compute stream runs kernel i at {@code max(GPU free, host time when kernel i was
 * launched)}. When the GPU is busy the launches hide behind it (a large batch: the step is the GPU's
 * time); when it is not the GPU waits for the host (batch 1 from Python: the step is the host's).
 *
 * <p>Two clocks, both simulated nanoseconds: {@link #hostNs} (the host has issued everything so far)
 * and {@link #gpuNs} (the compute stream is free). Copies on another stream are timed by their link;
 * the caller issues them at {@link #hostNs} and makes the compute stream wait for them with
 * {@link #gpuNotBefore}. No object per operation: the state is two doubles.
 */
public final class HostIssue {
  private double hostNs;
  private double gpuNs;

  /** Both clocks at the given times (the host is ready at {@code hostNs}, the GPU free at {@code gpuNs}). */
  public void start(long hostNs, long gpuNs) {
    this.hostNs = hostNs;
    this.gpuNs = gpuNs;
  }

  /** The host waits for the GPU (it needs the step's output, e.g. sampled tokens). */
  public void hostWaitsForGpu() {
    hostNs = Math.max(hostNs, gpuNs);
  }

  /** The host spends {@code ns} issuing something that is not a kernel of the compute stream. */
  public void host(double ns) {
    hostNs += ns;
  }

  /**
   * The host makes the compute stream wait on an event that fires at {@code readyNs} (a copy on
   * another stream): the host spends {@code hostCostNs}; the GPU passes the wait at
   * {@code max(free, issued, ready)} plus {@code gpuCostNs}.
   */
  public void streamWait(double hostCostNs, double readyNs, double gpuCostNs) {
    hostNs += hostCostNs;
    gpuNs = Math.max(Math.max(gpuNs, hostNs), readyNs) + gpuCostNs;
  }

  /** An operation of the compute stream that is not a kernel (a copy): issued like one, then {@code gpuWorkNs}. */
  public void gpuOp(double hostCostNs, double gpuWorkNs) {
    hostNs += hostCostNs;
    gpuNs = Math.max(gpuNs, hostNs) + gpuWorkNs;
  }

  /** The compute stream is free at {@code ns}, whatever it was before (a caller that timed the gap itself). */
  public void gpuAt(double ns) {
    gpuNs = ns;
  }

  /**
   * The host launches {@code count} kernels, {@code hostPerKernelNs} each; kernel i runs
   * {@code gpuWorkNs[i]} on the GPU from {@code max(GPU free, its launch)}.
   */
  public void kernels(double[] gpuWorkNs, int count, double hostPerKernelNs) {
    double host = hostNs;
    double gpu = gpuNs;
    for (int i = 0; i < count; i++) {
      host += hostPerKernelNs;
      gpu = Math.max(gpu, host) + gpuWorkNs[i];
    }
    hostNs = host;
    gpuNs = gpu;
  }

  /** When the host has issued everything so far (ns, unrounded). */
  public double hostTimeNs() {
    return hostNs;
  }

  /** When the host has issued everything so far (ns, rounded up). */
  public long hostNs() {
    return (long) Math.ceil(hostNs);
  }

  /** When the compute stream has run everything issued so far (ns, rounded up). */
  public long gpuNs() {
    return (long) Math.ceil(gpuNs);
  }
}
