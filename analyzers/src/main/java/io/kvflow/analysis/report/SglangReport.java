package io.kvflow.analysis.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.engine.sglang.SglangCounts;

/**
 * The sglang mode's figures: the {@code engine} object of report.json and metrics.prom, the
 * Prometheus text exposition format (0.0.4) with SGLang's own metric names and types
 * (python/sglang/srt/metrics/collector.py) and its {@code model_name} label, rendered as
 * prometheus_client renders them (a counter's sample carries {@code _total}). Figures SGLang does
 * not export go under {@code kvflow:} names. docs/engines.md gives each one.
 */
public final class SglangReport {
  /** The SGLang release whose radix cache, HiCache, scheduler and metrics the sglang mode follows. */
  public static final String SGLANG_FOLLOWS = "SGLang 0.5 (srt/mem_cache/radix_cache.py, hiradix_cache.py, "
      + "managers/schedule_policy.py, scheduler.py, schedule_batch.py, metrics/collector.py)";

  private SglangReport() {}

  /** Adds {@code engine} to {@code report} when the replay ran in sglang mode; returns whether it did. */
  public static boolean add(ObjectNode report, SglangCounts c) {
    if (c == null) {
      return false;
    }
    ObjectNode e = report.putObject("engine");
    e.put("kind", "sglang");
    e.put("follows", SGLANG_FOLLOWS);
    e.put("page_size", c.pageTokens());
    e.put("gpu_capacity_tokens", c.capacityTokens());
    e.put("host_capacity_tokens", c.hostCapacityTokens());
    if (c.hostCapacityTokens() > 0) {
      e.put("hicache_write_policy", c.writeBack() ? "write_back" : "write_through");
    }
    e.put("requests", c.requests());
    e.put("requests_too_large", c.skippedTooLarge());
    e.put("prompt_tokens", c.promptTokens());
    e.put("cached_tokens", c.cachedTokens());
    ObjectNode src = e.putObject("prompt_tokens_by_source");
    src.put("device", c.deviceHitTokens());
    src.put("host", c.hostHitTokens());
    src.put("computed", c.computedTokens());
    e.put("device_hit_ratio", ratio(c.deviceHitTokens(), c.promptTokens()));
    e.put("cached_ratio", ratio(c.cachedTokens(), c.promptTokens()));
    e.put("cache_hit_rate", c.cacheHitRate());
    e.put("logged_hit_tokens", c.loggedHitTokens());
    e.put("logged_input_tokens", c.loggedInputTokens());
    e.put("resumed_query_tokens", c.resumedQueryTokens());
    e.put("resumed_hit_tokens", c.resumedHitTokens());
    e.put("generation_tokens", c.generatedTokens());
    e.put("num_retractions", c.retractions());
    e.put("steps", c.steps());
    e.put("prefill_batches", c.prefillBatches());
    e.put("decode_batches", c.decodeBatches());
    e.put("token_usage_mean", c.tokenUsageMean());
    e.put("token_usage_peak", c.tokenUsagePeak());
    e.put("num_running_reqs_mean", c.runningMean());
    e.put("evicted_tokens", c.evictedTokens());
    e.put("hicache_written_tokens", c.hostWrittenTokens());
    e.put("hicache_loaded_tokens", c.hostLoadedTokens());
    e.put("hicache_evicted_tokens", c.hostEvictedTokens());
    return true;
  }

  private static double ratio(long a, long b) {
    return b == 0 ? 0 : (double) a / b;
  }

  /** metrics.prom of {@code c} for a model named {@code modelName}. */
  public static String prometheus(SglangCounts c, String modelName) {
    Text p = new Text("model_name=\"" + modelName.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
        + "\"");
    p.counter("sglang:prompt_tokens", "Number of prefill tokens processed.", c.promptTokens());
    p.counter("sglang:generation_tokens", "Number of generation tokens processed.", c.generatedTokens());
    p.counter("sglang:cached_tokens", "Number of cached prompt tokens.", c.cachedTokens());
    p.counter("sglang:num_requests", "Number of requests processed.", c.requests());
    p.gauge("sglang:cache_hit_rate", "The prefix cache hit rate. KVFlow: cached over cached plus computed tokens of "
        + "every prefill batch of the replay.", c.cacheHitRate());
    p.gauge("sglang:token_usage", "The token usage. KVFlow: mean over the steps of the replay.", c.tokenUsageMean());
    p.gauge("sglang:num_running_reqs", "The number of running requests. KVFlow: mean over the steps of the replay.",
        c.runningMean());
    p.gauge("kvflow:token_usage_peak", "Largest token usage of any step of the replay.", c.tokenUsagePeak());
    p.header("kvflow:prompt_tokens_by_source", "Prompt tokens at first admission by where they came from.", "counter");
    p.sample("kvflow:prompt_tokens_by_source_total", "source=\"device\"", c.deviceHitTokens());
    p.sample("kvflow:prompt_tokens_by_source_total", "source=\"host\"", c.hostHitTokens());
    p.sample("kvflow:prompt_tokens_by_source_total", "source=\"computed\"", c.computedTokens());
    p.counter("kvflow:num_retractions", "Requests retracted to free memory.", c.retractions());
    p.counter("kvflow:evicted_tokens", "GPU tokens evicted from the radix tree.", c.evictedTokens());
    if (c.hostCapacityTokens() > 0) {
      p.counter("kvflow:hicache_written_tokens", "Tokens written to the HiCache host tier.", c.hostWrittenTokens());
      p.counter("kvflow:hicache_loaded_tokens", "Tokens loaded back from the HiCache host tier.", c.hostLoadedTokens());
      p.counter("kvflow:hicache_evicted_tokens", "Tokens the HiCache host tier dropped.", c.hostEvictedTokens());
    }
    return p.out.toString();
  }

  /** The exposition being written. */
  private static final class Text {
    final StringBuilder out = new StringBuilder();
    final String labels;

    Text(String labels) {
      this.labels = labels;
    }

    void counter(String name, String help, long value) {
      header(name, help, "counter");
      sample(name + "_total", null, value);
    }

    void gauge(String name, String help, double value) {
      header(name, help, "gauge");
      sample(name, null, value);
    }

    void header(String name, String help, String type) {
      out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
      out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    void sample(String name, String extraLabel, double value) {
      out.append(name).append('{').append(labels);
      if (extraLabel != null) {
        out.append(',').append(extraLabel);
      }
      out.append("} ").append(PrometheusText.format(value)).append('\n');
    }
  }
}
