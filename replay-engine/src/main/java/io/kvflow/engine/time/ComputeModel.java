package io.kvflow.engine.time;

import io.kvflow.engine.spec.HardwareSpec;
import io.kvflow.engine.spec.ModelSpec;

/**
 * The compute time of one layer in one step: a roofline, {@code max(bytes read from HBM / HBM
 * bandwidth, FLOPs / peak FLOP/s)}, plus a fixed per-layer overhead. Bytes are the layer's weights
 * and the KV it reads from HBM; FLOPs are {@code 2 * parameters per layer} per token computed
 * (decoded, or prefilled and not cached) plus attention, {@code 4 * context tokens * head_dim *
 * attention heads} per decoded token and causal for prefill.
 */
public final class ComputeModel {
  private final HardwareSpec hw;
  private final ModelSpec model;

  public ComputeModel(HardwareSpec hw, ModelSpec model) {
    this.hw = hw;
    this.model = model;
  }

  public long layerNs(long hbmBytes, double flops) {
    return layerNs(hbmBytes, 0, 1, flops);
  }

  /**
   * With an SRAM scratch tier in front of HBM: {@code scratchBytes} are read at the scratch tier's
   * bandwidth, the rest (weights, KV not staged) at HBM's.
   */
  public long layerNs(long hbmBytes, long scratchBytes, double scratchBandwidthBps, double flops) {
    double memory = hbmBytes / hw.hbmBandwidthBps() + scratchBytes / scratchBandwidthBps;
    double math = flops / hw.peakFlops();
    return (long) Math.ceil(Math.max(memory, math) * 1e9) + hw.layerOverheadNs();
  }

  /** Weight bytes one layer reads per step. */
  public long weightBytesPerLayer() {
    return model.parameters() == 0 ? 0 : model.weightBytesPerLayer();
  }

  /** Matmul FLOPs of one layer for {@code tokens} decoded tokens. */
  public double weightFlops(long tokens) {
    return 2.0 * model.parameters() / model.layers() * tokens;
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
