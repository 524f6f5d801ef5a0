package io.kvflow.engine.spec;

import io.kvflow.engine.policy.PolicyKind;

/**
 * A tier with its eviction policy and admission rule.
 *
 * @param tier the memory
 * @param capacityBlocks capacity in placement units, when given in blocks (0: derive from bytes)
 * @param policy eviction policy
 * @param admission admission rule
 * @param admitAfter k for {@link AdmissionKind#AFTER_K}
 * @param hotWindowAccesses hot/warm/cold: recency window (0 = capacity)
 * @param warmThreshold hot/warm/cold: uses that make a block warm
 * @param codec how the tier stores KV
 */
public record TierConfig(TierSpec tier, long capacityBlocks, PolicyKind policy, AdmissionKind admission, int admitAfter,
    long hotWindowAccesses, int warmThreshold, CodecSpec codec) {

  public TierConfig(TierSpec tier, long capacityBlocks, PolicyKind policy, AdmissionKind admission, int admitAfter,
      long hotWindowAccesses, int warmThreshold) {
    this(tier, capacityBlocks, policy, admission, admitAfter, hotWindowAccesses, warmThreshold, CodecSpec.NONE);
  }

  public TierConfig withPolicy(PolicyKind p) {
    return new TierConfig(tier, capacityBlocks, p, admission, admitAfter, hotWindowAccesses, warmThreshold, codec);
  }

  public TierConfig withCapacityBlocks(long blocks) {
    return new TierConfig(tier, blocks, policy, admission, admitAfter, hotWindowAccesses, warmThreshold, codec);
  }

  public TierConfig withCapacityBytes(long bytes) {
    TierSpec t = new TierSpec(tier.name(), tier.kind(), bytes, tier.readBandwidthBps(), tier.writeBandwidthBps(),
        tier.latencyNs());
    return new TierConfig(t, 0, policy, admission, admitAfter, hotWindowAccesses, warmThreshold, codec);
  }

  static TierConfig bind(ConfigNode n) {
    String name = n.string("name", null);
    TierKind kind = n.choice("kind", TierKind.values(), k -> k.name().toLowerCase(java.util.Locale.ROOT), null);
    boolean bytes = n.has("capacity_bytes");
    boolean blocks = n.has("capacity_blocks");
    if (bytes == blocks) {
      throw n.fieldError("capacity_bytes", "give exactly one of capacity_bytes and capacity_blocks");
    }
    long capacityBytes = bytes ? n.longValue("capacity_bytes", 1, Long.MAX_VALUE, null) : 0;
    long capacityBlocks = blocks ? n.longValue("capacity_blocks", 1, Integer.MAX_VALUE - 8, null) : 0;
    double read = n.doubleValue("read_bandwidth_bps", Double.MIN_VALUE, Double.MAX_VALUE, 1e12);
    double write = n.doubleValue("write_bandwidth_bps", Double.MIN_VALUE, Double.MAX_VALUE, read);
    long latency = n.longValue("latency_ns", 0, Long.MAX_VALUE, 0L);
    PolicyKind policy = n.choice("policy", PolicyKind.values(), PolicyKind::jsonName, PolicyKind.LRU);
    AdmissionKind admission = AdmissionKind.ALWAYS;
    int after = 1;
    var adm = n.raw("admission");
    if (adm != null) {
      if (adm.isTextual()) {
        admission = n.choice("admission", new AdmissionKind[] {AdmissionKind.ALWAYS, AdmissionKind.NEVER},
            a -> a.name().toLowerCase(java.util.Locale.ROOT), null);
      } else {
        ConfigNode a = n.object("admission");
        after = a.intValue("after", 1, 1_000_000, null);
        a.finish();
        admission = AdmissionKind.AFTER_K;
      }
    }
    long hot = n.longValue("hot_window", 0, Long.MAX_VALUE, 0L);
    int warm = n.intValue("warm_threshold", 1, 1_000_000, 2);
    CodecSpec codec = CodecSpec.bind(n);
    n.finish();
    if (policy == PolicyKind.OPT && admission != AdmissionKind.ALWAYS) {
      throw n.fieldError("admission", "OPT decides admission itself; use \"always\"");
    }
    return new TierConfig(new TierSpec(name, kind, capacityBytes, read, write, latency), capacityBlocks, policy,
        admission, after, hot, warm, codec);
  }
}
