package io.kvflow.engine.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import io.kvflow.engine.ReplayEngine;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.route.RouterKind;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.time.TimedListener;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.generate.Params;
import io.kvflow.trace.generate.Workload;
import io.kvflow.trace.generate.WorkloadGenerator;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cluster's reference cases: one instance is the single engine exactly; round-robin over N
 * disjoint interleaved sessions is N separate replays; kv-aware without load is the oracle; every
 * router is deterministic and serves every request exactly once, with per-instance counters adding
 * up to the cluster's.
 */
class ClusterReplayTest {
  @TempDir
  static Path dir;
  static Path chat;
  static Path rows;

  @BeforeAll
  static void traces() {
    WorkloadGenerator g = Workload.CHAT.create();
    chat = dir.resolve("chat.parquet");
    g.generate(new Params("chat", g.params(), Map.of("requests", "300", "sessions", "24",
        "system-prompt-tokens", "128", "user-tokens", "40", "output-tokens", "30", "max-context", "1024",
        "rate", "100", "seed", "3")), chat, Progress.NONE);
    rows = randomRows(dir.resolve("rows.parquet"), 3000, 11);
  }

  /** Rows no generator writes: zero-token outputs, rows without hashes, more rows than a read batch. */
  static Path randomRows(Path out, int count, long seed) {
    int blockTokens = 8;
    Random rnd = new Random(seed);
    long[] hashes = new long[64];
    try (RequestTraceWriter w = RequestTraceWriter.open(out, TraceMetadata.of(TraceKind.REQUESTS, blockTokens,
        "cluster test"))) {
      long arrival = 0;
      for (int i = 0; i < count; i++) {
        arrival += rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(2_000_000);
        int input = 1 + rnd.nextInt(120);
        int output = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(13);
        int n = (input + blockTokens - 1) / blockTokens;
        long h = rnd.nextInt(5);
        for (int k = 0; k < n; k++) {
          h = Hashing.chain(h, k < 4 ? k : rnd.nextInt(3) + 100L * i);
          hashes[k] = h;
        }
        w.append(i * 7L + 1, arrival, null, false, 0, input, output, hashes, 0, rnd.nextBoolean() ? n : 0);
      }
      w.commit();
    }
    return out;
  }

