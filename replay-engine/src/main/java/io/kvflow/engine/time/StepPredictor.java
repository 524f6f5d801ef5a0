package io.kvflow.engine.time;

import io.kvflow.engine.spec.Execution;
import io.kvflow.engine.spec.HardwareSpec;
import io.kvflow.engine.spec.LinkSpec;
import io.kvflow.engine.spec.ModelSpec;

/**
 * The time of one whole step of a measured scenario, from the same per-operator compute model and
 * link model as the replay (no trace needed): a decode step of a batch at a context, a prefill of a
 * prompt, and a decode step with a fraction of every layer's context in host memory, copied over
 * the DRAM link each step either on the compute stream before the layer (sync) or one layer ahead on
 * a copy stream (layer-ahead); with more than one sequence the copy lands in strided chunks and pays
 * the link's scatter ({@link LinkSpec#scatterNs}). Under {@code execution: eager} the step is issued by the host
 * ({@link HostIssue}): every kernel, copy, event record and stream wait costs the host its time, and the
 * GPU runs each kernel when both it and the launch are ready; the step ends when the GPU has run its
 * last kernel. This is what {@code kvflow calibrate} fits and checks against
 * real-GPU measurements (docs/fidelity.md).
 */
public final class StepPredictor {
  /** How offloaded KV reaches the GPU. */
  public enum OffloadMode {
    /** Copied on the compute stream before its layer. */
    SYNC,
    /** Copied one layer ahead on a second stream; the layer waits on its event. */
    LAYER_AHEAD
  }

  /**
   * One measured scenario.
   *
   * @param kind decode or prefill
   * @param batch sequences decoded together (decode) or 1 (prefill)
   * @param context tokens each sequence attends over (decode) or the prompt length (prefill)
   * @param layers layers measured (a slice of a deep model: fewer than the model's)
   * @param lmHead whether the measured step includes lm_head and the once-per-step kernels
   * @param offloadFraction share of every layer's context in host memory (decode)
   * @param offloadMode how it is copied
   * @param execution CUDA graph or eager launches
   * @param tensorParallel GPUs splitting every layer
   */
  public record Scenario(Kind kind, int batch, long context, int layers, boolean lmHead, double offloadFraction,
      OffloadMode offloadMode, Execution execution, int tensorParallel) {}

  /** What a scenario's step does. */
  public enum Kind {
    DECODE,
    PREFILL
  }

  private StepPredictor() {}

  /** Copies per layer of offloaded KV: one for K, one for V (as engines keep them apart). */
  static final int COPIES_PER_LAYER = 2;

  /** The predicted step time in nanoseconds. */
  public static long stepNs(ModelSpec model, HardwareSpec hw, Scenario s) {
    ComputeModel compute = new ComputeModel(hw, model, s.tensorParallel(), s.execution());
    if (s.execution() == Execution.EAGER && compute.perOperator()) {
      return eagerStepNs(model, hw, s, compute);
    }
    long kvPerTokenLayer = model.kvBytesPerTokenPerLayer();
    if (s.kind() == Kind.PREFILL) {
      long p = s.context();
      long layer = compute.layerNs(p * s.batch(), 0, 0, 1, 0, s.batch() * compute.prefillAttentionFlops(0, p), p);
      return layer * s.layers() + (s.lmHead() ? compute.stepTailNs(s.batch(), (double) p * s.batch()) : 0);
    }
    long kvBytes = s.batch() * s.context() * kvPerTokenLayer;
    double flops = s.batch() * compute.attentionFlops(s.context());
    long layer = compute.layerNs(s.batch(), kvBytes, 0, 1, flops, 0, 0);
    long tail = s.lmHead() ? compute.stepTailNs(s.batch(), s.batch()) : 0;
    long hostBytes = Math.round(kvBytes * s.offloadFraction());
    if (hostBytes == 0) {
      return layer * s.layers() + tail;
    }
    long copyNs = copyNs(hw, s, hostBytes);
    if (s.offloadMode() == OffloadMode.SYNC) {
      return (copyNs + layer) * s.layers() + tail;
    }
    // layer-ahead, depth 1: layer i's copy is issued when layer i-1 starts, copies run one at a time
    long clock = 0;
    long copyDoneNs = copyNs; // layer 0's copy is issued at the step's start
    long wait = compute.crossStreamWaitNs();
    for (int i = 0; i < s.layers(); i++) {
      long start = Math.max(clock, copyDoneNs) + wait;
      copyDoneNs = i + 1 < s.layers() ? Math.max(start, copyDoneNs) + copyNs : copyDoneNs;
      clock = start + layer;
    }
    return clock + tail;
  }

