package io.kvflow.engine.calibrate;

import io.kvflow.engine.calibrate.Calibration.ConstantFit;
import io.kvflow.engine.calibrate.Calibration.Fitting;
import io.kvflow.engine.calibrate.Calibration.PointFit;
import io.kvflow.engine.calibrate.ProfileConstant.Unit;
import io.kvflow.engine.spec.HardwareSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Fits the {@link ProfileConstant}s of a hardware profile to measured step times: the constants
 * that minimise the sum over points of {@code (ln predicted - ln measured)^2}, predictions by
 * {@link io.kvflow.engine.time.StepPredictor}.
 *
 * <p>The search is Levenberg-Marquardt (Marquardt 1963, with Moré's 1978 scaling of the damping by
 * the diagonal of J^T J) on the log errors, started from the base profile, with a central-difference
 * Jacobian. Rates and curve scales are searched as their logarithm within a factor
 * {@link #SEARCH_FACTOR} of base; nanosecond costs, which may be 0, as {@code asinh(ns / 100)} (linear
 * near 0, logarithmic beyond) from 0 to ten times base (at least 100 us). A step is taken when it
 * lowers the sum, else the damping grows; the search stops when the sum no longer falls.
 *
 * <p>The model is a sum of maxima (an attention kernel is KV-bound or FLOP-bound, a GEMM
 * weight-bound or FLOP-bound), so where one side of a maximum limits every point the other side has
 * no gradient, and a gradient search started on the wrong side stays there (a base profile whose
 * decode attention FLOP/s is too low makes attention FLOP-bound everywhere, and KV streaming never
 * moves). So when the search stops, each constant in turn is scanned across its whole range (81
 * positions, the others held) and moved to the best; if that lowered the sum the search runs again
 * from there, until a round of scans finds nothing better. Everything is deterministic: no random
 * start, points in file order.
 *
 * <p>Before searching, each constant is moved alone to both ends of its range: one that changes no
 * point's prediction is {@link Fitting#NOT_CONSTRAINED} and keeps base's value (no eager point says
 * nothing of eager launches). After the search, a fitted constant that no point's prediction depends
 * on at the fit (the operator it rates limits no point there: the points only bound it) is moved
 * back toward base as far as the fit allows ({@link Fitting#BOUNDED}), so its value is not an
 * accident of the search path. The leave-one-out prediction of a point applies the same procedure to
 * the other points (starting from the full fit, which makes it faster and the scans unnecessary) and
 * predicts the point.
 */
public final class ProfileFit {
  /** Rates and scales are searched within this factor of base. */
  public static final double SEARCH_FACTOR = 10;
  /** Nanosecond costs are searched up to at least this much. */
  static final double NANOS_UPPER_MIN = 100_000;
  /** Nanoseconds where asinh turns from linear to logarithmic. */
  private static final double NANOS_KNEE = 100;
  private static final int MAX_ITERATIONS = 400;
  /** Positions of one constant tried across its range by a scan. */
  private static final int SCAN_STEPS = 80;
  private static final int MAX_SCAN_ROUNDS = 20;
  /** A prediction change smaller than this (in ln) is no change (per-layer rounding to ns is far above). */
  private static final double NO_CHANGE = 1e-9;

  private final HardwareSpec base;
  private final double[] baseValues;
  private final boolean linked;
  private final int n = ProfileConstant.values().length;

  /** A fit starting from {@code base}, which must have a compute profile. */
  public ProfileFit(HardwareSpec base) {
    if (base.compute() == null) {
      throw new IllegalArgumentException("hardware " + base.name() + " has no compute profile to fit");
    }
    this.base = base;
    this.baseValues = ProfileConstant.read(base);
    this.linked = ProfileConstant.dramLink(base) >= 0;
  }

  /** Fits {@code points}; with {@code leaveOneOut} also each point's leave-one-out prediction. */
  public Calibration calibrate(List<MeasuredPoint> points, boolean leaveOneOut) {
    if (points.isEmpty()) {
      throw new IllegalArgumentException("no points to fit");
    }
    Result full = fit(points, start(), true);
    HardwareSpec fitted = hardware(full.theta);
    double[] loo = new double[points.size()];
    java.util.Arrays.fill(loo, Double.NaN);
    if (leaveOneOut && points.size() > 1) {
      IntStream.range(0, points.size()).parallel().forEach(i -> {
        List<MeasuredPoint> others = new ArrayList<>(points);
        others.remove(i);
        loo[i] = points.get(i).predictedMs(hardware(fit(others, full.theta, false).theta));
      });
    }
    List<ConstantFit> constants = new ArrayList<>();
    for (ProfileConstant c : ProfileConstant.values()) {
      int j = c.ordinal();
      double v = value(j, full.theta[j]);
      // a nanosecond cost at 0 is at its natural floor, not at the edge of the search
      boolean atLimit = full.fitting[j] != Fitting.NOT_CONSTRAINED
          && (full.theta[j] <= lower(j) + 1e-9 && !nanos(j) || full.theta[j] >= upper(j) - 1e-9);
      constants.add(new ConstantFit(c, c.path(base), baseValues[j], c.unit() == Unit.NANOS ? Math.round(v) : v,
          full.fitting[j], atLimit));
    }
    List<PointFit> fits = new ArrayList<>();
    for (int i = 0; i < points.size(); i++) {
      fits.add(new PointFit(points.get(i), points.get(i).predictedMs(fitted), loo[i]));
    }
    return new Calibration(base, fitted, constants, fits);
  }

  /** A search position and what the points said of each constant. */
  private record Result(double[] theta, Fitting[] fitting) {}

  /**
   * Moves each free constant in turn to the best of {@link #SCAN_STEPS} positions across its range,
   * the others held; true when that lowered the cost (then {@code theta} holds the new position).
   */
  private boolean scan(List<MeasuredPoint> points, boolean[] free, double[] theta) {
    double cost = cost(points, theta);
    double start = cost;
    for (int j = 0; j < n; j++) {
      if (!free[j]) {
        continue;
      }
      double best = theta[j];
      double[] t = theta.clone();
      for (int s = 0; s <= SCAN_STEPS; s++) {
        t[j] = lower(j) + (upper(j) - lower(j)) * s / SCAN_STEPS;
        double c = cost(points, t);
        if (c < cost) {
          cost = c;
          best = t[j];
        }
      }
      theta[j] = best;
    }
    return cost < start * (1 - 1e-6);
  }

  private Result fit(List<MeasuredPoint> points, double[] from, boolean scan) {
    double[] theta0 = start();
    double[] r0 = residuals(points, theta0);
    Fitting[] fitting = new Fitting[n];
    boolean[] free = new boolean[n];
    double[] theta = from.clone();
    for (int j = 0; j < n; j++) {
      free[j] = (linked || !ProfileConstant.values()[j].ofLink())
          && (changes(points, r0, theta0, j, lower(j)) || changes(points, r0, theta0, j, upper(j)));
      fitting[j] = free[j] ? Fitting.FITTED : Fitting.NOT_CONSTRAINED;
      if (!free[j]) {
        theta[j] = theta0[j];
      }
    }
    theta = search(points, free, theta);
    if (scan) {
      for (int round = 0; round < MAX_SCAN_ROUNDS && scan(points, free, theta); round++) {
        theta = search(points, free, theta);
      }
    }
    // constants no point depends on at the fit: back toward base as far as the fit allows
    double[] r = residuals(points, theta);
    double cost = dot(r, r);
    double[][] jac = jacobian(points, free, theta, r);
    for (int j = 0; j < n; j++) {
      if (!free[j] || columnNorm(jac, j) > 0) {
        continue;
      }
      fitting[j] = Fitting.BOUNDED;
      double limit = cost * (1 + 1e-9) + 1e-18;
      double[] trial = theta.clone();
      trial[j] = theta0[j];
      if (cost(points, trial) <= limit) {
        theta = trial;
        continue;
      }
      double near = theta0[j];
      double far = theta[j];
      for (int k = 0; k < 50; k++) {
        trial[j] = (near + far) / 2;
        if (cost(points, trial) <= limit) {
          far = trial[j];
        } else {
          near = trial[j];
        }
      }
      theta[j] = far;
    }
    return new Result(theta, fitting);
  }

  /** Whether moving constant {@code j} alone to {@code at} changes some point's prediction. */
  private boolean changes(List<MeasuredPoint> points, double[] r0, double[] theta0, int j, double at) {
    double[] t = theta0.clone();
    t[j] = at;
    double[] r = residuals(points, t);
    for (int i = 0; i < r.length; i++) {
      if (Math.abs(r[i] - r0[i]) > NO_CHANGE) {
        return true;
      }
    }
    return false;
  }

  /** Levenberg-Marquardt over the free constants from {@code theta}. */
  private double[] search(List<MeasuredPoint> points, boolean[] free, double[] theta) {
    int[] idx = IntStream.range(0, n).filter(j -> free[j]).toArray();
    int k = idx.length;
    double[] r = residuals(points, theta);
    double cost = dot(r, r);
    double lambda = 1e-3;
    int stalls = 0;
    for (int iteration = 0; iteration < MAX_ITERATIONS && k > 0 && cost > 1e-24; iteration++) {
      double[][] jac = jacobian(points, free, theta, r);
      double[][] a = new double[k][k];
      double[] g = new double[k];
      double maxDiag = 0;
      for (int p = 0; p < k; p++) {
        for (int q = 0; q < k; q++) {
          double s = 0;
          for (int i = 0; i < r.length; i++) {
            s += jac[i][idx[p]] * jac[i][idx[q]];
          }
          a[p][q] = s;
        }
        double s = 0;
        for (int i = 0; i < r.length; i++) {
          s += jac[i][idx[p]] * r[i];
        }
        g[p] = -s;
        maxDiag = Math.max(maxDiag, a[p][p]);
      }
      if (maxDiag == 0) {
        break;
      }
      boolean improved = false;
      double gain = 0;
      while (lambda < 1e16) {
        double[][] damped = new double[k][];
        for (int p = 0; p < k; p++) {
          damped[p] = a[p].clone();
          damped[p][p] += lambda * (a[p][p] + 1e-9 * maxDiag);
        }
        double[] step = solve(damped, g.clone());
        double[] next = theta.clone();
        for (int p = 0; p < k; p++) {
          int j = idx[p];
          next[j] = Math.min(upper(j), Math.max(lower(j), next[j] + step[p]));
        }
        double[] rn = residuals(points, next);
        double cn = dot(rn, rn);
        if (cn < cost) {
          gain = (cost - cn) / cost;
          theta = next;
          r = rn;
          cost = cn;
          lambda = Math.max(lambda / 4, 1e-12);
          improved = true;
          break;
        }
        lambda *= 4;
      }
      if (!improved) {
        break;
      }
      stalls = gain < 1e-10 ? stalls + 1 : 0;
      if (stalls >= 3) {
        break;
      }
    }
    return theta;
  }

  /** d residual_i / d theta_j for the free j by central differences (one-sided at a bound); 0 elsewhere. */
  private double[][] jacobian(List<MeasuredPoint> points, boolean[] free, double[] theta, double[] r) {
    double[][] jac = new double[r.length][n];
    for (int j = 0; j < n; j++) {
      if (!free[j]) {
        continue;
      }
      double h = ProfileConstant.values()[j].unit() == Unit.NANOS
          ? Math.max(1e-3, 10 / (NANOS_KNEE * Math.cosh(theta[j]))) : 1e-3;
      double hi = Math.min(upper(j), theta[j] + h);
      double lo = Math.max(lower(j), theta[j] - h);
      double[] t = theta.clone();
      t[j] = hi;
      double[] up = residuals(points, t);
      t[j] = lo;
      double[] down = residuals(points, t);
      for (int i = 0; i < r.length; i++) {
        jac[i][j] = (up[i] - down[i]) / (hi - lo);
      }
    }
    return jac;
  }

  private static double columnNorm(double[][] jac, int j) {
    double s = 0;
    for (double[] row : jac) {
      s += row[j] * row[j];
    }
    return s;
  }

  /** Solves {@code a x = b} by Gaussian elimination with partial pivoting; a zero pivot gives 0 there. */
  private static double[] solve(double[][] a, double[] b) {
    int k = b.length;
    for (int c = 0; c < k; c++) {
      int pivot = c;
      for (int row = c + 1; row < k; row++) {
        if (Math.abs(a[row][c]) > Math.abs(a[pivot][c])) {
          pivot = row;
        }
      }
      double[] swap = a[c];
      a[c] = a[pivot];
      a[pivot] = swap;
      double tb = b[c];
      b[c] = b[pivot];
      b[pivot] = tb;
      if (a[c][c] == 0) {
        continue;
      }
      for (int row = c + 1; row < k; row++) {
        double f = a[row][c] / a[c][c];
        for (int col = c; col < k; col++) {
          a[row][col] -= f * a[c][col];
        }
        b[row] -= f * b[c];
      }
    }
    double[] x = new double[k];
    for (int c = k - 1; c >= 0; c--) {
      if (a[c][c] == 0) {
        continue;
      }
      double s = b[c];
      for (int col = c + 1; col < k; col++) {
        s -= a[c][col] * x[col];
      }
      x[c] = s / a[c][c];
    }
    return x;
  }

  private double cost(List<MeasuredPoint> points, double[] theta) {
    double[] r = residuals(points, theta);
    return dot(r, r);
  }

  /** ln(predicted / measured) of every point at {@code theta}. */
  private double[] residuals(List<MeasuredPoint> points, double[] theta) {
    HardwareSpec hw = hardware(theta);
    double[] r = new double[points.size()];
    for (int i = 0; i < r.length; i++) {
      MeasuredPoint p = points.get(i);
      r[i] = Math.log(Math.max(1e-6, p.predictedMs(hw)) / p.measuredMs());
    }
    return r;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private HardwareSpec hardware(double[] theta) {
    double[] v = new double[n];
    for (int j = 0; j < n; j++) {
      v[j] = value(j, theta[j]);
    }
    return ProfileConstant.apply(base, v);
  }

  private double[] start() {
    double[] t = new double[n];
    for (int j = 0; j < n; j++) {
      t[j] = nanos(j) ? Math.log(baseValues[j] / NANOS_KNEE + Math.hypot(baseValues[j] / NANOS_KNEE, 1)) : 0;
    }
    return t;
  }

  private boolean nanos(int j) {
    return ProfileConstant.values()[j].unit() == Unit.NANOS;
  }

  /** The constant's value at search position {@code theta}. */
  private double value(int j, double theta) {
    return nanos(j) ? NANOS_KNEE * Math.sinh(theta) : baseValues[j] * Math.exp(theta);
  }

  private double lower(int j) {
    return nanos(j) ? 0 : -Math.log(SEARCH_FACTOR);
  }

  private double upper(int j) {
    if (!nanos(j)) {
      return Math.log(SEARCH_FACTOR);
    }
    double ns = Math.max(SEARCH_FACTOR * baseValues[j], NANOS_UPPER_MIN);
    return Math.log(ns / NANOS_KNEE + Math.hypot(ns / NANOS_KNEE, 1));
  }
}
