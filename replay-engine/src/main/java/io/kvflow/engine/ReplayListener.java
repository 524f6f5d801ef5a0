package io.kvflow.engine;

/**
 * Observes a replay: every access after the residency model handled it (with the tier the unit was
 * found in), requests starting and finishing, the end of every batch iteration, and the final
 * result. Analyzers implement this; the engine never depends on them.
 */
public interface ReplayListener {
  /** Found nowhere (a new unit, or a source read). */
  int FOUND_NOWHERE = -1;
  /** Not a lookup (APPEND or FREE). */
  int NOT_A_LOOKUP = -2;

  /**
   * One access. {@code foundTier} is the tier that held the unit before the access (0 = a hit in
   * the first tier), {@link #FOUND_NOWHERE}, or {@link #NOT_A_LOOKUP}.
   */
  default void access(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags,
      int foundTier) {}

  default void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {}

  default void requestFinished(long requestId) {}

  default void stepFinished(long iteration) {}

  /** Called once at the end with the final result. */
  default void finished(ReplayResult result) {}
}
