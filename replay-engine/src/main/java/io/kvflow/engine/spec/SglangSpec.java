package io.kvflow.engine.spec;

import java.util.Locale;

/**
 * Settings of the {@code "engine": "sglang"} mode, named as SGLang's server arguments are.
 *
 * @param pageTokens tokens of one radix-tree page ({@code --page-size}; 1 = token granularity)
 * @param writePolicy when the HiCache host tier (the second tier) receives a node ({@code --hicache-write-policy})
 */
public record SglangSpec(int pageTokens, WritePolicy writePolicy) {
  /** SGLang's defaults: page size 1, write-through. */
  public static final SglangSpec DEFAULT = new SglangSpec(1, WritePolicy.WRITE_THROUGH);

  /** The largest page. */
  public static final int MAX_PAGE_TOKENS = 1 << 16;

  /** HiCache's write policies (hiradix_cache.py). */
  public enum WritePolicy {
    /** A node is written to the host tier when it is inserted or hit and not yet there. */
    WRITE_THROUGH,
    /** A node is written to the host tier only when the GPU evicts it. */
    WRITE_BACK;

    /** The name SGLang's flag takes ({@code write_through}). */
    public String flagName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public SglangSpec {
    if (pageTokens < 1 || pageTokens > MAX_PAGE_TOKENS) {
      throw ConfigException.at("$.sglang.page_size", pageTokens + " must be in 1.." + MAX_PAGE_TOKENS);
    }
    if (writePolicy == null) {
      throw ConfigException.at("$.sglang.hicache_write_policy", "is required");
    }
  }

  /**
   * The {@code "sglang"} object, or null when the config has none. A write policy without a host
   * tier (a second tier) would change nothing and is refused.
   */
  static SglangSpec bind(ConfigNode root, java.util.List<TierConfig> tiers) {
    if (!root.has("sglang")) {
      return null;
    }
    ConfigNode n = root.object("sglang");
    int page = n.intValue("page_size", 1, MAX_PAGE_TOKENS, 1);
    if (n.has("hicache_write_policy") && tiers.size() < 2) {
      throw n.fieldError("hicache_write_policy", "applies to the HiCache host tier, the second tier; this config has "
          + "one tier; add a host tier or remove the policy");
    }
    WritePolicy w = n.choice("hicache_write_policy", WritePolicy.values(), WritePolicy::flagName,
        WritePolicy.WRITE_THROUGH);
    n.finish();
    return new SglangSpec(page, w);
  }
}
