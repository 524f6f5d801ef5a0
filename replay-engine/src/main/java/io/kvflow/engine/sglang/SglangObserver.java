package io.kvflow.engine.sglang;

/** Sees what the SGLang scheduler decides, request by request and step by step (tests, per-request exports). */
public interface SglangObserver {
  /** Sees nothing. */
  SglangObserver NONE = (requestId, promptTokens, deviceHitTokens, hostHitTokens, resumed) -> { };

  /**
   * A request joined a prefill batch: on its first admission ({@code resumed} false) its prompt
   * tokens split into GPU hits, host loads and the rest, computed; after a retraction the hits of its
   * prompt and generated tokens so far.
   */
  void admitted(long requestId, int promptTokens, long deviceHitTokens, long hostHitTokens, boolean resumed);

  /** The step ended with these pages free, and evictable in the tree. */
  default void stepFinished(long step, int freePages, int evictablePages) {}
}
