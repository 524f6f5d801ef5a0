package io.kvflow.engine.expand;

import io.kvflow.engine.schedule.ArrivalClock;

/**
 * The simulated clock a {@link RequestExpander} admits requests by: the scheduler's
 * {@link ArrivalClock} (requests join once they have arrived), under the name the timing model
 * implements.
 */
public interface AdmissionClock extends ArrivalClock {}
