package io.kvflow.engine.schedule;

/** The simulated clock as the scheduler sees it: a request joins the batch once it has arrived. */
public interface ArrivalClock {
  /** The current simulated time. */
  long nowNs();

  /** Nothing is running: the clock idles forward to {@code ns} (no effect if already past it). */
  void idleUntil(long ns);
}
