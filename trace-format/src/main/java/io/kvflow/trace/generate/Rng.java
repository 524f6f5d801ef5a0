package io.kvflow.trace.generate;

import java.util.SplittableRandom;

/**
 * The generators' only source of randomness: SplittableRandom (whose algorithm the JDK specifies)
 * plus distributions written out here, so a seed gives the same file on every JDK.
 */
public final class Rng {
  private final SplittableRandom random;
  private double spareGaussian = Double.NaN;

  public Rng(long seed) {
    this.random = new SplittableRandom(seed);
  }

  public double uniform() {
    return random.nextDouble();
  }

  public int nextInt(int bound) {
    return random.nextInt(bound);
  }

  public long nextLong() {
    return random.nextLong();
  }

  /** Uniform in [lo, hi]. */
  public int between(int lo, int hi) {
    return lo + random.nextInt(hi - lo + 1);
  }

  public double exponential(double mean) {
    return -mean * Math.log(1.0 - random.nextDouble());
  }

  /** Standard normal by the Box-Muller transform. */
  public double gaussian() {
    if (!Double.isNaN(spareGaussian)) {
      double g = spareGaussian;
      spareGaussian = Double.NaN;
      return g;
    }
    double u1 = 1.0 - random.nextDouble();
    double u2 = random.nextDouble();
    double r = Math.sqrt(-2.0 * Math.log(u1));
    spareGaussian = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** A positive integer with log-normal spread (sigma 0.8) around {@code mean}, at least {@code min}. */
  public int lognormalTokens(double mean, int min) {
    double sigma = 0.8;
    double mu = Math.log(mean) - sigma * sigma / 2;
    double x = Math.exp(mu + sigma * gaussian());
    return (int) Math.max(min, Math.min(Integer.MAX_VALUE / 4, Math.round(x)));
  }

  /** Gamma(shape, scale) by Marsaglia and Tsang (2000); shape below 1 via the boost u^(1/shape). */
  public double gamma(double shape, double scale) {
    if (shape < 1) {
      double u = 1.0 - random.nextDouble();
      return gamma(shape + 1, scale) * Math.pow(u, 1.0 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1.0 / Math.sqrt(9 * d);
    while (true) {
      double x = gaussian();
      double v = 1 + c * x;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = 1.0 - random.nextDouble();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
        return d * v * scale;
      }
    }
  }
}
