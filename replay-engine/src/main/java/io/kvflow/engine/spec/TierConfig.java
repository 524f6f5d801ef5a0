package io.kvflow.engine.spec;

import io.kvflow.engine.policy.PolicyKind;
import java.util.Locale;

/**
 * A tier with its eviction policy and admission rule. Its rules ({@link #check}) are checked, with
 * its JSON path, by the {@link ReplayConfig} that holds it, whichever way either was made.
 *
 * @param tier the memory
 * @param capacityBlocks capacity in placement units, when given in blocks (0: derive from bytes)
 * @param policy eviction policy
 * @param admission admission rule
 * @param admitAfter k for {@link AdmissionKind#AFTER_K} (1 for the other rules)
 * @param hotWindowAccesses hot/warm/cold: recency window (0 = capacity; 0 for other policies)
 * @param warmThreshold hot/warm/cold: uses that make a block warm ({@link #DEFAULT_WARM_THRESHOLD} for other policies)
 * @param codec how the tier stores KV
 */
public record TierConfig(TierSpec tier, long capacityBlocks, PolicyKind policy, AdmissionKind admission, int admitAfter,
    long hotWindowAccesses, int warmThreshold, CodecSpec codec) {

  /** Hot/warm/cold's default warm threshold, and the value every other policy carries. */
  public static final int DEFAULT_WARM_THRESHOLD = 2;

  /** The most placement units a tier holds. */
  public static final long MAX_CAPACITY_BLOCKS = Integer.MAX_VALUE - 8;

  /** The most bytes a tier holds (2^60, 1 EiB), so that byte figures derived from it stay inside 64 bits. */
  public static final long MAX_CAPACITY_BYTES = 1L << 60;

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

  /**
   * The tier's own rules, naming {@code at} ({@code $.tiers[i]}): capacity in range, settings of
   * hot/warm/cold only on hot/warm/cold, {@code after} only with that admission, OPT admitting always
   * (its oracle decides admission and must see every lookup), and the codec's rules.
   */
  void check(String at) {
    if (tier == null || tier.name() == null || tier.kind() == null || policy == null || admission == null || codec == null) {
      throw ConfigException.at(at, "name, kind, policy, admission and codec are required");
    }
    if (!(tier.readBandwidthBps() > 0) || !(tier.writeBandwidthBps() > 0)) {
      throw ConfigException.at(at + (tier.readBandwidthBps() > 0 ? ".write_bandwidth_bps" : ".read_bandwidth_bps"),
          "must be > 0");
    }
    if (tier.latencyNs() < 0) {
      throw ConfigException.at(at + ".latency_ns", tier.latencyNs() + " must be >= 0");
    }
    if (capacityBlocks < 0 || capacityBlocks > MAX_CAPACITY_BLOCKS) {
      throw ConfigException.at(at + ".capacity_blocks", capacityBlocks + " must be in [1, " + MAX_CAPACITY_BLOCKS + "]");
    }
    if (capacityBlocks == 0 && tier.capacityBytes() < 1) {
      throw ConfigException.at(at + ".capacity_bytes", tier.capacityBytes() + " must be >= 1 (or give capacity_blocks)");
    }
    if (tier.capacityBytes() > MAX_CAPACITY_BYTES) {
      throw ConfigException.at(at + ".capacity_bytes", tier.capacityBytes() + " must be <= " + MAX_CAPACITY_BYTES
          + " (2^60, 1 EiB)");
    }
    if (admission == AdmissionKind.AFTER_K ? admitAfter < 1 || admitAfter > 1_000_000 : admitAfter != 1) {
      throw ConfigException.at(at + ".admission", admission == AdmissionKind.AFTER_K
          ? "after " + admitAfter + " must be in [1, 1000000]"
          : "after " + admitAfter + " applies to admission {\"after\": k} only, not " + lower(admission));
    }
    if (policy != PolicyKind.HOT_WARM_COLD && hotWindowAccesses != 0) {
      throw notHotWarmCold(at, "hot_window");
    }
    if (policy != PolicyKind.HOT_WARM_COLD && warmThreshold != DEFAULT_WARM_THRESHOLD) {
      throw notHotWarmCold(at, "warm_threshold");
    }
    if (hotWindowAccesses < 0) {
      throw ConfigException.at(at + ".hot_window", hotWindowAccesses + " must be >= 0");
    }
    if (warmThreshold < 1 || warmThreshold > 1_000_000) {
      throw ConfigException.at(at + ".warm_threshold", warmThreshold + " must be in [1, 1000000]");
    }
    if (policy == PolicyKind.OPT && admission != AdmissionKind.ALWAYS) {
      throw ConfigException.at(at + ".admission", lower(admission) + " does not apply to policy opt: its oracle decides "
          + "admission and must see every lookup; use \"always\" or remove it");
    }
    codec.check(at + ".codec");
  }

  private ConfigException notHotWarmCold(String at, String field) {
    return ConfigException.at(at + "." + field, "applies to policy hot-warm-cold only, not " + policy.jsonName()
        + "; remove it or set the tier's policy to hot-warm-cold");
  }

  private static String lower(AdmissionKind a) {
    return a == AdmissionKind.AFTER_K ? "{\"after\": k}" : a.name().toLowerCase(Locale.ROOT);
  }

  /** Binds {@code $.tiers[i]}; {@code computeTier}: the first tier, {@code timed}: the config has hardware. */
  static TierConfig bind(ConfigNode n, boolean computeTier, boolean timed) {
    String name = n.string("name", null);
    TierKind kind = n.choice("kind", TierKind.values(), k -> k.name().toLowerCase(Locale.ROOT), null);
    boolean bytes = n.has("capacity_bytes");
    boolean blocks = n.has("capacity_blocks");
    if (bytes == blocks) {
      throw n.fieldError("capacity_bytes", "give exactly one of capacity_bytes and capacity_blocks");
    }
    long capacityBytes = bytes ? n.longValue("capacity_bytes", 1, MAX_CAPACITY_BYTES, null) : 0;
    long capacityBlocks = blocks ? n.longValue("capacity_blocks", 1, MAX_CAPACITY_BLOCKS, null) : 0;
    double read = n.doubleValue("read_bandwidth_bps", ConfigRules.MIN_BYTES_PER_SECOND, ConfigRules.MAX_BYTES_PER_SECOND,
        1e12);
    double write = n.doubleValue("write_bandwidth_bps", ConfigRules.MIN_BYTES_PER_SECOND,
        ConfigRules.MAX_BYTES_PER_SECOND, read);
    long latency = n.longValue("latency_ns", 0, ConfigRules.MAX_COST_NS, 0L);
    PolicyKind policy = n.choice("policy", PolicyKind.values(), PolicyKind::jsonName, PolicyKind.LRU);
    AdmissionKind admission = AdmissionKind.ALWAYS;
    int after = 1;
    var adm = n.raw("admission");
    if (adm != null) {
      if (adm.isTextual()) {
        admission = n.choice("admission", new AdmissionKind[] {AdmissionKind.ALWAYS, AdmissionKind.NEVER},
            a -> a.name().toLowerCase(Locale.ROOT), null);
      } else {
        ConfigNode a = n.object("admission");
        after = a.intValue("after", 1, 1_000_000, null);
        a.finish();
        admission = AdmissionKind.AFTER_K;
      }
    }
    if (policy != PolicyKind.HOT_WARM_COLD) {
      // given at all, even at their defaults, they would claim a setting the policy does not have
      for (String f : new String[] {"hot_window", "warm_threshold"}) {
        n.rejectIfGiven(f, "applies to policy hot-warm-cold only, not " + policy.jsonName()
            + "; remove it or set the tier's policy to hot-warm-cold");
      }
    }
    long hot = n.longValue("hot_window", 0, Long.MAX_VALUE, 0L);
    int warm = n.intValue("warm_threshold", 1, 1_000_000, DEFAULT_WARM_THRESHOLD);
    CodecSpec codec = CodecSpec.bind(n, computeTier, timed);
    n.finish();
    return new TierConfig(new TierSpec(name, kind, capacityBytes, read, write, latency), capacityBlocks, policy,
        admission, after, hot, warm, codec);
  }
}
