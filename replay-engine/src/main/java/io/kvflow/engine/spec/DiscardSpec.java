package io.kvflow.engine.spec;

import java.util.Objects;

/**
 * Selective-discard settings ({@code $.discard}); accesses traces only ({@link ReplayConfig#checkApplies}).
 *
 * @param kind none, StreamingLLM, H2O or SnapKV
 * @param sinkTokens StreamingLLM: tokens kept at the start (0 for the others)
 * @param recentTokens tokens kept at the end (every policy but none; SnapKV: of the prompt)
 * @param heavyHitters H2O: blocks kept for their accumulated attention mass; SnapKV: for their mass
 *     in the first decode step (0 for the others)
 */
public record DiscardSpec(DiscardKind kind, int sinkTokens, int recentTokens, int heavyHitters) {
  public static final DiscardSpec NONE = new DiscardSpec(DiscardKind.NONE, 0, 0, 0);

  private static final String AT = "$.discard";

  public DiscardSpec {
    Objects.requireNonNull(kind, "kind");
    if (kind == DiscardKind.NONE ? recentTokens != 0 : recentTokens < 1) {
      throw ConfigException.at(AT + ".recent_tokens", kind == DiscardKind.NONE ? "discard none keeps every token; remove it"
          : recentTokens + " must be >= 1");
    }
    if (kind == DiscardKind.STREAMING_LLM ? sinkTokens < 0 : sinkTokens != 0) {
      throw ConfigException.at(AT + ".sink_tokens", kind == DiscardKind.STREAMING_LLM ? sinkTokens + " must be >= 0"
          : "applies to policy streaming-llm only; remove it");
    }
    boolean heavy = kind == DiscardKind.H2O || kind == DiscardKind.SNAPKV;
    if (heavy ? heavyHitters < 0 : heavyHitters != 0) {
      throw ConfigException.at(AT + ".heavy_hitters", heavy ? heavyHitters + " must be >= 0"
          : "applies to policies h2o and snapkv only; remove it");
    }
  }

  static DiscardSpec bind(ConfigNode parent) {
    if (!parent.has("discard")) {
      return NONE;
    }
    ConfigNode n = parent.object("discard");
    DiscardKind kind = n.choice("policy", DiscardKind.values(), ReplayConfig::lower, null);
    if (kind == DiscardKind.NONE) {
      n.rejectIfGiven("recent_tokens", "discard none keeps every token; remove it");
    }
    if (kind != DiscardKind.STREAMING_LLM) {
      n.rejectIfGiven("sink_tokens", "applies to policy streaming-llm only; remove it");
    }
    if (kind != DiscardKind.H2O && kind != DiscardKind.SNAPKV) {
      n.rejectIfGiven("heavy_hitters", "applies to policies h2o and snapkv only; remove it");
    }
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
