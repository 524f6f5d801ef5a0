package io.kvflow.engine;

import io.kvflow.engine.expand.AccessSink;

/**
 * Observes a replay: every access (after the residency model handled it) and the end of every
 * batch iteration. Analyzers implement this; the engine never depends on them.
 */
public interface ReplayListener extends AccessSink {
  @Override
  default void access(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags) {}

  /** Called once at the end with the final result. */
  default void finished(ReplayResult result) {}
}
