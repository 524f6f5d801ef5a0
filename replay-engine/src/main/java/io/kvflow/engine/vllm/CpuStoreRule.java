package io.kvflow.engine.vllm;

/**
 * When the CPU offload tier stores a block. Chosen in the config by {@code "hierarchy"}: {@code
 * exclusive} (the default) stores on eviction, {@code inclusive} on compute.
 */
public enum CpuStoreRule {
  /** When the GPU pool evicts the block (a victim cache); a store of a block already held refreshes it. */
  ON_EVICT,
  /**
   * When the GPU pool caches the block, as vLLM's {@code OffloadingConnector} writes each computed block
   * through ({@code LRUOffloadingManager.prepare_store} skips a block already held: no refresh, no store).
   */
  ON_COMPUTE
}
