package io.kvflow.engine.spec;

/** Selective discard: tokens dropped from a sequence's KV for good. */
public enum DiscardKind {
  NONE,
  /** StreamingLLM: keep the first sink tokens and the recent window. */
  STREAMING_LLM,
  /** H2O: keep the heavy-hitter blocks (most accumulated attention mass) and the recent window. */
  H2O,
  /**
   * SnapKV: once, after the first decode step, keep the recent window and the heavy-hitter blocks
   * of that step's attention (its observation window); tokens generated later are all kept.
   */
  SNAPKV
}
