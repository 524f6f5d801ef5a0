package io.kvflow.trace.generate;

/**
 * Samples ranks 0..n-1 with probability proportional to 1/(rank+1)^alpha in O(1) by Vose's alias
 * method (M. D. Vose, "A linear algorithm for generating random numbers with a given
 * distribution", IEEE TSE 1991). Memory: 12 bytes per rank.
 */
public final class ZipfSampler {
  private final double[] probability;
  private final int[] alias;

  public ZipfSampler(int n, double alpha) {
    if (n <= 0) {
      throw new IllegalArgumentException("n must be positive");
    }
    if (!(alpha >= 0)) {
      throw new IllegalArgumentException("alpha must be >= 0");
    }
    probability = new double[n];
    alias = new int[n];
    double[] scaled = new double[n];
    double sum = 0;
    for (int k = 0; k < n; k++) {
      scaled[k] = Math.pow(k + 1, -alpha);
      sum += scaled[k];
    }
    int[] small = new int[n];
    int[] large = new int[n];
    int ns = 0;
    int nl = 0;
    for (int k = 0; k < n; k++) {
      scaled[k] = scaled[k] * n / sum;
      if (scaled[k] < 1) {
        small[ns++] = k;
      } else {
        large[nl++] = k;
      }
    }
    while (ns > 0 && nl > 0) {
      int s = small[--ns];
      int l = large[--nl];
      probability[s] = scaled[s];
      alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      if (scaled[l] < 1) {
        small[ns++] = l;
      } else {
        large[nl++] = l;
      }
    }
    while (nl > 0) {
      probability[large[--nl]] = 1;
    }
    while (ns > 0) {
      probability[small[--ns]] = 1;
    }
  }

  public int size() {
    return probability.length;
  }

  /** A rank in 0..n-1; rank 0 is the most popular. */
  public int sample(Rng rng) {
    int column = rng.nextInt(probability.length);
    return rng.uniform() < probability[column] ? column : alias[column];
  }
}
