package io.kvflow.engine.expand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import io.kvflow.engine.spec.Expansion;
import io.kvflow.engine.spec.FinishedRequests;
import io.kvflow.engine.spec.Placement;
import io.kvflow.engine.spec.Preemption;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.generate.Params;
import io.kvflow.trace.generate.Workload;
import io.kvflow.trace.generate.WorkloadGenerator;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The scheduler and the block expander together emit exactly the stream of the request expander
 * they replaced ({@link LegacyRequestExpander}): every sink call (key, op, weight, tokens, request,
 * step, layer, flags, request start and finish, step end) and every idle of the clock, in order, on
 * generated chat and agent traces and on random rows spanning several read batches, under batch
 * and token limits, waits for memory, no preemption, recompute and swap, with and without a clock.
 */
class SchedulerSplitEquivalenceTest {
  @TempDir
  static Path dir;

  /** One expander configuration; {@code capacity} is in blocks of the first tier (0 = no limit). */
  record Setup(String name, Expansion expansion, Placement placement, FinishedRequests finished, int layers,
      int maxBatch, long maxTokens, long capacity, Preemption preemption, boolean clock) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** A trace and the first-tier capacities (in blocks) that make it wait and preempt. */
  record Trace(String name, Path path, long tight, long roomy) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final List<String> TRACE_NAMES = List.of("chat", "agent", "random-rows");
  private static final Map<String, Trace> TRACES = new java.util.HashMap<>();

  @BeforeAll
  static void traces() {
    TRACES.put("chat", new Trace("chat", generate(Workload.CHAT, Map.of("requests", "200", "sessions", "20",
        "system-prompt-tokens", "128", "user-tokens", "40", "output-tokens", "30", "max-context", "1024",
        "rate", "100", "seed", "3")), 120, 150));
    TRACES.put("agent", new Trace("agent", generate(Workload.AGENT, Map.of("requests", "120", "tools-tokens", "256",
        "goal-tokens", "40", "calls", "5", "action-tokens", "80", "tool-output-tokens", "60",
        "tool-latency-ms", "20", "max-context", "2048", "rate", "20", "seed", "5")), 150, 300));
    TRACES.put("random-rows", new Trace("random-rows", randomRows(dir.resolve("random.parquet"), 5000, 11), 40, 60));
  }

  private static Path generate(Workload w, Map<String, String> given) {
    WorkloadGenerator g = w.create();
    Path out = dir.resolve(w.cliName() + ".parquet");
    g.generate(new Params(w.cliName(), g.params(), given), out, Progress.NONE);
    return out;
  }

