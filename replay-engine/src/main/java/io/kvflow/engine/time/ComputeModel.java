package io.kvflow.engine.time;

import io.kvflow.engine.spec.ComputeProfile;
import io.kvflow.engine.spec.Execution;
import io.kvflow.engine.spec.HardwareSpec;
import io.kvflow.engine.spec.ModelShape;
import io.kvflow.engine.spec.ModelSpec;

/**
 * The compute time of one layer in one step, and of the once-per-step work after the last layer.
 *
 * <p>With a per-operator profile ({@link ComputeProfile}, measured with engine-like kernels) a layer
 * is the sum of its kernels, as a GPU runs them one after another: the QKV, O, gate/up and down
 * GEMMs ({@code launch + max(weight bytes / weight-streaming rate, FLOPs / GEMM rate at M rows)},
 * M = tokens of the iteration), attention ({@code launch + max(KV bytes / KV-streaming rate, decode
 * FLOPs / rate) + prefill FLOPs / causal-attention rate}), the elementwise kernels (norms, rotary,
 * KV write, SiLU-and-mul, residual adds: activation bytes per token / rate, plus their launches)
 * and, with tensor parallelism, two all-reduces of the layer's output. Weights, KV heads and
 * FLOPs split over the tensor-parallel GPUs. After the last layer a step runs lm_head on one row per
 * sequence, the embedding gather, the final norm and sampling.
 *
 * <p>Under {@code execution: eager} the same kernels are also listed one by one in issue order
 * ({@link #layerKernels}), each with its GPU time and the eager GPU-side launch gap, for
 * {@link HostIssue}: the host launches them one after another and the GPU runs each when both it and
 * the launch are ready. {@link #layerNs} is then the GPU time alone.
 *
 * <p>Without a profile (the original study's hardware): one roofline per layer,
 * {@code max(bytes read from HBM / HBM bandwidth, FLOPs / peak FLOP/s)} plus a fixed per-layer
 * overhead, with {@code 2 * parameters per layer} FLOPs per token; nothing per step.
 */
public final class ComputeModel {
  private final HardwareSpec hw;
  private final ModelSpec model;
  private final ComputeProfile profile;
  private final int tp;
  private final double launchNs;
  /** Elementwise activation bytes per token per layer (per GPU). */
  private final double activationBytesPerToken;
  /**
   * Elementwise kernels in the six places of a layer: before QKV, before attention, before O, before
   * gate/up, before down, after down. Llama's 13 (norm | rotary 4, KV write 2 | attention's
   * reduction | residual add, norm | SiLU, mul | residual add) in proportion.
   */
  private final int[] elementwiseSlots = new int[6];
  private static final int[] SLOT_WEIGHTS = {1, 6, 1, 2, 2, 1};
  /** Host time per kernel of a layer under eager execution: its launch and a share of the layer's host code. */
  private final double hostPerLayerKernelNs;
  /** GPU times of the kernels being issued (reused: nothing is allocated per layer). */
  private final double[] kernelNs;

  public ComputeModel(HardwareSpec hw, ModelSpec model) {
    this(hw, model, 1, Execution.GRAPH);
  }

  public ComputeModel(HardwareSpec hw, ModelSpec model, int tensorParallel, Execution execution) {
    this.hw = hw;
    this.model = model;
    this.profile = hw.compute();
    this.tp = tensorParallel;
    this.launchNs = profile == null ? 0 : execution == Execution.GRAPH ? profile.launchGraphNs() : profile.eagerGpuLaunchNs();
    int elementwise = profile == null ? 0 : profile.elementwiseKernelsPerLayer();
    int total = 0;
    for (int k = 0; k < SLOT_WEIGHTS.length; k++) {
      int before = total;
      total += SLOT_WEIGHTS[k];
      elementwiseSlots[k] = total * elementwise / 13 - before * elementwise / 13;
    }
    int perLayer = 5 + elementwise + (tensorParallel > 1 ? 2 : 0);
    this.hostPerLayerKernelNs = profile == null ? 0 : profile.launchEagerNs() + (double) profile.hostLayerNs() / perLayer;
    this.kernelNs = new double[Math.max(perLayer, 1 + (profile == null ? 0 : profile.stepKernels()))];
    ModelShape s = model.shape();
    if (s == null) {
      // without shapes: the hidden size is not known; count the KV write and rotary only
      this.activationBytesPerToken = 2.0 * model.kvBytesPerTokenPerLayer() / tp;
    } else {
      double h = s.hidden();
      double heads = (double) (model.attentionHeads() + model.kvHeads()) * model.headDim();
      double dtype = s.weightDtypeBytes();
      // norms 2 x (read + write h), rotary (read + write q, k), KV write (read + write K, V),
      // SiLU-and-mul (read 2 x intermediate, write intermediate), residual adds 2 x (read 2, write 1)
      this.activationBytesPerToken = dtype * (4 * h + 2 * heads / tp + 3.0 * s.intermediate() / tp + 6 * h)
          + 2.0 * model.kvBytesPerTokenPerLayer() / tp;
    }
  }

