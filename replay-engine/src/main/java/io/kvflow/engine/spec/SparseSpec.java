package io.kvflow.engine.spec;

/**
 * Sparse-read settings.
 *
 * @param kind dense, top-k or sink + recent
 * @param k blocks kept by top-k
 * @param sinkTokens tokens at the start of a sequence kept by sink + recent
 * @param recentTokens tokens at the end kept by sink + recent
 */
public record SparseSpec(SparseKind kind, int k, int sinkTokens, int recentTokens) {
  public static final SparseSpec DENSE = new SparseSpec(SparseKind.DENSE, 0, 0, 0);

  static SparseSpec bind(ConfigNode parent) {
    if (!parent.has("sparse_reads")) {
      return DENSE;
    }
    ConfigNode n = parent.object("sparse_reads");
    SparseKind kind = n.choice("policy", SparseKind.values(), ReplayConfig::lower, null);
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
