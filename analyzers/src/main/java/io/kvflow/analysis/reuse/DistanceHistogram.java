package io.kvflow.analysis.reuse;

import java.util.Arrays;

/**
 * Counts of accesses by reuse distance (exact, one cell per distance, growing with the largest
 * distance seen) plus first accesses (infinite distance). Weights are doubles so sampled
 * histograms (SHARDS) can carry scaled counts. The LRU miss ratio at C blocks is
 * {@code 1 - (accesses with distance < C) / total}.
 */
public final class DistanceHistogram {
  private double[] counts = new double[1024];
  private int maxDistance = -1;
  private double cold;
  private double total;

  public void add(long distance, double weight) {
    if (distance > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("distance too large: " + distance);
    }
    int d = (int) distance;
    if (d >= counts.length) {
      counts = Arrays.copyOf(counts, Math.max(d + 1, counts.length * 2));
    }
    counts[d] += weight;
    maxDistance = Math.max(maxDistance, d);
    total += weight;
  }

  public void addCold(double weight) {
    cold += weight;
    total += weight;
  }

  /** Multiplies every count (SHARDS fixed-size rescaling when its rate drops). */
  public void scale(double factor) {
    for (int i = 0; i <= maxDistance; i++) {
      counts[i] *= factor;
    }
    cold *= factor;
    total *= factor;
  }

  public double total() {
    return total;
  }

  public double cold() {
    return cold;
  }

  public int maxDistance() {
    return maxDistance;
  }

  public double count(int distance) {
    return distance <= maxDistance ? counts[distance] : 0;
  }

  /** Cumulative counts: {@code out[c]} = accesses with distance < c, for c = 0..maxDistance+1. */
  public double[] cumulative() {
    double[] out = new double[maxDistance + 2];
    double s = 0;
    for (int d = 0; d <= maxDistance; d++) {
      out[d] = s;
      s += counts[d];
    }
    out[maxDistance + 1] = s;
    return out;
  }

  /** Log2 bins: bin 0 = distance 0, bin b = distances in [2^(b-1), 2^b). */
  public double[] log2Bins() {
    double[] bins = new double[33];
    for (int d = 0; d <= maxDistance; d++) {
      bins[d == 0 ? 0 : 32 - Integer.numberOfLeadingZeros(d)] += counts[d];
    }
    int last = bins.length;
    while (last > 1 && bins[last - 1] == 0) {
      last--;
    }
    return Arrays.copyOf(bins, last);
  }
}
