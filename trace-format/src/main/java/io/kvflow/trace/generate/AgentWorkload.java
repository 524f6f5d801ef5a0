package io.kvflow.trace.generate;

import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Agents in tool-call loops: a task starts with a system prompt of tool definitions shared by all
 * tasks, then calls the model again and again, each call re-sending the whole context grown by the
 * previous action and the tool's output. Tasks start as an arrival process and run concurrently;
 * the next call of a task comes after the model's answer and the tool's latency.
 */
final class AgentWorkload implements WorkloadGenerator {
  private static final long TOOLS = 0x544f_0000_0000_0000L;
  private static final long GOAL = 0x474f_0000_0000_0000L;
  private static final long ACTION = 0x4143_0000_0000_0000L;
  private static final long RESULT = 0x5245_0000_0000_0000L;

  @Override
  public String description() {
    return "agent tool-call loops re-sending a growing context; tasks run concurrently";
  }

  @Override
  public List<ParamSpec> params() {
    List<ParamSpec> p = new ArrayList<>(List.of(
        ParamSpec.SEED,
        ParamSpec.ofInt("requests", 1000, "model calls to generate"),
        ParamSpec.ofInt("tools-tokens", 3000, ParamSpec.MAX_TOKENS, "system prompt with tool definitions, shared by all tasks"),
        ParamSpec.ofInt("goal-tokens", 200, ParamSpec.MAX_TOKENS, "mean task description length"),
        ParamSpec.ofInt("calls", 12, "mean model calls per task"),
        ParamSpec.ofInt("action-tokens", 120, ParamSpec.MAX_TOKENS, "mean model output per call"),
        ParamSpec.ofInt("tool-output-tokens", 600, ParamSpec.MAX_TOKENS, "mean tool output appended after each call"),
        ParamSpec.ofInt("tool-latency-ms", 1500, "mean time from a call's arrival to the task's next call"),
        ParamSpec.ofInt("max-context", 65536, ParamSpec.MAX_TOKENS, "a task ends before its context passes this"),
        ParamSpec.ofInt("tenants", 2, "tenants"),
        ParamSpec.ofInt("block-tokens", 16, Short.MAX_VALUE, "tokens per KV block")));
    p.addAll(ParamSpec.arrivals(0.5));
    return p;
  }

  private static final class Task {
    final long id;
    final int tenant;
    final PrefixHasher context;
    final int calls;
    int done;
    long nextNs;

    Task(long id, int tenant, PrefixHasher context, int calls, long nextNs) {
      this.id = id;
      this.tenant = tenant;
      this.context = context;
      this.calls = calls;
      this.nextNs = nextNs;
    }
  }

  @Override
  public long generate(Params params, Path out, Progress progress) {
    int requests = params.intAtLeast("requests", 1);
    int toolsTokens = params.intAtLeast("tools-tokens", 1);
    int goalTokens = params.intAtLeast("goal-tokens", 1);
    int calls = params.intAtLeast("calls", 1);
    int actionTokens = params.intAtLeast("action-tokens", 1);
    int toolOutput = params.intAtLeast("tool-output-tokens", 1);
    int latencyMs = params.intAtLeast("tool-latency-ms", 0);
    int maxContext = params.intAtLeast("max-context", toolsTokens + 2 * goalTokens);
    int tenants = params.intAtLeast("tenants", 1);
    int blockTokens = params.intAtLeast("block-tokens", 1);
    ArrivalProcess starts = params.arrivals();
    Rng rng = new Rng(params.getLong("seed"));
    PriorityQueue<Task> running = new PriorityQueue<>((a, b) -> a.nextNs != b.nextNs
        ? Long.compare(a.nextNs, b.nextNs) : Long.compare(a.id, b.id));
    long nextStart = starts.next(rng, true);
    long taskIds = 0;
    PrefixHasher input = new PrefixHasher(blockTokens);
    try (RequestSink sink = new RequestSink("agent", params, blockTokens, out, progress, requests)) {
      for (int r = 0; r < requests; r++) {
        Task t;
        if (running.isEmpty() || nextStart <= running.peek().nextNs) {
          PrefixHasher ctx = new PrefixHasher(blockTokens);
          ctx.append(TOOLS, toolsTokens);
          long id = taskIds++;
          ctx.append(GOAL + id, rng.lognormalTokens(goalTokens, 1));
          int n = 1 + (int) Math.min(10_000, rng.exponential(calls - 1 + 1e-9));
          t = new Task(id, rng.nextInt(tenants), ctx, n, nextStart);
          nextStart = starts.next(rng, false);
        } else {
          t = running.poll();
        }
        int action = rng.lognormalTokens(actionTokens, 1);
        input.copyFrom(t.context);
        sink.write(r, t.nextNs, "tenant-" + t.tenant, t.id, true, input, action);
        t.context.append(Hashing.chain(ACTION + t.id, t.done), action);
        int result = rng.lognormalTokens(toolOutput, 1);
        t.context.append(Hashing.chain(RESULT + t.id, t.done), result);
        t.done++;
        if (t.done < t.calls && t.context.tokens() + actionTokens * 4L < maxContext) {
          long gap = (long) (rng.exponential(latencyMs) * 1e6) + 1;
          if (t.nextNs > Long.MAX_VALUE - gap) {
            throw new io.kvflow.common.BadInputException("option --tool-latency-ms: " + latencyMs + " ms between a "
                + "task's calls passes the largest time_ns (2^63-1 ns); lower it, --calls or --requests");
          }
          t.nextNs += gap;
          running.add(t);
        }
      }
      return sink.commit();
    }
  }
}
