package io.kvflow.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.residency.AccessOutcome;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.time.TimedListener;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run accounting of decode reads ({@link AccessFanout#reads}: a run of first-tier hits probed,
 * touched and counted together, weighted by the layers) against the reference, one access per read
 * ({@code readRuns} false), on random requests traces and random configurations: 1-3 tiers of every
 * online policy, tiny to roomy capacities, both hierarchies, admission rules, codecs, whole-block
 * and block-layer placement, offload ranges, free or cached finished requests, batch and token
 * limits, waits for memory, every preemption mode, with and without timing and every prefetch
 * policy. Equal means: the same result (every total, the timing, the occupancy samples) and the
 * same listener calls in the same order, every field of every outcome included.
 */
class ReadRunsTest {
  static final int CASES = Integer.getInteger("kvflow.readruns.cases", 120);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void runAccountingEqualsOneAccessPerRead() {
    int compared = 0;
    int withTimingAndRuns = 0;
    for (long seed = 1; seed <= CASES; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      int blockTokens = new int[] {4, 8, 16}[rnd.nextInt(3)];
      Path trace = dir.resolve("t" + seed + ".parquet");
      randomRows(trace, 60 + rnd.nextInt(240), blockTokens, rnd);
      String json = randomConfig(rnd, blockTokens);
      ReplayConfig config;
      try {
        config = ConfigLoader.fromJson("case " + seed, JSON.readTree(json)).config();
      } catch (io.kvflow.common.BadInputException e) {
        continue; // a combination the rules refuse: nothing to compare
      } catch (java.io.IOException e) {
        throw new IllegalStateException(json, e);
      }
      Recorder fast = new Recorder();
      Recorder reference = new Recorder();
      ReplayResult a;
      ReplayResult b;
      try {
        a = ReplayEngine.run(trace, config, List.of(fast), Progress.NONE, true);
      } catch (io.kvflow.common.BadInputException e) {
        continue; // refused for this trace (checkApplies): nothing to compare
      }
      b = ReplayEngine.run(trace, config, List.of(reference), Progress.NONE, false);
      String where = "seed " + seed + ", config " + json;
      assertSame(b, a, where);
      assertEquals(reference.calls, fast.calls, where);
      assertEquals(reference.hash, fast.hash, where);
      compared++;
      if (a.time() != null && config.placement() == io.kvflow.engine.spec.Placement.BLOCK
          && a.residency().tiers().get(0).hits() > 0) {
        withTimingAndRuns++;
      }
    }
    assertTrue(compared >= CASES / 2, "only " + compared + " of " + CASES + " random configurations ran");
    assertTrue(withTimingAndRuns >= CASES / 5, "only " + withTimingAndRuns + " timed whole-block cases with hits");
  }

  static void assertSame(ReplayResult expected, ReplayResult actual, String where) {
    assertEquals(expected.trace(), actual.trace(), where);
    assertEquals(expected.residency(), actual.residency(), where);
    assertEquals(expected.schedule(), actual.schedule(), where);
    assertEquals(expected.time(), actual.time(), where);
    assertEquals(expected.compression(), actual.compression(), where);
    assertEquals(expected.occupancy().size(), actual.occupancy().size(), where);
    for (int i = 0; i < expected.occupancy().size(); i++) {
      assertArrayEquals(expected.occupancy().get(i), actual.occupancy().get(i), where + ", occupancy sample " + i);
    }
  }

  /** Every listener call folded into a hash, in order, every outcome field included. */
  static final class Recorder implements ReplayListener, TimedListener {
    long calls;
    long hash = 17;

    private void mix(long v) {
      hash = Hashing.chain(hash, v);
    }

    @Override
    public void access(AccessOutcome o) {
      calls++;
      mix(1);
      long[] fields = {o.key, o.op, o.weight, o.tokens, o.requestId, o.step, o.layer, o.flags, o.foundTier,
          o.promoted ? 1 : 0, o.bypassed ? 1 : 0, o.created ? 1 : 0, o.demotions, o.dropped, o.movedFrom,
          o.movedBytes, o.decompressNs, o.computeReadBytes, o.stagedBytes, o.sourceBytes,
          o.movedCodec == null ? -1 : o.movedCodec.kind().ordinal()};
      for (long f : fields) {
        mix(f);
      }
      for (long[] a : new long[][] {o.hits, o.misses, o.bytesRead, o.bytesWritten, o.unitsWritten, o.bytesAppended}) {
        for (long v : a) {
          mix(v);
        }
      }
    }

    @Override
    public void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {
      calls++;
      mix(2);
      mix(requestId);
      mix(arrivalNs);
    }

    @Override
    public void requestFinished(long requestId) {
      calls++;
      mix(3);
      mix(requestId);
    }

    @Override
    public void stepFinished(long iteration) {
      calls++;
      mix(4);
      mix(iteration);
    }

    @Override
    public void stepTimed(long step, long startNs, long stepNs, long stallNs, long computeNs) {
      calls++;
      for (long v : new long[] {5, step, startNs, stepNs, stallNs, computeNs}) {
        mix(v);
      }
    }

    @Override
    public void requestTimed(long requestId, long queueNs, long ttftNs, long tpotNs, long e2eNs) {
      calls++;
      for (long v : new long[] {6, requestId, queueNs, ttftNs, tpotNs, e2eNs}) {
        mix(v);
      }
    }

    @Override
    public void transferTimed(int link, long latencyNs) {
      calls++;
      mix(7);
      mix(link);
      mix(latencyNs);
    }
  }

  /** Rows sharing prefixes (and some without hashes), bursts of arrivals, outputs of 0 to 40 tokens. */
  static void randomRows(Path out, int rows, int blockTokens, SplittableRandom rnd) {
    long[] hashes = new long[256];
    try (RequestTraceWriter w = RequestTraceWriter.open(out, TraceMetadata.of(TraceKind.REQUESTS, blockTokens,
        "read runs test"))) {
      long arrival = 0;
      int prefixes = 1 + rnd.nextInt(6);
      for (int i = 0; i < rows; i++) {
        arrival += rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(5_000_000);
        int input = 1 + rnd.nextInt(rnd.nextBoolean() ? 40 : 12 * blockTokens);
        int output = rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(41);
        int n = (input + blockTokens - 1) / blockTokens;
        long h = rnd.nextInt(prefixes);
        int shared = rnd.nextInt(n + 1);
        for (int k = 0; k < n; k++) {
          h = Hashing.chain(h, k < shared ? k : 1000L * i + k);
          hashes[k] = h;
        }
        w.append(i * 3L + 1, arrival, null, false, 0, input, output, hashes, 0, rnd.nextInt(6) == 0 ? 0 : n);
      }
      w.commit();
    }
  }

  static String randomConfig(SplittableRandom rnd, int blockTokens) {
    String[] kinds = {"hbm", "cxl", "dram"};
    String[] codecs = {"fp8", "int8", "int4"};
    PolicyKind[] online = Arrays.stream(PolicyKind.values()).filter(k -> !k.offline()).toArray(PolicyKind[]::new);
    boolean timed = rnd.nextInt(4) != 0;
    StringBuilder j = new StringBuilder("{\"model\": \"").append(rnd.nextBoolean() ? "llama-3-8b" : "kvflow-small")
        .append("\"");
    if (timed) {
      j.append(", \"hardware\": \"").append(rnd.nextBoolean() ? "h100-sxm" : "h200").append("\"");
      String[] prefetch = {"none", "layer-ahead", "request-ahead", "reuse-predicted"};
      j.append(", \"prefetch\": {\"policy\": \"").append(prefetch[rnd.nextInt(prefetch.length)])
          .append("\", \"depth\": ").append(1 + rnd.nextInt(3)).append("}");
    }
    int tiers = 1 + rnd.nextInt(3);
    j.append(", \"tiers\": [");
    for (int t = 0; t < tiers; t++) {
      int capacity = t == 0 ? 2 + rnd.nextInt(rnd.nextBoolean() ? 16 : 200) : 4 + rnd.nextInt(400);
      PolicyKind policy = rnd.nextInt(3) == 0 ? online[rnd.nextInt(online.length)] : PolicyKind.LRU;
      j.append(t == 0 ? "" : ", ").append("{\"name\": \"").append(kinds[t]).append("\", \"kind\": \"")
          .append(kinds[t]).append("\", \"capacity_blocks\": ").append(capacity).append(", \"policy\": \"")
          .append(policy.jsonName()).append("\", \"read_bandwidth_bps\": ").append(t == 0 ? "3.0e12" : "5.0e10")
          .append(", \"latency_ns\": ").append(t == 0 ? 300 : 1800);
      if (rnd.nextInt(8) == 0) {
        j.append(", \"admission\": ").append(rnd.nextBoolean() ? "\"never\"" : "{\"after\": " + (1 + rnd.nextInt(3))
            + "}");
      }
      if (rnd.nextInt(6) == 0) {
        j.append(", \"codec\": \"").append(codecs[rnd.nextInt(codecs.length)]).append("\"");
      }
      j.append("}");
    }
    j.append("]");
    j.append(", \"hierarchy\": \"").append(rnd.nextBoolean() ? "exclusive" : "inclusive").append("\"");
    j.append(", \"placement\": \"").append(rnd.nextInt(5) == 0 ? "block-layer" : "block").append("\"");
    j.append(", \"finished_requests\": \"").append(rnd.nextBoolean() ? "free" : "cache").append("\"");
    j.append(", \"expansion\": \"full\", \"max_batch\": ").append(1 + rnd.nextInt(16));
    if (rnd.nextBoolean()) {
      j.append(", \"max_batched_tokens\": ").append(blockTokens * (8 + rnd.nextInt(64)));
    }
    if (rnd.nextInt(3) == 0) {
      j.append(", \"wait_for_memory\": true");
    }
    j.append(", \"preemption\": \"").append(new String[] {"none", "recompute", "swap"}[rnd.nextInt(3)]).append("\"");
    if (tiers > 1 && rnd.nextInt(6) == 0) {
      j.append(", \"offload\": {\"tier\": \"").append(kinds[1]).append("\", \"oldest_fraction\": 0.5}");
    }
    return j.append("}").toString();
  }
}
