package io.kvflow.engine;

import io.kvflow.engine.residency.AccessOutcome;

/**
 * Observes a replay: every access after the residency model handled it (its outcome record, the
 * same instance refilled per access: read it, never keep it), requests starting and finishing, the
 * end of every batch iteration, and the final result. Analyzers implement this; the engine never
 * depends on them.
 */
public interface ReplayListener {
  /** One access and what residency did with it. */
  default void access(AccessOutcome outcome) {}

  /**
   * A run of plain first-tier hits (a request's decode reads), in access order: by default one
   * {@link #access} per hit with its outcome; a listener may take the run at once, with the same effect.
   */
  default void firstTierHits(HitRun run) {
    for (int i = 0; i < run.size(); i++) {
      access(run.outcome(i));
    }
  }

  default void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {}

  default void requestFinished(long requestId) {}

  default void stepFinished(long iteration) {}

  /** Called once at the end with the final result. */
  default void finished(ReplayResult result) {}
}
