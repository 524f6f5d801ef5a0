package io.kvflow.analysis.reuse;

import io.kvflow.common.Hashing;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Reuse analysis split by a hash of the block id into P partitions, so every block lands in exactly
 * one: each partition's stack distances are computed on its own (as separate machines would), and
 * the LRU miss-ratio curve at C blocks combines the partitions' curves at C / P blocks each
 * (interpolated between whole sizes): the spatial-sampling identity SHARDS rests on, which holds
 * when the hash spreads the popular blocks evenly over the partitions.
 */
public final class PartitionedReuse {
  private final ReuseDistanceAnalyzer[] parts;
  private final long seed;
  private long references;

  /**
   * One partition's result, all a combination needs; partitions computed anywhere (threads, Spark
   * tasks) combine to the same curve.
   *
   * @param index the partition
   * @param accesses references that hashed to it
   * @param coldMisses its first references
   * @param distinctKeys its distinct blocks
   * @param distanceCounts accesses by exact stack distance (index = distance)
   */
  public record Part(int index, long accesses, long coldMisses, long distinctKeys, long[] distanceCounts)
      implements Serializable {
    /** The result of one analyzer that saw exactly the references of partition {@code index}. */
    public static Part of(int index, ReuseDistanceAnalyzer a) {
      DistanceHistogram h = a.histogram();
      long[] counts = new long[h.maxDistance() + 1];
      for (int d = 0; d < counts.length; d++) {
        counts[d] = (long) h.count(d);
      }
      return new Part(index, a.accesses(), a.coldMisses(), a.distinctKeys(), counts);
    }

    DistanceHistogram histogram() {
      DistanceHistogram h = new DistanceHistogram();
      for (int d = 0; d < distanceCounts.length; d++) {
        if (distanceCounts[d] != 0) {
          h.add(d, distanceCounts[d]);
        }
      }
      h.addCold(coldMisses);
      return h;
    }
  }

  public PartitionedReuse(int partitions, long seed) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1");
    }
    this.parts = new ReuseDistanceAnalyzer[partitions];
    for (int i = 0; i < partitions; i++) {
      parts[i] = new ReuseDistanceAnalyzer();
    }
    this.seed = seed;
  }

  /** The partition of {@code key} among {@code partitions} for hash seed {@code seed}. */
  public static int partitionOf(long key, int partitions, long seed) {
    return (int) Long.remainderUnsigned(Hashing.mix64(key ^ Hashing.mix64(seed ^ 0x7061727469L)), partitions);
  }

  /** The partition of {@code key}. */
  public int partition(long key) {
    return partitionOf(key, parts.length, seed);
  }

  public void access(long key) {
    references++;
    parts[partition(key)].access(key);
  }

  public long references() {
    return references;
  }

  /** Every partition's result, in partition order. */
  public List<Part> parts() {
    List<Part> out = new ArrayList<>(parts.length);
    for (int i = 0; i < parts.length; i++) {
      out.add(Part.of(i, parts[i]));
    }
    return out;
  }

  /** The combined curve of all partitions: {@code parts} must hold each of the P partitions once. */
  public static MissRatioCurve combine(List<Part> parts) {
    int p = parts.size();
    MissRatioCurve[] curves = new MissRatioCurve[p];
    long[] refs = new long[p];
    long total = 0;
    boolean[] seen = new boolean[p];
    for (Part part : parts) {
      int i = part.index();
      if (i < 0 || i >= p || seen[i]) {
        throw new IllegalArgumentException("partition " + i + " is missing, repeated or out of range 0.." + (p - 1));
      }
      seen[i] = true;
      curves[i] = new MissRatioCurve(part.histogram());
      refs[i] = part.accesses();
      total += part.accesses();
    }
    long n = total;
    return new MissRatioCurve(new DistanceHistogram(), 1) {
      @Override
      public double missRatio(long capacity) {
        if (n == 0) {
          return 0;
        }
        double share = (double) capacity / p;
        long lo = (long) Math.floor(share);
        double f = share - lo;
        double misses = 0;
        for (int i = 0; i < p; i++) {
          double mLo = curves[i].missRatio(lo);
          double mHi = curves[i].missRatio(lo + 1);
          misses += refs[i] * (mLo + f * (mHi - mLo));
        }
        return misses / n;
      }
    };
  }
}
