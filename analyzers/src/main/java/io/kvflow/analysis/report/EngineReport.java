package io.kvflow.analysis.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.engine.vllm.VllmCounts;

/**
 * The {@code engine} object of report.json in an engine mode: the engine's counts under the names
 * the engine gives them (docs/engines.md), which metrics.prom carries as well.
 */
public final class EngineReport {
  /** The vLLM release whose KV cache manager, scheduler and metrics the vllm mode follows. */
  public static final String VLLM_FOLLOWS = "vLLM v0.11 (v1 engine: block_pool.py, kv_cache_manager.py, "
      + "scheduler.py, metrics/loggers.py)";

  private EngineReport() {}

  /** Adds {@code engine} to {@code report} when the replay ran in an engine mode; returns whether it did. */
  public static boolean add(ObjectNode report, VllmCounts c) {
    if (c == null) {
      return false;
    }
    ObjectNode e = report.putObject("engine");
    e.put("kind", "vllm");
    e.put("follows", VLLM_FOLLOWS);
    e.put("block_tokens", c.blockTokens());
    e.put("gpu_capacity_blocks", c.capacityBlocks());
    e.put("cpu_capacity_blocks", c.cpuCapacityBlocks());
    e.put("requests", c.requests());
    e.put("requests_too_large", c.skippedTooLarge());
    e.put("prompt_tokens", c.promptTokens());
    e.put("prefix_cache_queries", c.promptTokens());
    e.put("prefix_cache_hits", c.gpuHitTokens());
    e.put("prefix_cache_hit_ratio", c.promptTokens() == 0 ? 0 : (double) c.gpuHitTokens() / c.promptTokens());
    e.put("external_prefix_cache_queries", externalQueries(c));
    e.put("external_prefix_cache_hits", c.cpuHitTokens());
    ObjectNode src = e.putObject("prompt_tokens_by_source");
    src.put("local_cache_hit", c.gpuHitTokens());
    src.put("external_kv_transfer", c.cpuHitTokens());
    src.put("local_compute", c.computedTokens());
    e.put("resumed_prefix_cache_queries", c.resumedQueryTokens());
    e.put("resumed_prefix_cache_hits", c.resumedHitTokens());
    e.put("generation_tokens", c.generatedTokens());
    e.put("num_preemptions", c.preemptions());
    e.put("steps", c.steps());
    e.put("kv_cache_usage_mean", c.usageMean());
    e.put("kv_cache_usage_peak", c.usagePeak());
    e.put("gpu_evictions", c.evictions());
    e.put("cpu_load_blocks", c.cpuLoadBlocks());
    e.put("cpu_store_blocks", c.cpuStoreBlocks());
    e.put("cpu_evictions", c.cpuEvictions());
    return true;
  }

  /** Tokens the CPU tier was asked for: the prompt tokens the GPU pool did not hold (vLLM's connector queries). */
  static long externalQueries(VllmCounts c) {
    return c.cpuCapacityBlocks() == 0 ? 0 : c.promptTokens() - c.gpuHitTokens();
  }
}
