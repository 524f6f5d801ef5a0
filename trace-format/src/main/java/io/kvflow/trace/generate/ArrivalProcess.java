package io.kvflow.trace.generate;

/**
 * Inter-arrival times of a Poisson process, or of a bursty renewal process with gamma-distributed
 * gaps (coefficient of variation {@code cv}: 1 is Poisson, larger is burstier).
 */
public final class ArrivalProcess {
  /** The arrival processes a generator can use. */
  public enum Kind {
    POISSON,
    GAMMA
  }

  private final Kind kind;
  private final double ratePerSecond;
  private final double meanGapNs;
  private final double shape;
  private double nowNs;

  public ArrivalProcess(Kind kind, double ratePerSecond, double cv) {
    if (!(ratePerSecond > 0)) {
      throw new IllegalArgumentException("rate must be positive");
    }
    if (!(cv > 0)) {
      throw new IllegalArgumentException("cv must be positive");
    }
    this.kind = kind;
    this.ratePerSecond = ratePerSecond;
    this.meanGapNs = 1e9 / ratePerSecond;
    this.shape = 1.0 / (cv * cv);
  }

  /** The next arrival time in nanoseconds from trace start (the first arrival is at 0). */
  public long next(Rng rng, boolean first) {
    if (!first) {
      nowNs += kind == Kind.POISSON ? rng.exponential(meanGapNs) : rng.gamma(shape, meanGapNs / shape);
    }
    if (!(nowNs < 0x1p63)) {
      throw new io.kvflow.common.BadInputException("option --rate: " + ratePerSecond + " arrivals a second pass the "
          + "largest time_ns (2^63-1 ns, 292 years) before the last request; raise --rate or lower --requests");
    }
    return (long) nowNs;
  }
}
