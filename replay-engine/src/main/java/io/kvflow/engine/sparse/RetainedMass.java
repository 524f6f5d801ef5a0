package io.kvflow.engine.sparse;

/**
 * The distribution of the share of attention mass kept per (request, step, layer): a fixed
 * histogram of 10,000 bins over [0, 1] (resolution 1e-4), so memory is constant and results add up.
 */
public final class RetainedMass {
  public static final int BINS = 10_000;
  private final long[] counts = new long[BINS + 1];
  private long n;
  private double sum;
  private double min = Double.POSITIVE_INFINITY;

  public void record(double share) {
    double s = Math.max(0, Math.min(1, share));
    counts[(int) Math.round(s * BINS)]++;
    n++;
    sum += s;
    min = Math.min(min, s);
  }

  public long count() {
    return n;
  }

  public double mean() {
    return n == 0 ? Double.NaN : sum / n;
  }

  public double min() {
    return n == 0 ? Double.NaN : min;
  }

  /** The value below which {@code percent}% of the groups fall (bin resolution). */
  public double percentile(double percent) {
    if (n == 0) {
      return Double.NaN;
    }
    long rank = (long) Math.ceil(percent / 100.0 * n);
    long seen = 0;
    for (int i = 0; i <= BINS; i++) {
      seen += counts[i];
      if (seen >= Math.max(1, rank)) {
        return (double) i / BINS;
      }
    }
    return 1;
  }

  public long[] bins() {
    return counts.clone();
  }
}