  /** Whether layers are timed operator by operator (a profile is given). */
  public boolean perOperator() {
    return profile != null;
  }

  /** The legacy roofline: {@code hbmBytes} at HBM bandwidth, {@code scratchBytes} at the scratch tier's. */
  public long layerNs(long hbmBytes, double flops) {
    return layerNs(hbmBytes, 0, 1, flops);
  }

  /**
   * The legacy roofline with an SRAM scratch tier in front of HBM: {@code scratchBytes} are read at
   * the scratch tier's bandwidth, the rest (weights, KV not staged) at HBM's.
   */
  public long layerNs(long hbmBytes, long scratchBytes, double scratchBandwidthBps, double flops) {
    double memory = hbmBytes / hw.hbmBandwidthBps() + scratchBytes / scratchBandwidthBps;
    double math = flops / hw.peakFlops();
    return (long) Math.ceil(Math.max(memory, math) * 1e9) + hw.layerOverheadNs();
  }

  /**
   * One layer of one step.
   *
   * @param tokens tokens the layer computes (decoded plus prefilled and not cached)
   * @param kvHbmBytes KV bytes the layer's attention reads from HBM (all KV heads)
   * @param kvScratchBytes KV bytes read from an SRAM scratch tier instead
   * @param scratchBandwidthBps that tier's bandwidth
   * @param decodeAttentionFlops attention FLOPs of decoded tokens
   * @param prefillAttentionFlops causal attention FLOPs of prefilled tokens
   * @param prefillTokens prefilled tokens (the causal-attention rate depends on the prompt length)
   */
  public long layerNs(double tokens, long kvHbmBytes, long kvScratchBytes, double scratchBandwidthBps,
      double decodeAttentionFlops, double prefillAttentionFlops, double prefillTokens) {
    if (profile == null) {
      long hbm = kvHbmBytes + weightBytesPerLayer();
      return layerNs(hbm, kvScratchBytes, scratchBandwidthBps,
          decodeAttentionFlops + prefillAttentionFlops + weightFlops(Math.round(tokens)));
    }
    double m = Math.max(1, Math.round(tokens));
    double ns = 0;
    ModelShape s = model.shape();
    ns += layerGemmsNs(m);
    double kvNs = (kvHbmBytes / profile.kvStreamBps() + kvScratchBytes / scratchBandwidthBps) / tp * 1e9;
    double decodeNs = decodeAttentionFlops / tp / profile.decodeAttentionFlops() * 1e9;
    double prefillNs = prefillAttentionFlops <= 0 ? 0
        : prefillAttentionFlops / tp / profile.prefillAttentionFlops().at(Math.max(1, prefillTokens)) * 1e9;
    ns += launchNs + profile.attentionFixedNs() + Math.max(kvNs, decodeNs) + prefillNs;
    ns += profile.elementwiseKernelsPerLayer() * (launchNs + profile.elementwiseFixedNs())
        + m * activationBytesPerToken / profile.activationBps() * 1e9;
    if (tp > 1 && s != null) {
      ns += 2 * allReduceNs(m * s.hidden() * s.weightDtypeBytes());
    }
    return (long) Math.ceil(ns);
  }

