package io.kvflow.engine.spec;

import java.util.List;

/**
 * The GPU and its copy paths.
 *
 * @param name preset name or free text
 * @param hbmBandwidthBps HBM read bandwidth for the compute roofline
 * @param peakFlops achievable FLOP/s for the roofline
 * @param layerOverheadNs fixed cost per layer per step (kernel launches)
 * @param links copy paths between tiers; a lower tier reaches the compute tier directly or through
 *     other tiers' links ({@link #route})
 * @param hbmCapacityBytes the GPU's memory (0: not given), for the check that the weights fit
 * @param compute per-operator rates measured with engine-like kernels, or null: then one roofline
 *     per layer from {@code hbmBandwidthBps}, {@code peakFlops} and {@code layerOverheadNs}
 */
public record HardwareSpec(String name, double hbmBandwidthBps, double peakFlops, long layerOverheadNs, List<LinkSpec> links,
    long hbmCapacityBytes, ComputeProfile compute) {

  /** The most links a hardware description may have (copy paths between five kinds of memory). */
  public static final int MAX_LINKS = 64;

  public HardwareSpec(String name, double hbmBandwidthBps, double peakFlops, long layerOverheadNs, List<LinkSpec> links) {
    this(name, hbmBandwidthBps, peakFlops, layerOverheadNs, links, 0, null);
  }

  public HardwareSpec {
    links = List.copyOf(links);
    if (hbmCapacityBytes < 0) {
      throw ConfigException.at("$.hardware.hbm_capacity_bytes", hbmCapacityBytes + " must be >= 0");
    }
    if (!(hbmBandwidthBps > 0) || !(peakFlops > 0)) {
      throw ConfigException.at("$.hardware" + (hbmBandwidthBps > 0 ? ".peak_flops" : ".hbm_bandwidth_bps"), "must be > 0");
    }
    if (layerOverheadNs < 0) {
      throw ConfigException.at("$.hardware.layer_overhead_ns", layerOverheadNs + " must be >= 0");
    }
  }

  /** This hardware with another compute profile. */
  public HardwareSpec withCompute(ComputeProfile profile) {
    return new HardwareSpec(name, hbmBandwidthBps, peakFlops, layerOverheadNs, links, hbmCapacityBytes, profile);
  }

  /** This hardware with other links. */
  public HardwareSpec withLinks(List<LinkSpec> replaced) {
    return new HardwareSpec(name, hbmBandwidthBps, peakFlops, layerOverheadNs, replaced, hbmCapacityBytes, compute);
  }

  /**
   * The links a transfer from tier kind {@code from} into {@code to} crosses, in order: a direct
   * link if there is one, else the route with the fewest hops through kinds in {@code kinds} (the
   * configuration's tiers; a lower tier on the way serves as a bounce buffer); null when none.
   */
  public int[] route(String from, String to, java.util.Set<String> kinds) {
    java.util.Map<String, int[]> best = new java.util.HashMap<>();
    java.util.ArrayDeque<String> queue = new java.util.ArrayDeque<>();
    best.put(from, new int[0]);
    queue.add(from);
    while (!queue.isEmpty()) {
      String at = queue.poll();
      int[] path = best.get(at);
      for (int i = 0; i < links.size(); i++) {
        LinkSpec l = links.get(i);
        if (!l.from().equals(at) || best.containsKey(l.to()) || !(l.to().equals(to) || kinds.contains(l.to()))) {
          continue;
        }
        int[] next = java.util.Arrays.copyOf(path, path.length + 1);
        next[path.length] = i;
        if (l.to().equals(to)) {
          return next;
        }
        best.put(l.to(), next);
        queue.add(l.to());
      }
    }
    return null;
  }

  static HardwareSpec bind(ConfigNode n) {
    String name = n.string("name", "custom");
    double hbm = n.doubleValue("hbm_bandwidth_bps", ConfigRules.MIN_BYTES_PER_SECOND, ConfigRules.MAX_BYTES_PER_SECOND,
        null);
    double flops = n.doubleValue("peak_flops", ConfigRules.MIN_FLOPS, ConfigRules.MAX_FLOPS, null);
    long overhead = n.longValue("layer_overhead_ns", 0, ConfigRules.MAX_COST_NS, 0L);
    List<ConfigNode> linkNodes = n.has("links") ? n.objects("links") : List.of();
    if (linkNodes.size() > MAX_LINKS) {
      throw n.fieldError("links", linkNodes.size() + " links; at most " + MAX_LINKS);
    }
    List<LinkSpec> links = linkNodes.stream().map(LinkSpec::bind).toList();
    long capacity = n.longValue("hbm_capacity_bytes", 0, TierConfig.MAX_CAPACITY_BYTES, 0L);
    ComputeProfile compute = n.has("compute") ? ComputeProfile.bind(n.object("compute")) : null;
    n.raw("sources");
    n.finish();
    return new HardwareSpec(name, hbm, flops, overhead, links, capacity, compute);
  }
}
