package io.kvflow.engine.spec;

/**
 * A GPU's compute as rates per operator class, measured with engine-like kernels
 * (benchmarks/gpu/): each operator of a layer costs {@code launch + max(bytes / rate, FLOPs / rate)}
 * and a step is the sum of its operators (docs/timing.md, "Per-operator roofline").
 *
 * @param weightStreamBps bytes/s at which GEMMs stream weights (small M: GEMV-shaped)
 * @param kvStreamBps bytes/s at which decode attention reads KV
 * @param activationBps bytes/s of elementwise kernels (norms, rotary, KV write, SiLU, residual adds)
 * @param gemmFlops GEMM FLOP/s against rows M (tokens of the iteration)
 * @param prefillAttentionFlops causal (flash) attention FLOP/s against prompt tokens
 * @param decodeAttentionFlops FLOP/s of decode attention's arithmetic
 * @param launchGraphNs fixed cost of one kernel inside a CUDA graph
 * @param launchEagerNs host time to launch one kernel eagerly (the host issues, the GPU may wait for it)
 * @param elementwiseKernelsPerLayer elementwise kernels a layer runs besides its 4 GEMMs and attention
 * @param stepKernels kernels once per step besides lm_head (embedding, final norm, sampling)
 * @param allReduceLatencyNs fixed cost of one all-reduce across tensor-parallel GPUs
 * @param allReduceBps bus bandwidth of an all-reduce
 * @param crossStreamWaitNs cost of one wait of the compute stream on a copy stream's event
 * @param gemmFixedNs a GEMM kernel's own fixed time beyond its launch (ramp-up and tail)
 * @param attentionFixedNs an attention kernel's own fixed time beyond its launch
 * @param elementwiseFixedNs an elementwise kernel's own fixed time beyond its launch
 * @param eagerGpuLaunchNs GPU time between two eagerly launched kernels queued back to back (the GPU-side
 *     launch cost; the host's is {@code launchEagerNs})
 * @param hostLayerNs host time per layer beyond its kernels' launches under eager execution (the
 *     engine's own code between launches: views, slicing, dispatch)
 * @param hostCopyNs host time to issue one asynchronous copy (eager; a stream switch included)
 * @param hostEventRecordNs host time to record an event on a stream (eager)
 * @param hostStreamWaitNs host time to make a stream wait on an event (eager)
 */
