package io.kvflow.analysis.reuse;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** An LRU miss-ratio curve: miss ratio at cache sizes in blocks, from a reuse-distance histogram. */
public class MissRatioCurve {
  private final double[] cumulative;
  private final double total;

  /**
   * @param histogram distances (possibly scaled and weighted)
   * @param total the number of references the ratios are relative to
   */
  public MissRatioCurve(DistanceHistogram histogram, double total) {
    this.cumulative = histogram.cumulative();
    this.total = total;
  }

  public MissRatioCurve(DistanceHistogram histogram) {
    this(histogram, histogram.total());
  }

  /** Miss ratio of an LRU cache of {@code capacity} blocks. */
  public double missRatio(long capacity) {
    if (total <= 0) {
      return 0;
    }
    int c = (int) Math.min(capacity, cumulative.length - 1);
    double hits = c <= 0 ? 0 : cumulative[c];
    return Math.max(0, Math.min(1, 1 - hits / total));
  }

  /** Log-spaced sizes (four a doubling) from 1 up to {@code max}, plus {@code extra} sizes, sorted. */
  public static List<Long> defaultSizes(long max, List<Long> extra) {
    TreeSet<Long> sizes = new TreeSet<>(extra);
    for (double s = 1; s < max * 1.0001; s *= Math.pow(2, 0.25)) {
      sizes.add(Math.round(s));
    }
    sizes.add(Math.max(1, max));
    return new ArrayList<>(sizes);
  }
}
