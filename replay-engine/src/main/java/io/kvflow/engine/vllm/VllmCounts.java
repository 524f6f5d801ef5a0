package io.kvflow.engine.vllm;

/**
 * What a vllm-mode replay counted (docs/engines.md gives each figure's vLLM counterpart).
 *
 * @param capacityBlocks GPU pool blocks (usable, vLLM's null block not counted)
 * @param cpuCapacityBlocks CPU tier blocks (0: no CPU tier)
 * @param blockTokens tokens of one block (the trace's block size)
 * @param requests requests admitted
 * @param skippedTooLarge requests whose prompt and output need more blocks than the pool has (never admitted)
 * @param promptBlocks prompt blocks of the admitted requests (a partial last block counts)
 * @param promptTokens prompt tokens of the admitted requests ({@code vllm:prefix_cache_queries})
 * @param gpuHitTokens of which found in the GPU pool at first admission ({@code vllm:prefix_cache_hits})
 * @param cpuHitTokens of which loaded from the CPU tier at first admission
 * @param computedTokens of which computed (prompt = GPU hits + CPU loads + computed)
 * @param resumedQueryTokens tokens looked up again by requests resumed after preemption
 * @param resumedHitTokens of which found in the GPU pool
 * @param generatedTokens output tokens sampled
 * @param preemptions requests stopped to free blocks ({@code vllm:num_preemptions})
 * @param steps scheduler steps
 * @param usageMean mean over steps of the share of blocks held by requests ({@code vllm:kv_cache_usage_perc})
 * @param usagePeak its largest value
 * @param evictions cached GPU blocks evicted for a new allocation
 * @param cpuLoadBlocks blocks loaded from the CPU tier
 * @param cpuStoreBlocks blocks stored to the CPU tier (on GPU eviction)
 * @param cpuEvictions blocks the CPU tier evicted
 */
public record VllmCounts(long capacityBlocks, long cpuCapacityBlocks, int blockTokens, long requests, long skippedTooLarge,
    long promptBlocks, long promptTokens, long gpuHitTokens, long cpuHitTokens, long computedTokens, long resumedQueryTokens,
    long resumedHitTokens, long generatedTokens, long preemptions, long steps, double usageMean, double usagePeak,
    long evictions, long cpuLoadBlocks, long cpuStoreBlocks, long cpuEvictions) {}
