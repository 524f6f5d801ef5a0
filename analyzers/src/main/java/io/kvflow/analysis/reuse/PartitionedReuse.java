package io.kvflow.analysis.reuse;

import io.kvflow.common.Hashing;

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

  /** The partition of {@code key}. */
  public int partition(long key) {
    return (int) Long.remainderUnsigned(Hashing.mix64(key ^ Hashing.mix64(seed ^ 0x7061727469L)), parts.length);
  }

  public void access(long key) {
    references++;
    parts[partition(key)].access(key);
  }

  public long references() {
    return references;
  }

  public long distinctKeys() {
    long d = 0;
    for (ReuseDistanceAnalyzer p : parts) {
      d += p.distinctKeys();
    }
    return d;
  }

  public long coldMisses() {
    long d = 0;
    for (ReuseDistanceAnalyzer p : parts) {
      d += p.coldMisses();
    }
    return d;
  }

  /** The combined curve. */
  public MissRatioCurve curve() {
    MissRatioCurve[] curves = new MissRatioCurve[parts.length];
    long[] refs = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      curves[i] = new MissRatioCurve(parts[i].histogram());
      refs[i] = parts[i].accesses();
    }
    int p = parts.length;
    long n = references;
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
