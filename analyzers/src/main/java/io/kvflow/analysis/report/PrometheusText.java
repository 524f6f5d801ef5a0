package io.kvflow.analysis.report;

import io.kvflow.common.AtomicOutput;
import io.kvflow.engine.vllm.VllmCounts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * metrics.prom of a vllm-mode replay: the Prometheus text exposition format (version 0.0.4) with
 * vLLM's own metric names, types and labels ({@code model_name}, {@code engine}), rendered as
 * vLLM's prometheus_client renders them (a counter's sample carries the {@code _total} suffix), so
 * it can be diffed with a server's /metrics. Figures: docs/engines.md.
 */
public final class PrometheusText {
  private final StringBuilder out = new StringBuilder();
  private final String labels;

  private PrometheusText(String modelName) {
    this.labels = "model_name=\"" + escape(modelName) + "\",engine=\"0\"";
  }

  /** The exposition of {@code c} for a model named {@code modelName}. */
  public static String vllm(VllmCounts c, String modelName) {
    PrometheusText p = new PrometheusText(modelName);
    p.counter("vllm:prefix_cache_queries", "Prefix cache queries, in terms of number of queried tokens.",
        c.promptTokens());
    p.counter("vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.", c.gpuHitTokens());
    if (c.cpuCapacityBlocks() > 0) {
      p.counter("vllm:external_prefix_cache_queries", "External prefix cache queries from KV connector, in terms of "
          + "number of queried tokens.", EngineReport.externalQueries(c));
      p.counter("vllm:external_prefix_cache_hits", "External prefix cache hits from KV connector, in terms of number "
          + "of cached tokens.", c.cpuHitTokens());
    }
    p.counter("vllm:num_preemptions", "Cumulative number of preemption from the engine.", c.preemptions());
    p.counter("vllm:prompt_tokens", "Number of prefill tokens processed.", c.promptTokens());
    p.header("vllm:prompt_tokens_by_source", "Number of prompt tokens by source.", "counter");
    p.sample("vllm:prompt_tokens_by_source_total", "source=\"local_compute\"", c.computedTokens());
    p.sample("vllm:prompt_tokens_by_source_total", "source=\"local_cache_hit\"", c.gpuHitTokens());
    p.sample("vllm:prompt_tokens_by_source_total", "source=\"external_kv_transfer\"", c.cpuHitTokens());
    p.counter("vllm:generation_tokens", "Number of generation tokens processed.", c.generatedTokens());
    p.header("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage. KVFlow: mean over the steps of "
        + "the replay.", "gauge");
    p.sample("vllm:kv_cache_usage_perc", null, c.usageMean());
    p.header("kvflow:kv_cache_usage_perc_peak", "Largest KV-cache usage of any step of the replay.", "gauge");
    p.sample("kvflow:kv_cache_usage_perc_peak", null, c.usagePeak());
    return p.out.toString();
  }

  public static void write(Path file, String text) {
    AtomicOutput.writeBytes(file, text.getBytes(StandardCharsets.UTF_8));
  }

  private void counter(String name, String help, long value) {
    header(name, help, "counter");
    sample(name + "_total", null, value);
  }

  private void header(String name, String help, String type) {
    out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private void sample(String name, String extraLabel, double value) {
    out.append(name).append('{').append(labels);
    if (extraLabel != null) {
      out.append(',').append(extraLabel);
    }
    out.append("} ").append(format(value)).append('\n');
  }

  /**
   * As prometheus_client writes a float ({@code floatToGoString}): Python's repr ({@code 12.0},
   * {@code 0.5}), and past six digits before the point Go's form ({@code 1.2345678e+07}).
   */
  static String format(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    String s;
    if (v == Math.rint(v) && Math.abs(v) < 1e16) {
      s = (long) v + ".0";
    } else {
      s = new java.math.BigDecimal(Double.toString(v)).toPlainString();
    }
    int dot = s.indexOf('.');
    if (v > 0 && dot > 6) {
      String digits = s.substring(1, dot) + s.substring(dot + 1);
      int end = digits.length();
      while (end > 0 && (digits.charAt(end - 1) == '0' || digits.charAt(end - 1) == '.')) {
        end--;
      }
      String mantissa = end == 0 ? s.substring(0, 1) : s.charAt(0) + "." + digits.substring(0, end);
      return mantissa + "e+0" + (dot - 1);
    }
    return s;
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
