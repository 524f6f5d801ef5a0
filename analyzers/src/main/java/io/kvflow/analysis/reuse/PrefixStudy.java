package io.kvflow.analysis.reuse;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.Progress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A reuse study of a requests trace that follows the request chains: the exact flat LRU study of
 * {@link ReuseStudy} plus the prefix-aware LRU curve ({@link PrefixLruAnalyzer}, blocks and tokens)
 * and the offline optima, flat OPT and tree-OPT ({@link OfflineOptimum}), in one pass over the
 * trace; a chart puts them on one plot (bytes on the x axis given a block size in bytes).
 */
public final class PrefixStudy {
  /** The curves beyond flat LRU. */
  public enum Curve {
    /** The prefix-aware LRU cache, every size in one pass. */
    PREFIX_LRU,
    /** Flat OPT and tree-OPT, one simulation per size (the trace held in memory). */
    OPTIMUM
  }

  /**
   * @param sizes capacities (blocks) that every curve must include
   * @param curves which curves beyond flat LRU
   * @param blockBytes bytes of one block for a bytes x axis, or 0
   * @param targetHitRatio an LRU hit ratio whose smallest capacity the study reports, or NaN
   */
  public record Options(List<Long> sizes, Set<Curve> curves, long blockBytes, double targetHitRatio) {
    public Options {
      sizes = List.copyOf(sizes);
      curves = curves.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(curves));
    }
  }

  private PrefixStudy() {}

  public static ObjectNode run(Path trace, Options o, Progress progress) {
    ChainStream.blockTokens(trace);
    ReuseDistanceAnalyzer flat = new ReuseDistanceAnalyzer();
    PrefixLruAnalyzer prefix = o.curves().contains(Curve.PREFIX_LRU) ? new PrefixLruAnalyzer() : null;
    RecordedChains recorded = o.curves().contains(Curve.OPTIMUM) ? new RecordedChains() : null;
    // the flat distances' key half runs on the decoding thread, as in ReuseStudy
    PositionAssigner flatKeys = new PositionAssigner(1 << 12);
    long refs = ChainStream.forEach(trace, c -> {
      System.arraycopy(c.rawKeys, 0, c.scratch, 0, c.references);
      flatKeys.assignInPlace(c.scratch, 0, c.references);
    }, c -> {
      flat.acceptPositions(c.scratch, 0, c.references);
      for (int r = 0; r < c.requests; r++) {
        int from = c.requestStart(r);
        int to = c.requestEnd[r];
        if (prefix != null) {
          prefix.request(c.pathKeys, c.tokens, from, to, null);
        }
        if (recorded != null) {
          recorded.request(c.rawKeys, c.pathKeys, c.tokens, from, to);
        }
      }
    }, progress);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("trace_file", trace.getFileName().toString());
    out.put("accesses", refs);
    MissRatioCurve flatCurve = ReuseStudy.putExact(out, flat);
    List<Long> sizes = ReuseStudy.putCurve(out, flatCurve, flat.distinctKeys(), o.sizes());
    ReuseStudy.putTarget(out, flatCurve, o.targetHitRatio());
    if (o.blockBytes() > 0) {
      out.put("block_bytes", o.blockBytes());
    }
    List<Series> series = new ArrayList<>();
    series.add(new Series("flat LRU", sizes, flatCurve::missRatio));
    List<Series> tokenSeries = new ArrayList<>();
    if (prefix != null) {
      prefix.checkInvariants();
      MissRatioCurve blocks = new MissRatioCurve(prefix.blockHistogram());
      MissRatioCurve tokens = new MissRatioCurve(prefix.tokenHistogram());
      ObjectNode p = out.putObject("prefix_aware");
      p.put("references", prefix.references());
      p.put("tokens", prefix.tokens());
      p.put("cold_blocks", prefix.coldBlocks());
      p.put("distinct_blocks", prefix.distinctBlocks());
      p.put("keys", "path keys: each block keyed by its whole prefix");
      Series s = new Series("prefix-aware LRU", sizes, blocks::missRatio);
      put(out, "prefix_mrc", s);
      series.add(s);
      Series t = new Series("prefix-aware LRU", sizes, tokens::missRatio);
      put(out, "prefix_mrc_tokens", t);
      tokenSeries.add(t);
    }
    if (recorded != null) {
      List<Long> optSizes = optimumSizes(sizes, o.sizes());
      double[] flatMiss = new double[optSizes.size()];
      double[] treeMiss = new double[optSizes.size()];
      double[] treeTokenMiss = new double[optSizes.size()];
      long totalTokens = 0;
      int[] referenceTokens = recorded.tokens();
      for (int j = 0; j < recorded.references(); j++) {
        totalTokens += referenceTokens[j];
      }
      double n = Math.max(1, recorded.references());
      for (int i = 0; i < optSizes.size(); i++) {
        long c = optSizes.get(i);
        flatMiss[i] = 1 - OfflineOptimum.run(recorded, OfflineOptimum.Kind.FLAT, c).hitBlocks() / n;
        OfflineOptimum.Result tree = OfflineOptimum.run(recorded, OfflineOptimum.Kind.TREE, c);
        treeMiss[i] = 1 - tree.hitBlocks() / n;
        treeTokenMiss[i] = 1 - tree.hitTokens() / (double) Math.max(1, totalTokens);
      }
      Series f = new Series("flat OPT", optSizes, flatMiss);
      Series t = new Series("tree-OPT", optSizes, treeMiss);
      put(out, "opt_mrc", f);
      put(out, "tree_opt_mrc", t);
      put(out, "tree_opt_mrc_tokens", new Series("tree-OPT", optSizes, treeTokenMiss));
      tokenSeries.add(new Series("tree-OPT", optSizes, treeTokenMiss));
      double gap = 0;
      for (int i = 0; i < optSizes.size(); i++) {
        gap = Math.max(gap, treeMiss[i] - flatMiss[i]);
      }
      out.put("tree_opt_gap_max", gap);
      series.add(f);
      series.add(t);
    }
    ArrayNode charts = out.putArray("charts");
    String x = o.blockBytes() > 0 ? "cache size (bytes)" : "cache size (blocks)";
    chart(charts, "Miss ratio (blocks): flat vs prefix-aware vs optimum", x, "miss ratio", series, o.blockBytes());
    if (!tokenSeries.isEmpty()) {
      chart(charts, "Token miss ratio", x, "token miss ratio", tokenSeries, o.blockBytes());
    }
    return out;
  }

  /** The sizes the optima are simulated at: one a doubling up to the largest curve size, plus the requested. */
  static List<Long> optimumSizes(List<Long> curveSizes, List<Long> requested) {
    TreeSet<Long> s = new TreeSet<>(requested);
    long max = curveSizes.isEmpty() ? 1 : curveSizes.get(curveSizes.size() - 1);
    for (long c = 1; c < max; c *= 2) {
      s.add(c);
    }
    s.add(max);
    return new ArrayList<>(s);
  }

  /** A curve: miss ratios at sizes in blocks. */
  private record Series(String name, List<Long> sizes, double[] missRatios) {
    Series(String name, List<Long> sizes, java.util.function.LongToDoubleFunction f) {
      this(name, sizes, sizes.stream().mapToDouble(f::applyAsDouble).toArray());
    }
  }

  private static void put(ObjectNode out, String field, Series s) {
    ArrayNode a = out.putArray(field);
    for (int i = 0; i < s.sizes().size(); i++) {
      ArrayNode p = a.addArray();
      p.add(s.sizes().get(i));
      p.add(s.missRatios()[i]);
    }
  }

  private static void chart(ArrayNode charts, String title, String x, String y, List<Series> series, long blockBytes) {
    ObjectNode c = charts.addObject();
    c.put("title", title);
    c.put("x", x);
    c.put("y", y);
    c.put("log_x", true);
    ArrayNode ss = c.putArray("series");
    for (Series s : series) {
      ObjectNode o = ss.addObject();
      o.put("name", s.name());
      ArrayNode pts = o.putArray("points");
      for (int i = 0; i < s.sizes().size(); i++) {
        ArrayNode p = pts.addArray();
        p.add(blockBytes > 0 ? s.sizes().get(i) * blockBytes : s.sizes().get(i));
        p.add(s.missRatios()[i]);
      }
    }
  }
}
