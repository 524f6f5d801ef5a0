package io.kvflow.engine.spec;

import java.util.Objects;

/**
 * Sparse-read settings ({@code $.sparse_reads}); accesses traces only ({@link ReplayConfig#checkApplies}).
 *
 * @param kind dense, top-k or sink + recent
 * @param k blocks kept by top-k (0 for the others)
 * @param sinkTokens tokens at the start of a sequence kept by sink + recent (0 for the others)
 * @param recentTokens tokens at the end kept by sink + recent (0 for the others)
 */
public record SparseSpec(SparseKind kind, int k, int sinkTokens, int recentTokens) {
  public static final SparseSpec DENSE = new SparseSpec(SparseKind.DENSE, 0, 0, 0);

  private static final String AT = "$.sparse_reads";

  public SparseSpec {
    Objects.requireNonNull(kind, "kind");
    if (kind == SparseKind.TOP_K ? k < 1 : k != 0) {
      throw kind == SparseKind.TOP_K ? ConfigException.at(AT + ".k", k + " must be >= 1")
          : ConfigException.at(AT + ".k", "applies to policy top-k only; remove it");
    }
    if (sinkTokens < 0 || recentTokens < 0) {
      throw ConfigException.at(AT + (sinkTokens < 0 ? ".sink_tokens" : ".recent_tokens"), "must be >= 0");
    }
    if (kind != SparseKind.SINK_RECENT && (sinkTokens != 0 || recentTokens != 0)) {
      throw ConfigException.at(AT + (sinkTokens != 0 ? ".sink_tokens" : ".recent_tokens"),
          "applies to policy sink-recent only; remove it");
    }
  }

  static SparseSpec bind(ConfigNode parent) {
    if (!parent.has("sparse_reads")) {
      return DENSE;
    }
    ConfigNode n = parent.object("sparse_reads");
    SparseKind kind = n.choice("policy", SparseKind.values(), ReplayConfig::lower, null);
    if (kind != SparseKind.TOP_K) {
      n.rejectIfGiven("k", "applies to policy top-k only; remove it");
    }
    if (kind != SparseKind.SINK_RECENT) {
      n.rejectIfGiven("sink_tokens", "applies to policy sink-recent only; remove it");
      n.rejectIfGiven("recent_tokens", "applies to policy sink-recent only; remove it");
    }
    SparseSpec s = switch (kind) {
      case DENSE -> DENSE;
      case TOP_K -> new SparseSpec(kind, n.intValue("k", 1, Integer.MAX_VALUE, null), 0, 0);
      case SINK_RECENT -> new SparseSpec(kind, 0, n.intValue("sink_tokens", 0, Integer.MAX_VALUE, 4),
          n.intValue("recent_tokens", 0, Integer.MAX_VALUE, 256));
    };
    n.finish();
    return s;
  }
}
