package io.kvflow.engine.expand;

import io.kvflow.common.Progress;

/** Pushes a trace's accesses, in order, to a sink. */
public interface AccessSource {
  /** Replays the whole trace into {@code sink}. */
  void run(AccessSink sink, Progress progress);

  TraceStats stats();
}
