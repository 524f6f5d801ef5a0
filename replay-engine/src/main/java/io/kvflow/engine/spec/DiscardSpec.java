package io.kvflow.engine.spec;

/**
 * Selective-discard settings.
 *
 * @param kind none, StreamingLLM, H2O or SnapKV
 * @param sinkTokens StreamingLLM: tokens kept at the start
 * @param recentTokens tokens kept at the end (every policy; SnapKV: of the prompt)
 * @param heavyHitters H2O: blocks kept for their accumulated attention mass; SnapKV: for their mass
 *     in the first decode step
 */
public record DiscardSpec(DiscardKind kind, int sinkTokens, int recentTokens, int heavyHitters) {
  public static final DiscardSpec NONE = new DiscardSpec(DiscardKind.NONE, 0, 0, 0);

  static DiscardSpec bind(ConfigNode parent) {
    if (!parent.has("discard")) {
      return NONE;
    }
    ConfigNode n = parent.object("discard");
    DiscardKind kind = n.choice("policy", DiscardKind.values(), ReplayConfig::lower, null);
    DiscardSpec d = switch (kind) {
      case NONE -> NONE;
      case STREAMING_LLM -> new DiscardSpec(kind, n.intValue("sink_tokens", 0, Integer.MAX_VALUE, 4),
          n.intValue("recent_tokens", 1, Integer.MAX_VALUE, 1024), 0);
      case H2O -> new DiscardSpec(kind, 0, n.intValue("recent_tokens", 1, Integer.MAX_VALUE, 256),
          n.intValue("heavy_hitters", 0, Integer.MAX_VALUE, 16));
      case SNAPKV -> new DiscardSpec(kind, 0, n.intValue("recent_tokens", 1, Integer.MAX_VALUE, 32),
          n.intValue("heavy_hitters", 0, Integer.MAX_VALUE, 64));
    };
    n.finish();
    return d;
  }
}
