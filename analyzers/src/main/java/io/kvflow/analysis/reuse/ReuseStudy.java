package io.kvflow.analysis.reuse;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.Progress;
import io.kvflow.engine.policy.EvictionPolicy;
import io.kvflow.engine.policy.PolicyKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A reuse-distance study of one trace: exact (or SHARDS-sampled) distance histogram, reuse times,
 * the LRU miss-ratio curve at the requested sizes plus a log-spaced default curve, and optionally
 * the miss-ratio curve of another policy by miniature simulation on the SHARDS sample.
 */
public final class ReuseStudy {
  /** How references are sampled. */
  public enum Sampling {
    EXACT,
    FIXED_RATE,
    FIXED_SIZE,
    /** Sizes up to K blocks (maxKeys) from a denser (or exact) sample, SHARDS fixed-rate above ({@link HybridShards}). */
    HYBRID,
    /** Exact per hash partition of the block ids, combined (how a cluster would split the work). */
    PARTITIONED
  }

  /**
   * @param sampling exact or SHARDS
   * @param rate SHARDS fixed rate
   * @param maxKeys SHARDS fixed size; the partitions of PARTITIONED; K, the exact sizes' limit, of HYBRID
   * @param seed SHARDS hash seed
   * @param sizes capacities (blocks) that must appear in the curve
   * @param policy a policy for miniature simulation, or null
   * @param perTenant also each tenant's histogram and miss ratios in the shared LRU cache (exact
   *     sampling, requests traces)
   * @param targetHitRatio an LRU hit ratio whose smallest capacity the study reports, or NaN
   * @param nearRate HYBRID: the rate of the sample of the sizes up to K (1: exact there)
   */
  public record Options(Sampling sampling, double rate, int maxKeys, long seed, List<Long> sizes, PolicyKind policy,
      boolean perTenant, double targetHitRatio, double nearRate) {
    public Options(Sampling sampling, double rate, int maxKeys, long seed, List<Long> sizes, PolicyKind policy,
        boolean perTenant, double targetHitRatio) {
      this(sampling, rate, maxKeys, seed, sizes, policy, perTenant, targetHitRatio, 1.0);
    }

    public Options(Sampling sampling, double rate, int maxKeys, long seed, List<Long> sizes, PolicyKind policy) {
      this(sampling, rate, maxKeys, seed, sizes, policy, false);
    }

    public Options(Sampling sampling, double rate, int maxKeys, long seed, List<Long> sizes, PolicyKind policy,
        boolean perTenant) {
      this(sampling, rate, maxKeys, seed, sizes, policy, perTenant, Double.NaN);
    }
  }

  private ReuseStudy() {}