  /** H200 timing, a first tier of {@code hbmBlocks} blocks, and {@code cluster} (JSON, or empty). */
  static ReplayConfig config(long hbmBlocks, String extra, String cluster) {
    String json = "{\"model\": \"llama-3-8b\", \"hardware\": \"h200\", \"tiers\": ["
        + "{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": " + hbmBlocks + ", \"policy\": \"lru\","
        + " \"read_bandwidth_bps\": 3.0486e12, \"latency_ns\": 300},"
        + "{\"name\": \"dram\", \"kind\": \"dram\", \"capacity_bytes\": 68719476736, \"policy\": \"lru\","
        + " \"read_bandwidth_bps\": 5.46e10, \"latency_ns\": 1800}],"
        + " \"expansion\": \"full\", \"max_batch\": 8" + extra
        + (cluster.isEmpty() ? "" : ", \"cluster\": " + cluster) + "}";
    try {
      return ConfigLoader.fromJson("test", new ObjectMapper().readTree(json)).config();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every timed request, in the order the timing model reports them. */
  static final class Timed implements ReplayListener, TimedListener {
    final List<long[]> requests = new ArrayList<>();
    final List<Long> started = new ArrayList<>();

    @Override
    public void requestTimed(long requestId, long queueNs, long ttftNs, long tpotNs, long e2eNs) {
      requests.add(new long[] {requestId, queueNs, ttftNs, tpotNs, e2eNs});
    }

    @Override
    public void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {
      started.add(requestId);
    }
  }

  static void assertSameResult(ReplayResult expected, ReplayResult actual) {
    assertEquals(expected.trace(), actual.trace());
    assertEquals(expected.residency(), actual.residency());
    assertEquals(expected.schedule(), actual.schedule());
    assertEquals(expected.time(), actual.time());
    assertEquals(expected.compression(), actual.compression());
    assertEquals(expected.occupancy().size(), actual.occupancy().size());
    for (int i = 0; i < expected.occupancy().size(); i++) {
      assertArrayEquals(expected.occupancy().get(i), actual.occupancy().get(i));
    }
  }

  static void assertSameTimes(Timed expected, Timed actual) {
    assertEquals(expected.requests.size(), actual.requests.size());
    for (int i = 0; i < expected.requests.size(); i++) {
      assertArrayEquals(expected.requests.get(i), actual.requests.get(i));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"roomy", "tight-recompute", "tight-swap", "tokens"})
  void oneInstanceIsTheSingleEngine(String setup) {
    for (Path trace : List.of(chat, rows)) {
      long blocks = setup.startsWith("tight") ? 120 : 4096;
      String extra = switch (setup) {
        case "tight-swap" -> ", \"preemption\": \"swap\", \"finished_requests\": \"free\"";
        case "tokens" -> ", \"max_batched_tokens\": 300";
        default -> "";
      };
      Timed single = new Timed();
      ReplayResult expected = ReplayEngine.run(trace, config(blocks, extra, ""), List.of(single), Progress.NONE);
      Timed one = new Timed();
      ClusterResult c = ClusterReplay.run(trace, config(blocks, extra, "{\"instances\": 1, \"router\": \"kv-aware\"}"),
          List.of(), i -> List.of(one), Progress.NONE);
      assertSameResult(expected, c.instances().get(0));
      assertSameResult(expected, c.total());
      assertSameTimes(single, one);
      assertEquals(single.started, one.started);
    }
  }

  /** N sessions, request k of session k mod N, each session's blocks its own. */
  private static Path disjointSessions(Path out, int sessions, int perSession, long seed) {
    Random rnd = new Random(seed);
    long[] hashes = new long[256];
    long[][] history = new long[sessions][1024];
    int[] historyBlocks = new int[sessions];
    try (RequestTraceWriter w = RequestTraceWriter.open(out, TraceMetadata.of(TraceKind.REQUESTS, 16,
        "disjoint sessions"))) {
      long arrival = 0;
      for (int k = 0; k < sessions * perSession; k++) {
        int s = k % sessions;
        arrival += rnd.nextInt(5_000_000);
        int turnBlocks = 1 + rnd.nextInt(6);
        int n = Math.min(historyBlocks[s] + turnBlocks, 200);
        long h = historyBlocks[s] == 0 ? 1_000_003L * (s + 1) : history[s][historyBlocks[s] - 1];
        for (int b = historyBlocks[s]; b < n; b++) {
          h = Hashing.chain(h, b);
          history[s][b] = h;
        }
        historyBlocks[s] = n;
        System.arraycopy(history[s], 0, hashes, 0, n);
        w.append(k, arrival, null, true, s, n * 16, 5 + rnd.nextInt(20), hashes, 0, n);
      }
      w.commit();
    }
    return out;
  }

  private static Path oneSession(Path all, Path out, int sessions, int session) {
    try (var r = io.kvflow.trace.parquet.TraceReader.open(all); var b = r.newRequestBatch(512);
        RequestTraceWriter w = RequestTraceWriter.open(out, r.metadata())) {
      long[] hashes = new long[256];
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          if (b.sessionId(i) % sessions == session) {
            int n = b.hashEnd(i) - b.hashStart(i);
            for (int k = 0; k < n; k++) {
              hashes[k] = b.hash(b.hashStart(i) + k);
            }
            w.append(b.requestId(i), b.arrivalNs(i), null, true, b.sessionId(i), b.inputTokens(i), b.outputTokens(i),
                hashes, 0, n);
          }
        }
      }
      w.commit();
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 4})
  void roundRobinOverDisjointSessionsIsSeparateReplays(int n) {
    Path all = disjointSessions(dir.resolve("disjoint-" + n + ".parquet"), n, 60, n);
    String extra = ", \"finished_requests\": \"free\"";
    ClusterResult c = ClusterReplay.run(all, config(300, extra, "{\"instances\": " + n + ", \"router\": \"round-robin\"}"),
        List.of(), i -> List.of(), Progress.NONE);
    long inputBlocks = 0;
    long inputBlockHits = 0;
    long firstTierHits = 0;
    for (int s = 0; s < n; s++) {
      Path part = oneSession(all, dir.resolve("disjoint-" + n + "-" + s + ".parquet"), n, s);
      ReplayResult alone = ReplayEngine.run(part, config(300, extra, ""), List.of(), Progress.NONE);
      assertSameResult(alone, c.instances().get(s));
      inputBlocks += alone.residency().inputBlocks();
      inputBlockHits += alone.residency().inputBlockHits();
      firstTierHits += alone.tiers().get(0).hits();
    }
    assertEquals(inputBlocks, c.total().residency().inputBlocks());
    assertEquals(inputBlockHits, c.total().residency().inputBlockHits());
    assertEquals(firstTierHits, c.total().tiers().get(0).hits());
  }

