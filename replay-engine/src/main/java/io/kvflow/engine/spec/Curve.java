package io.kvflow.engine.spec;

import java.util.Arrays;

/**
 * A measured curve y(x) given at increasing points, read between them by linear interpolation in
 * log x (GEMM FLOP/s against rows M is close to linear in log M), held flat outside them.
 */
public record Curve(double[] x, double[] y) {
  public Curve {
    if (x.length == 0 || x.length != y.length) {
      throw new IllegalArgumentException("a curve needs as many x as y values, at least one");
    }
    x = x.clone();
    y = y.clone();
  }

  static Curve of(double[][] pairs) {
    double[] x = new double[pairs.length];
    double[] y = new double[pairs.length];
    for (int i = 0; i < pairs.length; i++) {
      x[i] = pairs[i][0];
      y[i] = pairs[i][1];
    }
    return new Curve(x, y);
  }

  /** A flat curve. */
  public static Curve constant(double y) {
    return new Curve(new double[] {1}, new double[] {y});
  }

  /** This curve with every y multiplied by {@code factor}. */
  public Curve scaled(double factor) {
    double[] scaled = y.clone();
    for (int i = 0; i < scaled.length; i++) {
      scaled[i] *= factor;
    }
    return new Curve(x, scaled);
  }

  public double at(double at) {
    if (at <= x[0]) {
      return y[0];
    }
    int n = x.length;
    if (at >= x[n - 1]) {
      return y[n - 1];
    }
    int i = 1;
    while (x[i] < at) {
      i++;
    }
    double f = Math.log(at / x[i - 1]) / Math.log(x[i] / x[i - 1]);
    return y[i - 1] + f * (y[i] - y[i - 1]);
  }

  public double[][] pairs() {
    double[][] p = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      p[i] = new double[] {x[i], y[i]};
    }
    return p;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Curve c && Arrays.equals(x, c.x) && Arrays.equals(y, c.y);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(x) + Arrays.hashCode(y);
  }

  @Override
  public String toString() {
    return Arrays.deepToString(pairs());
  }
}
