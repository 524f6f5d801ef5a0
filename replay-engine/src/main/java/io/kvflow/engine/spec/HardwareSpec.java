package io.kvflow.engine.spec;

import java.util.List;

/**
 * The GPU and its copy paths.
 *
 * @param name preset name or free text
 * @param hbmBandwidthBps HBM read bandwidth for the compute roofline
 * @param peakFlops achievable FLOP/s for the roofline
 * @param layerOverheadNs fixed cost per layer per step (kernel launches)
 * @param links copy paths from slower tiers into the compute tier
 */
public record HardwareSpec(String name, double hbmBandwidthBps, double peakFlops, long layerOverheadNs, List<LinkSpec> links) {
  public HardwareSpec {
    links = List.copyOf(links);
  }

  static HardwareSpec bind(ConfigNode n) {
    String name = n.string("name", "custom");
    double hbm = n.doubleValue("hbm_bandwidth_bps", Double.MIN_VALUE, Double.MAX_VALUE, null);
    double flops = n.doubleValue("peak_flops", Double.MIN_VALUE, Double.MAX_VALUE, null);
    long overhead = n.longValue("layer_overhead_ns", 0, Long.MAX_VALUE / 4, 0L);
    List<LinkSpec> links = n.has("links") ? n.objects("links").stream().map(LinkSpec::bind).toList() : List.of();
    n.raw("sources");
    n.finish();
    return new HardwareSpec(name, hbm, flops, overhead, links);
  }
}