  /** The instance of every request, by request id order of routing (each instance's starts). */
  static Map<Long, Integer> assignment(Path trace, ReplayConfig config, List<ReplayResult> results) {
    List<Timed> seen = new ArrayList<>();
    ClusterResult c = ClusterReplay.run(trace, config, List.of(), i -> {
      Timed t = new Timed();
      seen.add(t);
      return List.of(t);
    }, Progress.NONE);
    results.add(c.total());
    Map<Long, Integer> out = new java.util.TreeMap<>();
    for (int i = 0; i < seen.size(); i++) {
      for (long id : seen.get(i).started) {
        Integer before = out.put(id, i);
        assertEquals(null, before, "request " + id + " served twice");
      }
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 4})
  void kvAwareWithoutLoadIsTheOracle(int n) {
    for (Path trace : List.of(chat, rows)) {
      List<ReplayResult> r = new ArrayList<>();
      var kv = assignment(trace, config(200, "", "{\"instances\": " + n + ", \"router\": \"kv-aware\", "
          + "\"kv_aware\": {\"overlap_weight\": 2.5, \"load_weight\": 0}}"), r);
      var oracle = assignment(trace, config(200, "", "{\"instances\": " + n + ", \"router\": \"oracle\"}"), r);
      assertEquals(oracle, kv);
      assertEquals(r.get(0).residency(), r.get(1).residency());
    }
  }

  @ParameterizedTest
  @EnumSource(RouterKind.class)
  void everyRouterIsDeterministicAndServesEveryRequestOnce(RouterKind kind) {
    String cluster = "{\"instances\": 3, \"router\": \"" + kind.wireName() + "\"}";
    List<ReplayResult> r = new ArrayList<>();
    var first = assignment(chat, config(200, "", cluster), r);
    var second = assignment(chat, config(200, "", cluster), r);
    assertEquals(first, second);
    assertSameResult(r.get(0), r.get(1));
    assertEquals(r.get(0).requests(), first.size());
    Set<Long> ids = new HashSet<>(first.keySet());
    assertEquals(300, ids.size());
    assertEquals(300, r.get(0).requests());
  }

  @ParameterizedTest
  @EnumSource(RouterKind.class)
  void perInstanceCountersAddUpToTheCluster(RouterKind kind) {
    ClusterResult c = ClusterReplay.run(rows, config(150, "", "{\"instances\": 4, \"router\": \""
        + kind.wireName() + "\"}"), List.of(), i -> List.of(), Progress.NONE);
    long requests = 0;
    long inputBlocks = 0;
    long inputHits = 0;
    long steps = 0;
    long[] hits = new long[2];
    long[] accesses = new long[2];
    for (ReplayResult r : c.instances()) {
      requests += r.requests();
      inputBlocks += r.residency().inputBlocks();
      inputHits += r.residency().inputBlockHits();
      steps += r.time().steps();
      for (int t = 0; t < 2; t++) {
        hits[t] += r.tiers().get(t).hits();
        accesses[t] += r.tiers().get(t).accesses();
      }
      assertTrue(r.time().simulatedNs() <= c.total().time().simulatedNs());
    }
    assertEquals(3000, requests);
    assertEquals(c.total().requests(), requests);
    assertEquals(c.total().residency().inputBlocks(), inputBlocks);
    assertEquals(c.total().residency().inputBlockHits(), inputHits);
    assertEquals(c.total().time().steps(), steps);
    for (int t = 0; t < 2; t++) {
      TierResult total = c.total().tiers().get(t);
      assertEquals(total.hits(), hits[t]);
      assertEquals(total.accesses(), accesses[t]);
    }
  }

  @Test
  void sessionAffinityKeepsASessionOnOneInstance() {
    Path all = disjointSessions(dir.resolve("affinity.parquet"), 7, 10, 5);
    Map<Long, Integer> where = assignment(all, config(300, "", "{\"instances\": 3, \"router\": \"session-affinity\"}"),
        new ArrayList<>());
    Map<Long, Integer> sessionInstance = new java.util.HashMap<>();
    for (var e : where.entrySet()) {
      long session = e.getKey() % 7; // request k belongs to session k mod 7
      Integer before = sessionInstance.put(session, e.getValue());
      assertTrue(before == null || before.equals(e.getValue()), "session " + session + " on two instances");
    }
  }
}