  /**
   * Rows that no generator writes: outputs of zero tokens, requests without hashes next to requests
   * sharing prefixes, more rows than one read batch holds.
   */
  private static Path randomRows(Path out, int rows, long seed) {
    int blockTokens = 8;
    Random rnd = new Random(seed);
    long[] hashes = new long[64];
    try (RequestTraceWriter w = RequestTraceWriter.open(out, TraceMetadata.of(TraceKind.REQUESTS, blockTokens,
        "scheduler split test"))) {
      long arrival = 0;
      for (int i = 0; i < rows; i++) {
        arrival += rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(2_000_000);
        int input = 1 + rnd.nextInt(120);
        int output = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(13);
        int n = (input + blockTokens - 1) / blockTokens;
        boolean hashed = rnd.nextBoolean();
        long h = rnd.nextInt(5);
        for (int k = 0; k < n; k++) {
          h = Hashing.chain(h, k < 4 ? k : rnd.nextInt(3) + 100L * i);
          hashes[k] = h;
        }
        w.append(i * 7L + 1, arrival, null, false, 0, input, output, hashes, 0, hashed ? n : 0);
      }
      w.commit();
    }
    return out;
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String t : TRACE_NAMES) {
      for (Setup s : SETUPS) {
        out.add(Arguments.of(t, s));
      }
    }
    return out.stream();
  }

  /** Capacity -1 stands for the trace's tight capacity, -2 for its roomy one. */
  private static final List<Setup> SETUPS = List.of(
      new Setup("prefix", Expansion.PREFIX, Placement.BLOCK, FinishedRequests.CACHE, 4, 8, 0, 0, Preemption.NONE,
          true),
      new Setup("batch-1", Expansion.FULL, Placement.BLOCK, FinishedRequests.FREE, 4, 1, 0, 0, Preemption.NONE,
          false),
      new Setup("batch-8", Expansion.FULL, Placement.BLOCK, FinishedRequests.CACHE, 4, 8, 0, 0, Preemption.NONE,
          false),
      new Setup("tokens-clock-layers", Expansion.FULL, Placement.BLOCK_LAYER, FinishedRequests.FREE, 3, 16, 600, 0,
          Preemption.NONE, true),
      new Setup("memory-wait", Expansion.FULL, Placement.BLOCK, FinishedRequests.FREE, 4, 16, 0, -1,
          Preemption.NONE, true),
      new Setup("recompute-free", Expansion.FULL, Placement.BLOCK, FinishedRequests.FREE, 4, 16, 0, -1,
          Preemption.RECOMPUTE, false),
      new Setup("recompute-cache-clock-layers", Expansion.FULL, Placement.BLOCK_LAYER, FinishedRequests.CACHE, 2,
          16, 0, -1, Preemption.RECOMPUTE, true),
      new Setup("recompute-tokens-clock", Expansion.FULL, Placement.BLOCK, FinishedRequests.FREE, 4, 32, 800, -1,
          Preemption.RECOMPUTE, true),
      new Setup("swap-free-clock", Expansion.FULL, Placement.BLOCK, FinishedRequests.FREE, 4, 16, 0, -1,
          Preemption.SWAP, true),
      new Setup("swap-cache-tokens", Expansion.FULL, Placement.BLOCK, FinishedRequests.CACHE, 4, 32, 1000, -2,
          Preemption.SWAP, false));

  private static long capacity(Setup s, Trace t) {
    return s.capacity() == -1 ? t.tight() : s.capacity() == -2 ? t.roomy() : s.capacity();
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("cases")
  void newPairEmitsTheLegacyStream(String trace, Setup s) {
    Trace t = TRACES.get(trace);
    long capacity = capacity(s, t);
    LegacyRequestExpander legacy = new LegacyRequestExpander(t.path(), s.expansion(), s.placement(), s.finished(),
        s.layers(), s.maxBatch());
    legacy.setLimits(s.maxTokens(), capacity);
    legacy.setPreemption(s.preemption());
    CallRecorder expected = new CallRecorder(2_000, 50_000);
    if (s.clock()) {
      legacy.setClock(expected);
    }
    legacy.run(expected, Progress.NONE);

    RequestExpander split = new RequestExpander(t.path(), s.expansion(), s.placement(), s.finished(), s.layers(),
        s.maxBatch());
    split.setLimits(s.maxTokens(), capacity);
    split.setPreemption(s.preemption());
    CallRecorder actual = new CallRecorder(2_000, 50_000);
    if (s.clock()) {
      split.setClock(actual);
    }
    split.run(actual, Progress.NONE);

    assertNull(expected.firstDifference(actual), () -> t + " " + s);
    assertEquals(legacy.preemptions(), split.preemptions(), "preemptions");
    assertEquals(legacy.waitedForMemory(), split.waitedForMemory(), "waitedForMemory");
    assertEquals(legacy.stats().requests(), split.stats().requests(), "requests");
    assertEquals(legacy.stats().blockRefs(), split.stats().blockRefs(), "blockRefs");
    assertEquals(legacy.stats().distinctBlocks(), split.stats().distinctBlocks(), "distinctBlocks");
    assertEquals(legacy.stats().rows(), split.stats().rows(), "rows");

    // the setup exercises what it is named for
    assertTrue(expected.accesses > 0);
    if (s.preemption() != Preemption.NONE) {
      assertTrue(legacy.preemptions() > 0, "no preemption happened");
    }
    if (capacity > 0) {
      assertTrue(legacy.waitedForMemory() > 0, "no admission waited for memory");
    }
    if (s.clock() && s.expansion() == Expansion.FULL) {
      assertTrue(expected.idles > 0, "the clock never idled");
      assertTrue(expected.maxConcurrent() > 1, "requests never ran together");
    }
  }
}