  /**
   * The kernels of one layer in issue order, each one's GPU time (its GPU-side launch included), into
   * {@code out} (at least {@link #kernelsPerLayer} long); returns how many. The arguments are
   * {@link #layerNs}'s, whose per-operator sum these kernels add up to (to rounding). Needs a profile.
   */
  public int layerKernels(double tokens, long kvHbmBytes, long kvScratchBytes, double scratchBandwidthBps,
      double decodeAttentionFlops, double prefillAttentionFlops, double prefillTokens, double[] out) {
    double m = Math.max(1, Math.round(tokens));
    ModelShape s = model.shape();
    double kvNs = (kvHbmBytes / profile.kvStreamBps() + kvScratchBytes / scratchBandwidthBps) / tp * 1e9;
    double decodeNs = decodeAttentionFlops / tp / profile.decodeAttentionFlops() * 1e9;
    double prefillNs = prefillAttentionFlops <= 0 ? 0
        : prefillAttentionFlops / tp / profile.prefillAttentionFlops().at(Math.max(1, prefillTokens)) * 1e9;
    double attention = launchNs + profile.attentionFixedNs() + Math.max(kvNs, decodeNs) + prefillNs;
    int elementwise = profile.elementwiseKernelsPerLayer();
    double activationNs = m * activationBytesPerToken / profile.activationBps() * 1e9;
    double each = launchNs + profile.elementwiseFixedNs() + (elementwise == 0 ? 0 : activationNs / elementwise);
    if (elementwise == 0) {
      attention += activationNs;
    }
    double allReduce = tp > 1 && s != null ? allReduceNs(m * s.hidden() * s.weightDtypeBytes()) : -1;
    int n = fill(out, 0, elementwiseSlots[0], each);
    if (s == null) {
      out[n++] = gemmNs(m, weightBytesPerLayer(), 2.0 * model.parameters() / model.layers() * m);
      n = fill(out, n, elementwiseSlots[1], each);
      out[n++] = attention;
      for (int k = 2; k < 6; k++) {
        n = fill(out, n, elementwiseSlots[k], each);
      }
      return n;
    }
    long h = s.hidden();
    out[n++] = gemm(m, h, model.qkvColumns());
    n = fill(out, n, elementwiseSlots[1], each);
    out[n++] = attention;
    n = fill(out, n, elementwiseSlots[2], each);
    out[n++] = gemm(m, (long) model.attentionHeads() * model.headDim(), h);
    if (allReduce >= 0) {
      out[n++] = allReduce;
    }
    n = fill(out, n, elementwiseSlots[3], each);
    out[n++] = gemm(m, h, 2L * s.intermediate());
    n = fill(out, n, elementwiseSlots[4], each);
    out[n++] = gemm(m, s.intermediate(), h);
    if (allReduce >= 0) {
      out[n++] = allReduce;
    }
    return fill(out, n, elementwiseSlots[5], each);
  }

  /**
   * The kernels once per step after the last layer in issue order (embedding, final norm, sampling,
   * then lm_head), as {@link #layerKernels}; returns how many (0 where {@link #stepTailNs} is 0).
   */
  public int stepTailKernels(int sequences, double tokens, double[] out) {
    ModelShape s = model.shape();
    if (profile == null || s == null || sequences == 0) {
      return 0;
    }
    int k = profile.stepKernels();
    double activationNs = (Math.max(1, tokens) * s.hidden() * s.weightDtypeBytes() * 3) / profile.activationBps() * 1e9;
    double each = launchNs + profile.elementwiseFixedNs() + (k == 0 ? 0 : activationNs / k);
    int n = fill(out, 0, k, each);
    out[n++] = gemm(Math.max(1, sequences), s.hidden(), s.vocab()) + (k == 0 ? activationNs : 0);
    return n;
  }

  /** Room {@link #layerKernels} and {@link #stepTailKernels} need. */
  public int kernelsPerLayer() {
    return kernelNs.length;
  }

  /** Host time to launch one of a layer's kernels eagerly: the launch and its share of the layer's host code. */
  public double hostPerLayerKernelNs() {
    return hostPerLayerKernelNs;
  }

  /** Host time to launch one kernel outside the layers (the step's tail). */
  public double hostPerKernelNs() {
    return profile == null ? 0 : profile.launchEagerNs();
  }

  /** The profile's host-issue constants (eager), 0 without a profile. */
  public long hostCopyNs() {
    return profile == null ? 0 : profile.hostCopyNs();
  }

  public long hostEventRecordNs() {
    return profile == null ? 0 : profile.hostEventRecordNs();
  }

  public long hostStreamWaitNs() {
    return profile == null ? 0 : profile.hostStreamWaitNs();
  }

  /** Issues one layer's kernels through {@code host} (eager execution); the arguments are {@link #layerNs}'s. */
  public void issueLayer(HostIssue host, double tokens, long kvHbmBytes, long kvScratchBytes, double scratchBandwidthBps,
      double decodeAttentionFlops, double prefillAttentionFlops, double prefillTokens) {
    int n = layerKernels(tokens, kvHbmBytes, kvScratchBytes, scratchBandwidthBps, decodeAttentionFlops,
        prefillAttentionFlops, prefillTokens, kernelNs);
    host.kernels(kernelNs, n, hostPerLayerKernelNs);
  }

