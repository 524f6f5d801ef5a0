package io.kvflow.engine.calibrate;

import io.kvflow.engine.spec.ComputeProfile;
import io.kvflow.engine.spec.HardwareSpec;
import io.kvflow.engine.spec.LinkSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * A constant of a hardware profile that {@link ProfileFit} fits to measured step times. Rates and
 * costs are the profile's own values; the two curves are fitted as one multiplicative scale each
 * (1: the base profile's curve), so their measured shape against M or prompt length is kept.
 */
public enum ProfileConstant {
  WEIGHT_STREAM_BPS("weight_stream_bps", Unit.RATE, "decode points at small batch"),
  KV_STREAM_BPS("kv_stream_bps", Unit.RATE, "decode points at long context"),
  ACTIVATION_BPS("activation_bps", Unit.RATE, "points of many tokens (large decode batches, prefills)"),
  DECODE_ATTENTION_FLOPS("decode_attention_flops", Unit.RATE,
      "decode points whose attention is compute-bound (long context, many query heads per KV head)"),
  GEMM_FLOPS("gemm_flops", Unit.SCALE, "points of many tokens (large decode batches, prefills)"),
  PREFILL_ATTENTION_FLOPS("prefill_attention_flops", Unit.SCALE, "prefill points"),
  LAUNCH_GRAPH_NS("launch_graph_ns", Unit.NANOS, "graph points"),
  HOST_LAYER_NS("host_layer_ns", Unit.NANOS, "eager points whose GPU waits for the host (small batches)"),
  CROSS_STREAM_WAIT_NS("cross_stream_wait_ns", Unit.NANOS, "layer-ahead points with offload_fraction > 0"),
  DRAM_LINK_OVERHEAD_NS("overhead_ns", Unit.NANOS, "offload points (offload_fraction > 0)"),
  DRAM_LINK_BANDWIDTH_BPS("bandwidth_bps", Unit.RATE, "offload points (offload_fraction > 0)");

  /** How a constant is stored and searched. */
  public enum Unit {
    /** A positive rate (bytes/s, FLOP/s), searched in log space. */
    RATE,
    /** A factor on a measured curve, searched in log space. */
    SCALE,
    /** A whole number of nanoseconds, possibly 0. */
    NANOS
  }

  private static final List<ProfileConstant> ALL = List.of(values());

  private final String field;
  private final Unit unit;
  private final String constrainedBy;

  ProfileConstant(String field, Unit unit, String constrainedBy) {
    this.field = field;
    this.unit = unit;
    this.constrainedBy = constrainedBy;
  }

  /** The JSON field in the hardware's {@code compute} section, or in its dram -> hbm link. */
  public String field() {
    return field;
  }

  public Unit unit() {
    return unit;
  }

  /** Which measured points tell this constant's value. */
  public String constrainedBy() {
    return constrainedBy;
  }

  /** Whether the constant belongs to the dram -> hbm link rather than the compute profile. */
  public boolean ofLink() {
    return this == DRAM_LINK_OVERHEAD_NS || this == DRAM_LINK_BANDWIDTH_BPS;
  }

  /** Where the constant lives in a hardware JSON ({@code compute.kv_stream_bps}, {@code links[pcie-h2d].overhead_ns}). */
  public String path(HardwareSpec hw) {
    if (ofLink()) {
      int link = dramLink(hw);
      return "links[" + (link < 0 ? "dram->hbm" : hw.links().get(link).name()) + "]." + field;
    }
    return "compute." + field + (unit == Unit.SCALE ? " (scale)" : "");
  }

  /** The index in {@code hw.links()} of the link from dram into hbm, or -1. */
  public static int dramLink(HardwareSpec hw) {
    for (int i = 0; i < hw.links().size(); i++) {
      LinkSpec l = hw.links().get(i);
      if (l.from().equals("dram") && l.to().equals("hbm")) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Every constant's value in {@code hw}, in declaration order: scales are 1, the link's constants
   * 0 when there is no dram -> hbm link. {@code hw} must have a compute profile.
   */
  public static double[] read(HardwareSpec hw) {
    ComputeProfile c = hw.compute();
    int link = dramLink(hw);
    LinkSpec l = link < 0 ? null : hw.links().get(link);
    double[] v = new double[ALL.size()];
    v[WEIGHT_STREAM_BPS.ordinal()] = c.weightStreamBps();
    v[KV_STREAM_BPS.ordinal()] = c.kvStreamBps();
    v[ACTIVATION_BPS.ordinal()] = c.activationBps();
    v[DECODE_ATTENTION_FLOPS.ordinal()] = c.decodeAttentionFlops();
    v[GEMM_FLOPS.ordinal()] = 1;
    v[PREFILL_ATTENTION_FLOPS.ordinal()] = 1;
    v[LAUNCH_GRAPH_NS.ordinal()] = c.launchGraphNs();
    v[HOST_LAYER_NS.ordinal()] = c.hostLayerNs();
    v[CROSS_STREAM_WAIT_NS.ordinal()] = c.crossStreamWaitNs();
    v[DRAM_LINK_OVERHEAD_NS.ordinal()] = l == null ? 0 : l.overheadNs();
    v[DRAM_LINK_BANDWIDTH_BPS.ordinal()] = l == null ? 0 : l.bandwidthBps();
    return v;
  }

  /**
   * {@code base} with the constants {@code values} (as {@link #read} gives them: the scales multiply
   * base's curves; nanoseconds are rounded to whole ones). The link's values are ignored when base
   * has no dram -> hbm link.
   */
  public static HardwareSpec apply(HardwareSpec base, double[] values) {
    ComputeProfile c = base.compute();
    ComputeProfile fitted = new ComputeProfile(values[WEIGHT_STREAM_BPS.ordinal()], values[KV_STREAM_BPS.ordinal()],
        values[ACTIVATION_BPS.ordinal()], c.gemmFlops().scaled(values[GEMM_FLOPS.ordinal()]),
        c.prefillAttentionFlops().scaled(values[PREFILL_ATTENTION_FLOPS.ordinal()]),
        values[DECODE_ATTENTION_FLOPS.ordinal()], nanos(values, LAUNCH_GRAPH_NS), c.launchEagerNs(),
        c.elementwiseKernelsPerLayer(), c.stepKernels(), c.allReduceLatencyNs(), c.allReduceBps(),
        nanos(values, CROSS_STREAM_WAIT_NS)).withFixedOf(c).withHostLayerNs(nanos(values, HOST_LAYER_NS));
    HardwareSpec hw = base.withCompute(fitted);
    int link = dramLink(base);
    if (link < 0) {
      return hw;
    }
    List<LinkSpec> links = new ArrayList<>(base.links());
    links.set(link, links.get(link).withTransfer(values[DRAM_LINK_BANDWIDTH_BPS.ordinal()],
        nanos(values, DRAM_LINK_OVERHEAD_NS)));
    return hw.withLinks(links);
  }

  private static long nanos(double[] values, ProfileConstant c) {
    return Math.max(0, Math.round(values[c.ordinal()]));
  }
}
