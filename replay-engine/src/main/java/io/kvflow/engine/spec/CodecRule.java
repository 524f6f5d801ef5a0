package io.kvflow.engine.spec;

/**
 * The original KVFlow study's distance rule ({@code $.codec_rule}): a block within {@code
 * recentWindow} tokens of the end of its sequence is kept uncompressed, one at least {@code
 * coldInt4Distance} tokens back is int4, one in between int8. Applied to the data read out of tiers
 * below the compute tier, so it needs a lower tier; accesses traces only ({@link ReplayConfig#checkApplies}).
 *
 * @param recentWindow tokens at the end kept uncompressed
 * @param coldInt4Distance tokens back from the end beyond which blocks are int4
 */
public record CodecRule(int recentWindow, int coldInt4Distance) {
  public CodecRule {
    if (recentWindow < 0) {
      throw ConfigException.at("$.codec_rule.recent_window", recentWindow + " must be >= 0");
    }
    if (coldInt4Distance < recentWindow) {
      throw ConfigException.at("$.codec_rule.cold_int4_distance", coldInt4Distance + " is inside the recent window ("
          + recentWindow + "); it must be >= it");
    }
  }

  static CodecRule bind(ConfigNode parent) {
    if (!parent.has("codec_rule")) {
      return null;
    }
    ConfigNode n = parent.object("codec_rule");
    int recent = n.intValue("recent_window", 0, Integer.MAX_VALUE, null);
    int cold = n.intValue("cold_int4_distance", 0, Integer.MAX_VALUE, null);
    n.finish();
    return new CodecRule(recent, cold);
  }

  /** The codec of a block whose last token is {@code age} tokens from the end of its sequence. */
  public CodecKind codecFor(long age) {
    return age < recentWindow ? CodecKind.NONE : age >= coldInt4Distance ? CodecKind.INT4 : CodecKind.INT8;
  }
}
