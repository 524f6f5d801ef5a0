package io.kvflow.engine.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.Progress;
import io.kvflow.engine.ReplayEngine;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.trace.imports.ImportFormat;
import io.kvflow.trace.imports.ImportOptions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-tier attribution request by request: each request's prompt tokens split, at its first
 * admission, into GPU hits, CPU loads and computed tokens, each split whole blocks where it hits
 * and never more than the prompt less its last token; the splits add up to the run's totals.
 */
class VllmAttributionTest {
  @TempDir
  Path dir;

  static ReplayConfig config(int gpuBlocks, int cpuBlocks) {
    String cpu = cpuBlocks == 0 ? ""
        : ", {\"name\": \"dram\", \"kind\": \"dram\", \"capacity_blocks\": " + cpuBlocks + "}";
    String json = "{\"model\": \"llama-3-8b\", \"engine\": \"vllm\", \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", "
        + "\"capacity_blocks\": " + gpuBlocks + "}" + cpu + "], \"max_batch\": 64, \"max_batched_tokens\": 8192}";
    try {
      return ConfigLoader.fromJson("test", new com.fasterxml.jackson.databind.ObjectMapper().readTree(json)).config();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new AssertionError(e);
    }
  }

  static void check(Path trace, ReplayConfig c) {
    Map<Long, long[]> first = new HashMap<>();
    long[] resumed = {0};
    VllmReplay.Outcome o = VllmReplay.run(trace, c, (id, prompt, gpu, cpu, again) -> {
      if (again) {
        resumed[0]++;
        return;
      }
      assertTrue(first.put(id, new long[] {prompt, gpu, cpu}) == null, "request " + id + " admitted once");
    }, Progress.NONE);
    VllmCounts t = o.counts();
    int b = t.blockTokens();
    long prompt = 0;
    long gpu = 0;
    long cpu = 0;
    for (Map.Entry<Long, long[]> e : first.entrySet()) {
      long[] a = e.getValue();
      assertEquals(0, a[1] % b, "whole GPU blocks, request " + e.getKey());
      assertEquals(0, a[2] % b, "whole CPU blocks, request " + e.getKey());
      assertTrue(a[1] + a[2] <= a[0] - 1, "the last token is computed, request " + e.getKey());
      prompt += a[0];
      gpu += a[1];
      cpu += a[2];
    }
    assertEquals(t.requests(), first.size());
    assertEquals(t.promptTokens(), prompt);
    assertEquals(t.gpuHitTokens(), gpu);
    assertEquals(t.cpuHitTokens(), cpu);
    assertEquals(prompt - gpu - cpu, t.computedTokens());
    ReplayResult r = ReplayEngine.run(trace, c, List.of(), Progress.NONE);
    assertEquals(t, r.engine(), "the engine path reports what VllmReplay counted");
    assertEquals(t.preemptions(), r.schedule().preemptions());
  }

  @Test
  void chatSmall() {
    check(Path.of("..", "sample-traces", "chat-small.parquet"), config(3000, 6000));
  }

  @Test
  void mooncakeConversationWithCpuTier() {
    Path trace = dir.resolve("conversation.parquet");
    ImportFormat.MOONCAKE.create().importTrace(Path.of("..", "sample-traces", "real", "mooncake",
        "conversation_trace.jsonl.gz"), trace, ImportOptions.DEFAULT, Progress.NONE);
    check(trace, config(1024, 4096));
  }
}
