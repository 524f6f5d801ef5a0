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
 */
public record LinkSpec(String name, String from, String to, double bandwidthBps, long overheadNs, int dmaEngines) {
  static LinkSpec bind(ConfigNode n) {
    LinkSpec l = new LinkSpec(n.string("name", null), n.string("from", null), n.string("to", null),
        n.doubleValue("bandwidth_bps", ConfigRules.MIN_BYTES_PER_SECOND, ConfigRules.MAX_BYTES_PER_SECOND, null),
        n.longValue("overhead_ns", 0, ConfigRules.MAX_COST_NS, 0L),
        n.intValue("dma_engines", 1, 1024, 1));
    n.finish();
    return l;
  }

  /** This link with another bandwidth and per-transfer overhead. */
  public LinkSpec withTransfer(double bandwidth, long overhead) {
    return new LinkSpec(name, from, to, bandwidth, overhead, dmaEngines);
  }

  /** Time of one transfer of {@code bytes} alone on the link. */
  public long transferNs(long bytes) {
    return overheadNs + (long) Math.ceil(bytes * 1e9 / bandwidthBps);
  }
}
