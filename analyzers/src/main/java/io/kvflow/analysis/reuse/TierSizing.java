package io.kvflow.analysis.reuse;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.policy.PolicyParams;
import io.kvflow.engine.residency.ResidencyTracker;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.spec.AdmissionKind;
import io.kvflow.engine.spec.Expansion;
import io.kvflow.engine.spec.FinishedRequests;
import io.kvflow.engine.spec.Hierarchy;
import io.kvflow.engine.spec.ModelSpec;
import io.kvflow.engine.spec.Placement;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.spec.TierConfig;
import io.kvflow.engine.spec.TierKind;
import io.kvflow.engine.spec.TierSpec;
import io.kvflow.trace.AccessOp;
import java.util.List;

/**
 * The multi-tier sizing surface: over a grid of (first tier, second tier) capacities, the hit ratio
 * of the first tier and of the two together, for a policy in an exclusive two-tier hierarchy (misses
 * promote, victims demote). For LRU the surface follows from one miss-ratio curve (the two tiers
 * together hold exactly the top C1 + C2 of the LRU stack); other policies are simulated per point.
 * With prices per GB, the cheapest point meeting a target combined hit ratio is reported.
 */
public final class TierSizing {
  private TierSizing() {}

  /**
   * @param keys the block-reference stream
   * @param n its length
   * @param firstSizes first-tier capacities in blocks
   * @param secondSizes second-tier capacities in blocks
   * @param blockBytes bytes of one block (for the byte columns and costs)
   * @param pricePerGb {first, second} prices per GB (10^9 bytes), or null
   * @param targetHitRatio combined hit ratio to meet (NaN for none)
   */
  public static ObjectNode surface(long[] keys, int n, PolicyKind policy, List<Long> firstSizes, List<Long> secondSizes,
      long blockBytes, double[] pricePerGb, double targetHitRatio) {
    MissRatioCurve lru = null;
    if (policy == PolicyKind.LRU) {
      ReuseDistanceAnalyzer a = new ReuseDistanceAnalyzer();
      for (int i = 0; i < n; i++) {
        a.access(keys[i]);
      }
      lru = new MissRatioCurve(a.histogram());
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("policy", policy.jsonName());
    out.put("references", n);
    out.put("block_bytes", blockBytes);
    out.put("method", policy == PolicyKind.LRU ? "LRU stack identity from the exact miss-ratio curve" : "simulation per point");
    io.kvflow.common.LongHashSet distinct = new io.kvflow.common.LongHashSet(1 << 16);
    for (int i = 0; i < n; i++) {
      distinct.add(keys[i]);
    }
    out.put("distinct_blocks", distinct.size());
    // an infinite cache misses each block's first access only: no capacity, of any policy, does better
    out.put("ideal_hit_ratio", n == 0 ? 0.0 : 1.0 - (double) distinct.size() / n);
    ArrayNode grid = out.putArray("grid");
    ObjectNode best = null;
    double bestCost = Double.MAX_VALUE;
    for (long c1 : firstSizes) {
      for (long c2 : secondSizes) {
        double h1;
        double h12;
        if (lru != null) {
          h1 = 1 - lru.missRatio(c1);
          h12 = 1 - lru.missRatio(c1 + c2);
        } else {
          double[] h = simulate(keys, n, policy, c1, c2);
          h1 = h[0];
          h12 = h[1];
        }
        ObjectNode p = grid.addObject();
        p.put("first_blocks", c1);
        p.put("second_blocks", c2);
        p.put("first_bytes", c1 * blockBytes);
        p.put("second_bytes", c2 * blockBytes);
        p.put("first_hit_ratio", h1);
        p.put("combined_hit_ratio", h12);
        if (pricePerGb != null) {
          double cost = (c1 * blockBytes * pricePerGb[0] + c2 * blockBytes * pricePerGb[1]) / 1e9;
          p.put("cost", cost);
          if (!Double.isNaN(targetHitRatio) && h12 >= targetHitRatio && cost < bestCost) {
            bestCost = cost;
            best = p;
          }
        }
      }
    }
    if (pricePerGb != null && !Double.isNaN(targetHitRatio)) {
      out.put("target_combined_hit_ratio", targetHitRatio);
      if (best != null) {
        out.set("cheapest", best.deepCopy());
      } else {
        out.putNull("cheapest");
      }
    }
    return out;
  }

  /**
   * The grid of {@code surface} as a heatmap for report.html: x the first tier's capacity, y the
   * second's, z the combined hit ratio; {@code cells[y][x]}, null where the grid has no point.
   *
   * @param inBytes capacities in GiB (the surface's block_bytes are real) rather than blocks
   * @param target the combined hit ratio asked for, or NaN
   */
  public static ObjectNode heatmap(ObjectNode surface, boolean inBytes, double target) {
    java.util.TreeSet<Long> xs = new java.util.TreeSet<>();
    java.util.TreeSet<Long> ys = new java.util.TreeSet<>();
    for (com.fasterxml.jackson.databind.JsonNode p : surface.get("grid")) {
      xs.add(p.get("first_blocks").asLong());
      ys.add(p.get("second_blocks").asLong());
    }
    List<Long> x = new java.util.ArrayList<>(xs);
    List<Long> y = new java.util.ArrayList<>(ys);
    Double[][] z = new Double[y.size()][x.size()];
    for (com.fasterxml.jackson.databind.JsonNode p : surface.get("grid")) {
      z[y.indexOf(p.get("second_blocks").asLong())][x.indexOf(p.get("first_blocks").asLong())] =
          p.get("combined_hit_ratio").asDouble();
    }
    long blockBytes = surface.get("block_bytes").asLong();
    String unit = inBytes ? "GiB" : "blocks";
    ObjectNode h = JsonNodeFactory.instance.objectNode();
    h.put("title", "Combined hit ratio over first- and second-tier capacity (" + surface.get("policy").asText()
        + ", exclusive)");
    h.put("x", "first-tier capacity, " + unit);
    h.put("y", "second-tier capacity, " + unit);
    h.put("z", "combined hit ratio, fraction of block references");
    ArrayNode xv = h.putArray("x_values");
    for (long c : x) {
      if (inBytes) {
        xv.add((double) c * blockBytes / (1L << 30));
      } else {
        xv.add(c);
      }
    }
    ArrayNode yv = h.putArray("y_values");
    for (long c : y) {
      if (inBytes) {
        yv.add((double) c * blockBytes / (1L << 30));
      } else {
        yv.add(c);
      }
    }
    ArrayNode cells = h.putArray("cells");
    for (Double[] row : z) {
      ArrayNode r = cells.addArray();
      for (Double v : row) {
        if (v == null) {
          r.addNull();
        } else {
          r.add(v);
        }
      }
    }
    if (Double.isNaN(target)) {
      h.putNull("target");
    } else {
      h.put("target", target);
    }
    return h;
  }

  /** Hit ratios {first tier, both tiers} of an exclusive two-tier simulation. */
  public static double[] simulate(long[] keys, int n, PolicyKind policy, long c1, long c2) {
    ModelSpec unit = new ModelSpec("unit", 1, 1, 1, 1, 1, 0, 1);
    List<TierConfig> tiers = List.of(
        new TierConfig(new TierSpec("first", TierKind.HBM, 0, 1, 1, 0), c1, policy, AdmissionKind.ALWAYS, 1, 0, 2),
        new TierConfig(new TierSpec("second", TierKind.DRAM, 0, 1, 1, 0), c2, policy, AdmissionKind.ALWAYS, 1, 0, 2));
    ReplayConfig config = new ReplayConfig(unit, tiers, Hierarchy.EXCLUSIVE, Placement.BLOCK, FinishedRequests.CACHE,
        Expansion.PREFIX, 1, 0, null);
    ResidencyTracker t = new ResidencyTracker(config, 1, 1, 1, PolicyParams.DEFAULT);
    for (int i = 0; i < n; i++) {
      t.access(keys[i], AccessOp.READ.code(), 1, 1, 0, 0, -1, 0);
    }
    t.checkInvariants();
    List<TierResult> r = t.results();
    double h1 = (double) r.get(0).hits() / n;
    return new double[] {h1, h1 + (double) r.get(1).hits() / n};
  }
}
