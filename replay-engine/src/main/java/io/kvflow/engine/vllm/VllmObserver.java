package io.kvflow.engine.vllm;

/** Sees what the vLLM scheduler decides, request by request and step by step (tests, per-request exports). */
public interface VllmObserver {
  /** Sees nothing. */
  VllmObserver NONE = (requestId, promptTokens, gpuHitTokens, cpuHitTokens, resumed) -> { };

  /**
   * A request joined the running batch: on its first admission ({@code resumed} false) its prompt
   * tokens split into GPU hits, CPU loads and the rest, computed; on a resume after preemption the
   * hits of its prompt and generated tokens so far.
   */
  void admitted(long requestId, int promptTokens, long gpuHitTokens, long cpuHitTokens, boolean resumed);

  /** The step ended with {@code freeBlocks} blocks in the free queue. */
  default void stepFinished(long step, int freeBlocks) {}
}