  /** Issues the step's tail kernels through {@code host} (eager execution). */
  public void issueStepTail(HostIssue host, int sequences, double tokens) {
    host.kernels(kernelNs, stepTailKernels(sequences, tokens, kernelNs), hostPerKernelNs());
  }

  private static int fill(double[] out, int from, int count, double value) {
    for (int i = 0; i < count; i++) {
      out[from + i] = value;
    }
    return from + count;
  }

  /** The work once per step after the last layer: lm_head on one row per sequence, embedding, final norm, sampling. */
  public long stepTailNs(int sequences, double tokens) {
    ModelShape s = model.shape();
    if (profile == null || s == null || sequences == 0) {
      return 0;
    }
    double rows = Math.max(1, sequences);
    double ns = gemm(rows, s.hidden(), s.vocab());
    ns += profile.stepKernels() * (launchNs + profile.elementwiseFixedNs());
    ns += (Math.max(1, tokens) * s.hidden() * s.weightDtypeBytes() * 3) / profile.activationBps() * 1e9;
    return (long) Math.ceil(ns);
  }

  // the last rows count and its GEMMs' time: the layers of a step (and steps with the same batch)
  // ask for the same m over and over; the memo returns the very double computed for it
  private double memoGemmRows = Double.NaN;
  private double memoGemmNs;

  /** The layer's weight GEMMs on {@code m} rows (a pure function of m, remembered for the last m). */
  private double layerGemmsNs(double m) {
    if (m == memoGemmRows) {
      return memoGemmNs;
    }
    ModelShape s = model.shape();
    double ns;
    if (s == null) {
      ns = gemmNs(m, weightBytesPerLayer(), 2.0 * model.parameters() / model.layers() * m);
    } else {
      long h = s.hidden();
      ns = gemm(m, h, model.qkvColumns()) + gemm(m, (long) model.attentionHeads() * model.headDim(), h)
          + gemm(m, h, 2L * s.intermediate()) + gemm(m, s.intermediate(), h);
    }
    memoGemmRows = m;
    memoGemmNs = ns;
    return ns;
  }

  private double gemm(double m, long k, long n) {
    int dtype = model.shape().weightDtypeBytes();
    return gemmNs(m, (double) k * n * dtype / tp, 2.0 * m * k * n / tp);
  }

  private double gemmNs(double m, double weightBytes, double flops) {
    return launchNs + profile.gemmFixedNs()
        + Math.max(weightBytes / profile.weightStreamBps(), flops / profile.gemmFlops().at(m)) * 1e9;
  }

  private double allReduceNs(double bytes) {
    return profile.allReduceLatencyNs() + bytes * 2.0 * (tp - 1) / tp / profile.allReduceBps() * 1e9;
  }

  /** Cost of one wait of the compute stream on a copy stream (0 without a profile). */
  public long crossStreamWaitNs() {
    return profile == null ? 0 : profile.crossStreamWaitNs();
  }

  /** Weight bytes one layer reads per step (per GPU under the legacy roofline: all of them). */
  public long weightBytesPerLayer() {
    return model.parameters() == 0 ? 0 : model.weightBytesPerLayer();
  }

  /** Matmul FLOPs of one layer for {@code tokens} tokens (legacy roofline). */
  public double weightFlops(long tokens) {
    return model.shape() == null ? 2.0 * model.parameters() / model.layers() * tokens
        : 2.0 * model.weightCountPerLayer() * tokens;
  }

  /**
   * Causal attention FLOPs of one layer for a prefill chunk of {@code tokens} tokens that follow
   * {@code before} tokens of the same sequence: token i of the chunk attends to {@code before + i + 1}
   * tokens, {@code 4 * head_dim * heads} FLOPs each (QK^T and AV).
   */
  public double prefillAttentionFlops(long before, long tokens) {
    int heads = model.attentionHeads() > 0 ? model.attentionHeads() : model.kvHeads();
    double pairs = (double) tokens * before + tokens * (tokens + 1) / 2.0;
    return 4.0 * pairs * model.headDim() * heads;
  }

  /** Attention FLOPs of one layer for one token attending over {@code contextTokens}. */
  public double attentionFlops(long contextTokens) {
    int heads = model.attentionHeads() > 0 ? model.attentionHeads() : model.kvHeads();
    return 4.0 * contextTokens * model.headDim() * heads;
  }
}
