package io.kvflow.engine.spec;

/**
 * A copy path into a faster tier: {@code per-transfer overhead + bytes / bandwidth}, with up to
 * {@code dmaEngines} transfers in flight sharing the bandwidth.
 *
 * @param name link name in reports
 * @param from the tier data comes from
 * @param to the tier it goes to (the compute tier)
 * @param bandwidthBps bytes per second
 * @param overheadNs fixed cost of each transfer
 * @param dmaEngines transfers in flight at once
 * @param scatterBps bytes/s of the scatter that follows a copy into a strided destination (the KV of
 *     several sequences, each its own chunk of the cache: copied contiguously into a staging buffer,
 *     then scattered by a kernel on the copy's stream); 0: no scatter cost
 * @param scatterOverheadNs fixed cost of one such scatter
 */
public record LinkSpec(String name, String from, String to, double bandwidthBps, long overheadNs, int dmaEngines,
    double scatterBps, long scatterOverheadNs) {
  /** A link without a scatter cost. */
  public LinkSpec(String name, String from, String to, double bandwidthBps, long overheadNs, int dmaEngines) {
    this(name, from, to, bandwidthBps, overheadNs, dmaEngines, 0, 0);
  }

  static LinkSpec bind(ConfigNode n) {
    LinkSpec l = new LinkSpec(n.string("name", null), n.string("from", null), n.string("to", null),
        n.doubleValue("bandwidth_bps", ConfigRules.MIN_BYTES_PER_SECOND, ConfigRules.MAX_BYTES_PER_SECOND, null),
        n.longValue("overhead_ns", 0, ConfigRules.MAX_COST_NS, 0L),
        n.intValue("dma_engines", 1, 1024, 1),
        n.has("scatter_bps")
            ? n.doubleValue("scatter_bps", ConfigRules.MIN_BYTES_PER_SECOND, ConfigRules.MAX_BYTES_PER_SECOND, null) : 0,
        n.longValue("scatter_overhead_ns", 0, ConfigRules.MAX_COST_NS, 0L));
    n.finish();
    return l;
  }

  /** This link with another bandwidth and per-transfer overhead (its scatter cost kept). */
  public LinkSpec withTransfer(double bandwidth, long overhead) {
    return new LinkSpec(name, from, to, bandwidth, overhead, dmaEngines, scatterBps, scatterOverheadNs);
  }

  /** Time of the scatter after a copy of {@code bytes} into a strided destination (0 without a scatter cost). */
  public long scatterNs(long bytes) {
    return scatterBps <= 0 ? 0 : scatterOverheadNs + (long) Math.ceil(bytes * 1e9 / scatterBps);
  }

  /** Time of one transfer of {@code bytes} alone on the link. */
  public long transferNs(long bytes) {
    return overheadNs + (long) Math.ceil(bytes * 1e9 / bandwidthBps);
  }
}