  /**
   * An eager step: the host issues every layer's operations in order; host and GPU start together.
   * Sync: the layer's copies run on the compute stream before its kernels. Layer-ahead: layer 0's
   * copies are issued at the step's start and layer i+1's when the host reaches layer i, on a copy
   * stream (one copy at a time, each after the host issued it); before its kernels the compute stream
   * waits on layer i's event ({@code cross_stream_wait_ns} on the GPU); after them the host records
   * the event that frees the layer's region for the next step's copy.
   */
  private static long eagerStepNs(ModelSpec model, HardwareSpec hw, Scenario s, ComputeModel compute) {
    double[] kernels = new double[compute.kernelsPerLayer()];
    HostIssue host = new HostIssue();
    host.start(0, 0);
    boolean prefill = s.kind() == Kind.PREFILL;
    long p = s.context();
    long kvBytes = prefill ? 0 : s.batch() * s.context() * model.kvBytesPerTokenPerLayer();
    int n = prefill
        ? compute.layerKernels(p * s.batch(), 0, 0, 1, 0, s.batch() * compute.prefillAttentionFlops(0, p), p, kernels)
        : compute.layerKernels(s.batch(), kvBytes, 0, 1, s.batch() * compute.attentionFlops(s.context()), 0, 0, kernels);
    long hostBytes = prefill ? 0 : Math.round(kvBytes * s.offloadFraction());
    long copyNs = 0;
    if (hostBytes > 0) {
      copyNs = copyNs(hw, s, hostBytes);
    }
    boolean ahead = hostBytes > 0 && s.offloadMode() == OffloadMode.LAYER_AHEAD;
    double issueCopiesNs = COPIES_PER_LAYER * compute.hostCopyNs();
    double copyFreeNs = 0;
    double copyDoneNs = 0;
    if (ahead) {
      // layer 0: the copy stream waits for the region's last reader, copies, records the ready event
      host.host(compute.hostStreamWaitNs() + issueCopiesNs);
      copyDoneNs = copyFreeNs = host.hostTimeNs() + copyNs;
      host.host(compute.hostEventRecordNs());
    }
    for (int i = 0; i < s.layers(); i++) {
      if (ahead) {
        double readyNs = copyDoneNs;
        if (i + 1 < s.layers()) {
          host.host(compute.hostStreamWaitNs() + issueCopiesNs);
          copyDoneNs = copyFreeNs = Math.max(copyFreeNs, host.hostTimeNs()) + copyNs;
          host.host(compute.hostEventRecordNs());
        }
        host.streamWait(compute.hostStreamWaitNs(), readyNs, compute.crossStreamWaitNs());
      } else if (hostBytes > 0) {
        host.gpuOp(issueCopiesNs, copyNs);
      }
      host.kernels(kernels, n, compute.hostPerLayerKernelNs());
      if (ahead) {
        host.host(compute.hostEventRecordNs());
      }
    }
    if (s.lmHead()) {
      compute.issueStepTail(host, s.batch(), prefill ? (double) p * s.batch() : s.batch());
    }
    return host.gpuNs();
  }

  /**
   * One layer's copy of {@code hostBytes} (split over the tensor-parallel GPUs) over the DRAM link;
   * with several sequences the destination is B strided chunks of the cache, so the link's scatter
   * follows on the copy's stream.
   */
  private static long copyNs(HardwareSpec hw, Scenario s, long hostBytes) {
    LinkSpec link = dramLink(hw);
    long bytes = (long) Math.ceil(hostBytes / (double) s.tensorParallel());
    return link.overheadNs() + (long) Math.ceil(hostBytes / (double) s.tensorParallel() * 1e9 / link.bandwidthBps())
        + (s.batch() > 1 ? link.scatterNs(bytes) : 0);
  }

  private static LinkSpec dramLink(HardwareSpec hw) {
    for (LinkSpec l : hw.links()) {
      if (l.from().equals("dram") && l.to().equals("hbm")) {
        return l;
      }
    }
    throw new IllegalArgumentException("hardware " + hw.name() + " has no dram -> hbm link for offloaded KV");
  }
}
