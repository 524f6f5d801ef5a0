package io.kvflow.engine.calibrate;

import io.kvflow.engine.spec.HardwareSpec;
import java.util.Arrays;
import java.util.List;

/**
 * What {@link ProfileFit} found: the fitted hardware, each constant before and after, and each
 * point's measured and predicted time, with the leave-one-out prediction when it was asked for.
 *
 * @param base the profile the fit started from
 * @param fitted {@code base} with the fitted constants
 * @param constants every constant of {@link ProfileConstant}, in its order
 * @param points every point, in the file's order
 */
public record Calibration(HardwareSpec base, HardwareSpec fitted, List<ConstantFit> constants, List<PointFit> points) {
  public Calibration {
    constants = List.copyOf(constants);
    points = List.copyOf(points);
  }

  /** How the points bear on a constant. */
  public enum Fitting {
    /** Fitted: some point's time depends on it. */
    FITTED,
    /**
     * The points only bound it (at the fit no point's time depends on it, e.g. a rate whose
     * operator never limits): kept as close to the base value as the points allow.
     */
    BOUNDED,
    /** No point depends on it anywhere in the search range: the base value is kept. */
    NOT_CONSTRAINED
  }

  /**
   * One constant.
   *
   * @param constant which
   * @param path where it lives in the hardware JSON
   * @param base its value in the base profile (scales: 1)
   * @param fitted its fitted value
   * @param fitting how the points bear on it
   * @param atSearchLimit whether the fit stopped at the edge of the search range (a factor
   *     {@link ProfileFit#SEARCH_FACTOR} from base): the points ask for a value beyond it
   */
  public record ConstantFit(ProfileConstant constant, String path, double base, double fitted, Fitting fitting,
      boolean atSearchLimit) {
    /** The relative change from base, percent (0 when base is 0 and so is the fit). */
    public double changePct() {
      return base == 0 ? (fitted == 0 ? 0 : Double.POSITIVE_INFINITY) : (fitted / base - 1) * 100;
    }
  }

  /**
   * One point.
   *
   * @param point the measurement
   * @param predictedMs the fitted profile's prediction
   * @param leaveOneOutMs the prediction of a profile fitted without this point (NaN: not computed)
   */
  public record PointFit(MeasuredPoint point, double predictedMs, double leaveOneOutMs) {
    public double errorPct() {
      return (predictedMs / point.measuredMs() - 1) * 100;
    }

    public double leaveOneOutErrorPct() {
      return (leaveOneOutMs / point.measuredMs() - 1) * 100;
    }
  }

  /**
   * Median and maximum of absolute errors, percent.
   *
   * @param medianPct median of |error|
   * @param maxPct largest |error|
   */
  public record ErrorSummary(double medianPct, double maxPct) {
    /** Of the absolute values of {@code errorsPct}; NaN values (not computed) make NaN. */
    public static ErrorSummary of(double[] errorsPct) {
      double[] a = new double[errorsPct.length];
      for (int i = 0; i < a.length; i++) {
        a[i] = Math.abs(errorsPct[i]);
      }
      Arrays.sort(a);
      int n = a.length;
      if (n == 0) {
        return new ErrorSummary(Double.NaN, Double.NaN);
      }
      double median = n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
      return new ErrorSummary(median, a[n - 1]);
    }
  }

  /** Median and maximum error of the fitted profile's predictions. */
  public ErrorSummary errors() {
    return ErrorSummary.of(points.stream().mapToDouble(PointFit::errorPct).toArray());
  }

  /** Median and maximum leave-one-out error (NaN when not computed). */
  public ErrorSummary leaveOneOutErrors() {
    return ErrorSummary.of(points.stream().mapToDouble(PointFit::leaveOneOutErrorPct).toArray());
  }

  /** The constant {@code c}'s fit. */
  public ConstantFit constant(ProfileConstant c) {
    return constants.get(c.ordinal());
  }
}
