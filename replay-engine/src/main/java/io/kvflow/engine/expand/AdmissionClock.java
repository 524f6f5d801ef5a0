package io.kvflow.engine.expand;

/** The simulated clock as the request expander sees it: requests are admitted once they have arrived. */
public interface AdmissionClock {
  /** The current simulated time. */
  long nowNs();

  /** Nothing is running: the clock idles forward to {@code ns} (no effect if already past it). */
  void idleUntil(long ns);
}
