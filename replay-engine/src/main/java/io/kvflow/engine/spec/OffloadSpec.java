package io.kvflow.engine.spec;

/**
 * Offload by token range: in every layer, the part of each sequence's context that {@code range}
 * selects lives in lower tier {@code tier} and is read from there each step (streamed to a staging
 * buffer, as a bypassed unit), whatever the first tier's policy would do with it.
 *
 * @param tier index of the lower tier that holds the range (1 = the second tier)
 * @param range which tokens
 * @param fraction the share of the context ({@link Range#OLDEST_FRACTION}, {@link Range#NEWEST_FRACTION})
 * @param keepNewestTokens the newest tokens that stay ({@link Range#BEYOND_NEWEST}); older whole blocks are offloaded
 */
public record OffloadSpec(int tier, Range range, double fraction, long keepNewestTokens) {
  /** No offload range. */
  public static final OffloadSpec NONE = new OffloadSpec(0, Range.NONE, 0, 0);

  /** Which part of a sequence's context is offloaded. */
  public enum Range {
    NONE,
    /** The oldest {@code fraction} of its blocks (e.g. the prompt of a long conversation). */
    OLDEST_FRACTION,
    /** The newest {@code fraction} of its blocks. */
    NEWEST_FRACTION,
    /** Every whole block older than the newest {@code keep_newest_tokens} tokens. */
    BEYOND_NEWEST
  }

  public OffloadSpec {
    if (range != Range.NONE && tier < 1) {
      throw ConfigException.at("$.offload.tier", "must name a lower tier (not the first)");
    }
    if ((range == Range.OLDEST_FRACTION || range == Range.NEWEST_FRACTION) && !(fraction >= 0 && fraction <= 1)) {
      throw ConfigException.at("$.offload", fraction + " must be in [0, 1]");
    }
    if (keepNewestTokens < 0) {
      throw ConfigException.at("$.offload.keep_newest_tokens", keepNewestTokens + " must be >= 0");
    }
  }

  /** Whether block {@code index} of a sequence of {@code blocks} blocks and {@code tokens} tokens is offloaded. */
  public boolean offloaded(int index, int blocks, long tokens, int blockTokens) {
    return switch (range) {
      case NONE -> false;
      case OLDEST_FRACTION -> index < (int) Math.floor(fraction * blocks);
      case NEWEST_FRACTION -> index >= blocks - (int) Math.floor(fraction * blocks);
      case BEYOND_NEWEST -> (long) (index + 1) * blockTokens <= tokens - keepNewestTokens;
    };
  }

  static OffloadSpec bind(ConfigNode root, java.util.List<TierConfig> tiers) {
    if (!root.has("offload")) {
      return NONE;
    }
    ConfigNode n = root.object("offload");
    String name = n.string("tier", null);
    int tier = -1;
    for (int i = 0; i < tiers.size(); i++) {
      if (tiers.get(i).tier().name().equals(name)) {
        tier = i;
      }
    }
    if (tier < 1) {
      throw n.fieldError("tier", "'" + name + "' is not a lower tier of $.tiers (the first tier is the compute tier)");
    }
    int given = (n.has("oldest_fraction") ? 1 : 0) + (n.has("newest_fraction") ? 1 : 0)
        + (n.has("keep_newest_tokens") ? 1 : 0);
    if (given != 1) {
      throw n.fieldError("tier", "give exactly one of oldest_fraction, newest_fraction and keep_newest_tokens");
    }
    OffloadSpec s;
    if (n.has("oldest_fraction")) {
      s = new OffloadSpec(tier, Range.OLDEST_FRACTION, n.doubleValue("oldest_fraction", 0, 1, null), 0);
    } else if (n.has("newest_fraction")) {
      s = new OffloadSpec(tier, Range.NEWEST_FRACTION, n.doubleValue("newest_fraction", 0, 1, null), 0);
    } else {
      s = new OffloadSpec(tier, Range.BEYOND_NEWEST, 0, n.longValue("keep_newest_tokens", 0, Long.MAX_VALUE, null));
    }
    n.finish();
    return s;
  }
}