  public static ObjectNode run(Path trace, Options o, Progress progress) {
    if (o.perTenant()) {
      return TenantReuse.run(trace, o, progress);
    }
    ReuseDistanceAnalyzer exact = o.sampling() == Sampling.EXACT ? new ReuseDistanceAnalyzer() : null;
    if (o.sampling() == Sampling.HYBRID && o.policy() != null) {
      throw new IllegalArgumentException("a policy's miniature simulation needs plain SHARDS or exact sampling");
    }
    HybridShards hybrid = o.sampling() == Sampling.HYBRID ? new HybridShards(o.rate(), o.maxKeys(), o.nearRate(), o.seed()) : null;
    PartitionedReuse partitioned = o.sampling() == Sampling.PARTITIONED ? new PartitionedReuse(o.maxKeys(), o.seed()) : null;
    Shards shards = switch (o.sampling()) {
      case EXACT, PARTITIONED, HYBRID -> null;
      case FIXED_RATE -> Shards.fixedRate(o.rate(), o.seed());
      case FIXED_SIZE -> Shards.fixedSize(o.maxKeys(), o.seed());
    };
    // the policy's miniature: keys of the (final) sample, simulated after the pass
    long[][] sample = {new long[1 << 12]};
    int[] sampleSize = {0};
    boolean keepSample = o.policy() != null;
    // exact distances alone: the key half runs on the decoding thread, the counting half here
    PositionAssigner assigner = exact != null && !keepSample ? new PositionAssigner(1 << 12) : null;
    long refs = BlockStream.forEachChunkPipelined(trace, assigner == null ? null : assigner::assignInPlace, (keys, from, to) -> {
      if (assigner != null) {
        exact.acceptPositions(keys, from, to);
        return;
      }
      if (exact != null) {
        exact.access(keys, from, to - from);
      }
      if (hybrid != null) {
        hybrid.access(keys, from, to);
        return;
      }
      for (int i = from; i < to; i++) {
        long key = keys[i];
        if (partitioned != null) {
          partitioned.access(key);
        } else if (shards != null) {
          shards.access(key);
        }
        if (keepSample && (shards == null || shards.sampled(key))) {
          if (sampleSize[0] == sample[0].length) {
            sample[0] = java.util.Arrays.copyOf(sample[0], sampleSize[0] * 2);
          }
          sample[0][sampleSize[0]++] = key;
        }
      }
    }, progress);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("trace_file", trace.getFileName().toString());
    out.put("accesses", refs);
    MissRatioCurve curve;
    double distinctEstimate;
    if (exact != null) {
      curve = putExact(out, exact);
      distinctEstimate = exact.distinctKeys();
    } else if (partitioned != null) {
      ObjectNode p = partitioned(trace.getFileName().toString(), o.seed(), partitioned.parts(), o.sizes());
      putTarget(p, PartitionedReuse.combine(partitioned.parts()), o.targetHitRatio());
      return p;
    } else if (hybrid != null) {
      out.put("sampling", "shards-hybrid");
      out.put("shards_rate", hybrid.rate());
      out.put("shards_seed", o.seed());
      out.put("shards_near_blocks", hybrid.limit());
      out.put("shards_near_rate", hybrid.nearRate());
      out.put("sampled_references", hybrid.sampledReferences());
      out.put("near_sampled_references", hybrid.nearReferences());
      out.put("near_misses", hybrid.nearMisses());
      out.put("sampled_near_misses", hybrid.sampledMisses());
      curve = hybrid.curve();
      distinctEstimate = Math.max(1, curve.missRatio(Long.MAX_VALUE / 4) * hybrid.references());
      out.put("cold_misses", Math.round(distinctEstimate));
      out.put("distinct_blocks", Math.round(distinctEstimate));
      out.put("estimated", true);
    } else {
      out.put("sampling", o.sampling() == Sampling.FIXED_RATE ? "shards-fixed-rate" : "shards-fixed-size");
      out.put("shards_rate", shards.rate());
      out.put("shards_seed", o.seed());
      out.put("sampled_references", shards.sampledReferences());
      curve = shards.curve();
      distinctEstimate = Math.max(1, estimateDistinct(shards));
      out.put("cold_misses", Math.round(distinctEstimate));
      out.put("distinct_blocks", Math.round(distinctEstimate));
      out.put("estimated", true);
    }
    List<Long> sizes = putCurve(out, curve, distinctEstimate, o.sizes());
    putTarget(out, curve, o.targetHitRatio());
    if (keepSample) {
      double r = shards == null ? 1.0 : shards.rate();
      out.put("policy", o.policy().jsonName());
      ArrayNode pm = out.putArray("policy_mrc");
      for (long c : sizes) {
        long scaledCapacity = Math.max(1, Math.round(c * r));
        if (scaledCapacity > Integer.MAX_VALUE - 8) {
          continue;
        }
        EvictionPolicy p = o.policy().offline()
            ? o.policy().create((int) scaledCapacity, io.kvflow.engine.policy.PolicyParams.DEFAULT.withNextUse(
                io.kvflow.engine.policy.NextUse.of(sample[0], sampleSize[0])))
            : o.policy().create((int) scaledCapacity);
        for (int i = 0; i < sampleSize[0]; i++) {
          p.access(sample[0][i]);
        }
        ArrayNode point = pm.addArray();
        point.add(c);
        point.add(sampleSize[0] == 0 ? 0 : (double) p.stats().misses() / sampleSize[0]);
      }
    }
    return out;
  }

