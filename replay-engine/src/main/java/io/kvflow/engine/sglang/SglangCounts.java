package io.kvflow.engine.sglang;

/**
 * What an sglang-mode replay counted (docs/engines.md gives each figure's SGLang counterpart).
 *
 * @param capacityTokens GPU KV pool tokens ({@code max_total_num_tokens}: the first tier, in whole pages)
 * @param hostCapacityTokens HiCache host-tier tokens (0: no HiCache)
 * @param pageTokens tokens of one page ({@code --page-size})
 * @param writeBack whether the host tier is written back on eviction (else write-through)
 * @param requests requests admitted
 * @param skippedTooLarge requests whose prompt and output do not fit the GPU pool (never admitted)
 * @param promptTokens prompt tokens of the admitted requests ({@code sglang:prompt_tokens})
 * @param deviceHitTokens of which matched on the GPU at first admission
 * @param hostHitTokens of which loaded back from the host tier at first admission
 * @param computedTokens of which computed (prompt = GPU hits + host loads + computed)
 * @param resumedQueryTokens tokens looked up again by requests readmitted after retraction
 * @param resumedHitTokens of which found (GPU or host)
 * @param generatedTokens output tokens sampled ({@code sglang:generation_tokens})
 * @param retractions requests retracted to free memory
 * @param steps scheduler iterations
 * @param prefillBatches iterations that ran a prefill (extend) batch
 * @param decodeBatches iterations that ran a decode batch
 * @param loggedHitTokens prefix tokens of every request added to a prefill batch (SGLang's {@code #cached-token})
 * @param loggedInputTokens tokens those batches computed (SGLang's {@code #new-token})
 * @param tokenUsageMean mean over steps of {@code 1 - (free + evictable) / capacity} ({@code sglang:token_usage})
 * @param tokenUsagePeak its largest value
 * @param runningMean mean over steps of the running (decoding) requests ({@code sglang:num_running_reqs})
 * @param evictedTokens GPU tokens evicted from the tree
 * @param hostWrittenTokens tokens written to the host tier
 * @param hostLoadedTokens tokens loaded back from the host tier
 * @param hostEvictedTokens tokens the host tier dropped
 */
public record SglangCounts(long capacityTokens, long hostCapacityTokens, int pageTokens, boolean writeBack, long requests,
    long skippedTooLarge, long promptTokens, long deviceHitTokens, long hostHitTokens, long computedTokens,
    long resumedQueryTokens, long resumedHitTokens, long generatedTokens, long retractions, long steps,
    long prefillBatches, long decodeBatches, long loggedHitTokens, long loggedInputTokens, double tokenUsageMean,
    double tokenUsagePeak, double runningMean, long evictedTokens, long hostWrittenTokens, long hostLoadedTokens,
    long hostEvictedTokens) {

  /** SGLang's {@code cache_hit_rate} over the whole replay: logged hits over logged hits plus computed. */
  public double cacheHitRate() {
    long all = loggedHitTokens + loggedInputTokens;
    return all == 0 ? 0 : (double) loggedHitTokens / all;
  }

  /** Cached prompt tokens at first admission, GPU and host ({@code sglang:cached_tokens}). */
  public long cachedTokens() {
    return deviceHitTokens + hostHitTokens;
  }
}