public record ComputeProfile(double weightStreamBps, double kvStreamBps, double activationBps, Curve gemmFlops,
    Curve prefillAttentionFlops, double decodeAttentionFlops, long launchGraphNs, long launchEagerNs,
    int elementwiseKernelsPerLayer, int stepKernels, long allReduceLatencyNs, double allReduceBps,
    long crossStreamWaitNs, long gemmFixedNs, long attentionFixedNs, long elementwiseFixedNs, long eagerGpuLaunchNs,
    long hostLayerNs, long hostCopyNs, long hostEventRecordNs, long hostStreamWaitNs) {

  /** A profile without host-issue constants: eager kernels pay {@code launchGraphNs} on the GPU, nothing else on the host. */
  public ComputeProfile(double weightStreamBps, double kvStreamBps, double activationBps, Curve gemmFlops,
      Curve prefillAttentionFlops, double decodeAttentionFlops, long launchGraphNs, long launchEagerNs,
      int elementwiseKernelsPerLayer, int stepKernels, long allReduceLatencyNs, double allReduceBps,
      long crossStreamWaitNs, long gemmFixedNs, long attentionFixedNs, long elementwiseFixedNs) {
    this(weightStreamBps, kvStreamBps, activationBps, gemmFlops, prefillAttentionFlops, decodeAttentionFlops,
        launchGraphNs, launchEagerNs, elementwiseKernelsPerLayer, stepKernels, allReduceLatencyNs, allReduceBps,
        crossStreamWaitNs, gemmFixedNs, attentionFixedNs, elementwiseFixedNs, launchGraphNs, 0, 0, 0, 0);
  }

  public ComputeProfile(double weightStreamBps, double kvStreamBps, double activationBps, Curve gemmFlops,
      Curve prefillAttentionFlops, double decodeAttentionFlops, long launchGraphNs, long launchEagerNs,
      int elementwiseKernelsPerLayer, int stepKernels, long allReduceLatencyNs, double allReduceBps,
      long crossStreamWaitNs) {
    this(weightStreamBps, kvStreamBps, activationBps, gemmFlops, prefillAttentionFlops, decodeAttentionFlops,
        launchGraphNs, launchEagerNs, elementwiseKernelsPerLayer, stepKernels, allReduceLatencyNs, allReduceBps,
        crossStreamWaitNs, 0, 0, 0);
  }

  /** This profile with other fitted constants, its fixed kernel times and host-issue constants kept. */
  public ComputeProfile withFixedOf(ComputeProfile o) {
    return new ComputeProfile(weightStreamBps, kvStreamBps, activationBps, gemmFlops, prefillAttentionFlops,
        decodeAttentionFlops, launchGraphNs, launchEagerNs, elementwiseKernelsPerLayer, stepKernels, allReduceLatencyNs,
        allReduceBps, crossStreamWaitNs, o.gemmFixedNs, o.attentionFixedNs, o.elementwiseFixedNs, o.eagerGpuLaunchNs,
        o.hostLayerNs, o.hostCopyNs, o.hostEventRecordNs, o.hostStreamWaitNs);
  }

  /** This profile with another host time per layer (what {@code kvflow calibrate} fits for eager steps). */
  public ComputeProfile withHostLayerNs(long ns) {
    return new ComputeProfile(weightStreamBps, kvStreamBps, activationBps, gemmFlops, prefillAttentionFlops,
        decodeAttentionFlops, launchGraphNs, launchEagerNs, elementwiseKernelsPerLayer, stepKernels, allReduceLatencyNs,
        allReduceBps, crossStreamWaitNs, gemmFixedNs, attentionFixedNs, elementwiseFixedNs, eagerGpuLaunchNs, ns,
        hostCopyNs, hostEventRecordNs, hostStreamWaitNs);
  }

  static ComputeProfile bind(ConfigNode n) {
    double minBps = ConfigRules.MIN_BYTES_PER_SECOND;
    double maxBps = ConfigRules.MAX_BYTES_PER_SECOND;
    long launchGraphNs = n.longValue("launch_graph_ns", 0, 1_000_000_000L, null);
    ComputeProfile p = new ComputeProfile(
        n.doubleValue("weight_stream_bps", minBps, maxBps, null),
        n.doubleValue("kv_stream_bps", minBps, maxBps, null),
        n.doubleValue("activation_bps", minBps, maxBps, null),
        Curve.of(n.pairs("gemm_flops", ConfigRules.MIN_FLOPS, ConfigRules.MAX_FLOPS)),
        Curve.of(n.pairs("prefill_attention_flops", ConfigRules.MIN_FLOPS, ConfigRules.MAX_FLOPS)),
        n.doubleValue("decode_attention_flops", ConfigRules.MIN_FLOPS, ConfigRules.MAX_FLOPS, null),
        launchGraphNs,
        n.longValue("launch_eager_ns", 0, 1_000_000_000L, null),
        n.intValue("elementwise_kernels_per_layer", 0, 1000, 7),
        n.intValue("step_kernels", 0, 1000, 4),
        n.longValue("all_reduce_latency_ns", 0, 1_000_000_000L, 0L),
        n.doubleValue("all_reduce_bps", minBps, maxBps, 1e11),
        n.longValue("cross_stream_wait_ns", 0, 1_000_000_000L, 0L),
        n.longValue("gemm_fixed_ns", 0, 1_000_000_000L, 0L),
        n.longValue("attention_fixed_ns", 0, 1_000_000_000L, 0L),
        n.longValue("elementwise_fixed_ns", 0, 1_000_000_000L, 0L),
        n.longValue("eager_gpu_launch_ns", 0, 1_000_000_000L, launchGraphNs),
        n.longValue("host_layer_ns", 0, 1_000_000_000L, 0L),
        n.longValue("host_copy_ns", 0, 1_000_000_000L, 0L),
        n.longValue("host_event_record_ns", 0, 1_000_000_000L, 0L),
        n.longValue("host_stream_wait_ns", 0, 1_000_000_000L, 0L));
    n.raw("sources");
    n.finish();
    return p;
  }
}