  /**
   * The study of a partitioned analysis from its partitions' results, wherever they were computed:
   * the same partitions give the same study, byte for byte.
   */
  public static ObjectNode partitioned(String traceFile, long seed, List<PartitionedReuse.Part> parts, List<Long> sizes) {
    parts = new ArrayList<>(parts);
    parts.sort(java.util.Comparator.comparingInt(PartitionedReuse.Part::index));
    long refs = 0;
    long cold = 0;
    long distinct = 0;
    for (PartitionedReuse.Part p : parts) {
      refs += p.accesses();
      cold += p.coldMisses();
      distinct += p.distinctKeys();
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("trace_file", traceFile);
    out.put("accesses", refs);
    out.put("sampling", "partitioned");
    out.put("partitions", parts.size());
    out.put("partition_seed", seed);
    out.put("cold_misses", cold);
    out.put("distinct_blocks", distinct);
    putCurve(out, PartitionedReuse.combine(parts), distinct, sizes);
    return out;
  }

  /** The exact fields of a study: cold misses, distinct blocks, distance and reuse-time histograms; returns the curve. */
  static MissRatioCurve putExact(ObjectNode out, ReuseDistanceAnalyzer exact) {
    out.put("sampling", "exact");
    out.put("cold_misses", exact.coldMisses());
    out.put("distinct_blocks", exact.distinctKeys());
    ArrayNode h = out.putArray("histogram");
    for (double c : exact.histogram().log2Bins()) {
      h.add((long) c);
    }
    ArrayNode rt = out.putArray("reuse_time_log2");
    long[] times = exact.reuseTimeLog2();
    int last = times.length;
    while (last > 1 && times[last - 1] == 0) {
      last--;
    }
    for (int i = 0; i < last; i++) {
      rt.add(times[i]);
    }
    return new MissRatioCurve(exact.histogram());
  }

  static List<Long> putCurve(ObjectNode out, MissRatioCurve curve, double distinctEstimate, List<Long> requestedSizes) {
    out.put("histogram_bins", "bin 0: distance 0; bin b: distances in [2^(b-1), 2^b); first accesses are cold misses");
    List<Long> sizes = MissRatioCurve.defaultSizes(Math.max(1, (long) Math.ceil(distinctEstimate)), requestedSizes);
    ArrayNode mrc = out.putArray("mrc");
    for (long c : sizes) {
      ArrayNode p = mrc.addArray();
      p.add(c);
      p.add(curve.missRatio(c));
    }
    ArrayNode requested = out.putArray("requested_sizes");
    for (long c : requestedSizes) {
      requested.add(c);
    }
    return sizes;
  }

  /**
   * With a target hit ratio (not NaN), {@code out.target}: the smallest LRU capacity whose hit ratio
   * reaches it ({@code capacity_blocks}, {@code hit_ratio_at_capacity}), or {@code reachable: false}
   * when even an infinite cache (the ideal hit ratio: every block's first access misses) falls short.
   * The curve is non-increasing in capacity, so a binary search finds the smallest.
   */
  static void putTarget(ObjectNode out, MissRatioCurve curve, double target) {
    if (Double.isNaN(target)) {
      return;
    }
    ObjectNode t = out.putObject("target");
    double ideal = 1 - curve.missRatio(Long.MAX_VALUE);
    t.put("hit_ratio", target);
    t.put("ideal_hit_ratio", ideal);
    // a little slack for the rounding of 1 - misses / total
    double need = target - 1e-12;
    if (ideal < need) {
      t.put("reachable", false);
      t.putNull("capacity_blocks");
      return;
    }
    long lo = 0;
    long hi = 1;
    while (1 - curve.missRatio(hi) < need) {
      hi *= 2;
    }
    while (hi - lo > 1) {
      long mid = lo + (hi - lo) / 2;
      if (1 - curve.missRatio(mid) >= need) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    t.put("reachable", true);
    t.put("capacity_blocks", hi);
    t.put("hit_ratio_at_capacity", 1 - curve.missRatio(hi));
  }

  private static double estimateDistinct(Shards s) {
    MissRatioCurve c = s.curve();
    return c.missRatio(Long.MAX_VALUE / 4) * s.references();
  }

  /** The requested sizes of a study, in order, for CSV output. */
  public static List<double[]> points(ObjectNode study) {
    List<double[]> out = new ArrayList<>();
    study.get("mrc").forEach(p -> out.add(new double[] {p.get(0).asDouble(), p.get(1).asDouble()}));
    return out;
  }
}
