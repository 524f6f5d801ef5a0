package io.kvflow.engine.vllm;

import java.util.List;

/**
 * Receives the KV-cache events vLLM publishes ({@code vllm/distributed/kv_events.py}): a block stored
 * (its hash now findable) or removed (evicted) on a medium, and the end of each engine step, where
 * vLLM publishes the step's events as one batch. Called on the pool's paths with primitives only.
 */
public interface KvEventSink {
  /** The storage medium of an event, as vLLM names it. */
  enum Medium {
    GPU,
    CPU
  }

  /** Ignores everything. */
  KvEventSink NONE = new KvEventSink() {
    @Override
    public void stored(Medium medium, long[] hashes, int from, int to, boolean hasParent, long parent) {}

    @Override
    public void removed(Medium medium, long hash) {}
  };

  /** Blocks {@code hashes[from, to)} of one request were stored, chained after {@code parent} when {@code hasParent}. */
  void stored(Medium medium, long[] hashes, int from, int to, boolean hasParent, long parent);

  /** The block of {@code hash} was removed from {@code medium}. */
  void removed(Medium medium, long hash);

  /** Engine step {@code step} ended: its events form one batch. */
  default void stepFinished(long step) {}

  /** The first sink among {@code listeners}, or {@link #NONE}. */
  static KvEventSink among(List<?> listeners) {
    for (Object l : listeners) {
      if (l instanceof KvEventSink s) {
        return s;
      }
    }
    return NONE;
  }
}
