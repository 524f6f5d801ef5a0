package io.kvflow.engine.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.route.RouterKind;
import io.kvflow.engine.spec.ConfigException;
import io.kvflow.engine.time.TimedListener;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Prefill/decode disaggregation: the transfer and TTFT arithmetic worked by hand on one, two and
 * three requests; the decode instance reusing its own cache; conservation (every request prefilled
 * once, decoded once, timed once; per-instance counters adding up) and determinism on rows with
 * zero outputs and without hashes; refusals of settings that cannot apply.
 */
class DisaggregationTest {
  // llama-3-8b: 32 layers x 8 KV heads x 128 dims x (K, V) x 2 bytes = 131,072 bytes a token, so a
  // block of 16 tokens is 2,097,152 bytes and a prompt of 64 tokens (4 blocks) 8,388,608 bytes
  private static final long BLOCK_BYTES = 2_097_152;
  // the link: 1e9 bytes/s, 1,000 ns a transfer, 5,000 ns latency
  private static final String LINK = "\"link\": {\"bandwidth_bps\": 1e9, \"overhead_ns\": 1000, \"latency_ns\": 5000}";

  @TempDir
  Path dir;

  /** Rows of 16-token blocks: {id, arrivalNs, inputTokens, outputTokens, hash seed, shared blocks with seed 0}. */
  private Path trace(String name, long[]... rows) {
    Path out = dir.resolve(name);
    try (RequestTraceWriter w = RequestTraceWriter.open(out, TraceMetadata.of(TraceKind.REQUESTS, 16, "pd test"))) {
      for (long[] r : rows) {
        int n = (int) ((r[2] + 15) / 16);
        long[] hashes = new long[n];
        long h = 0;
        for (int k = 0; k < n; k++) {
          h = Hashing.chain(h, k < r[5] ? k : r[4] * 1000 + k);
          hashes[k] = h;
        }
        w.append(r[0], r[1], null, false, 0, (int) r[2], (int) r[3], hashes, 0, n);
      }
      w.commit();
    }
    return out;
  }

  private static String pd(int prefill, int decode, String router) {
    return "{\"instances\": " + (prefill + decode) + ", \"router\": \"" + router + "\", \"disaggregation\": "
        + "{\"prefill_instances\": " + prefill + ", \"decode_instances\": " + decode + ", " + LINK + "}}";
  }

  /** Each instance's request times ({id, queue, ttft, tpot, e2e}) and step times ({start, step}). */
  static final class Times implements ReplayListener, TimedListener {
    final List<long[]> requests = new ArrayList<>();
    final List<long[]> steps = new ArrayList<>();

    @Override
    public void requestTimed(long requestId, long queueNs, long ttftNs, long tpotNs, long e2eNs) {
      requests.add(new long[] {requestId, queueNs, ttftNs, tpotNs, e2eNs});
    }

    @Override
    public void stepTimed(long step, long startNs, long stepNs, long stallNs, long computeNs) {
      steps.add(new long[] {startNs, stepNs});
    }
  }

  private ClusterResult run(Path trace, String cluster, List<Times> times) {
    return ClusterReplay.run(trace, ClusterReplayTest.config(1000, "", cluster), List.of(), i -> {
      Times t = new Times();
      times.add(t);
      return List.of(t);
    }, Progress.NONE);
  }

  @Test
  void oneRequestPaysItsPrefillTheTransferAndOneDecodeStep() {
    List<Times> times = new ArrayList<>();
    ClusterResult c = run(trace("one.parquet", new long[] {7, 0, 64, 3, 1, 0}), pd(1, 1, "round-robin"), times);
    assertEquals(BLOCK_BYTES, c.requests().transferBytes(0) / 4);
    // 4 blocks: busy 1,000 + 8,388,608 bytes / 1e9 B/s = 8,389,608 ns, landing 5,000 ns later
    assertEquals(4, c.requests().transferBlocks(0));
    assertEquals(8_394_608, c.requests().transferNs(0));
    long prefillEnd = times.get(0).requests.get(0)[4]; // arrival 0 + its end-to-end time on the prefill instance
    assertTrue(prefillEnd > 0);
    // the decode instance idles until the KV lands, then admits it: its first step gives the first token
    long[] firstDecodeStep = times.get(1).steps.get(0);
    assertEquals(prefillEnd + 8_394_608, firstDecodeStep[0]);
    long[] decoded = times.get(1).requests.get(0);
    assertEquals(prefillEnd + 8_394_608 + firstDecodeStep[1], decoded[2]);
    assertEquals(decoded[2], c.requests().ttftNs(0));
    assertEquals(3, times.get(1).steps.size()); // 3 output tokens, all on the decode instance
    // the prompt is computed once, on the prefill instance; the decode instance computes none of it
    assertEquals(4, c.instances().get(0).residency().inputBlocks());
    assertEquals(0, c.instances().get(1).residency().inputBlocks());
    assertEquals(new TransferTotals(1, 1, 1, 4, 4 * BLOCK_BYTES, 0, 8_389_608, 8_394_608, 8_394_608), c.transfers());
  }

  @Test
  void theDecodeInstanceReusesTheBlocksItHolds() {
    // B shares A's 4 blocks and adds one: only that one crosses the link
    ClusterResult c = run(trace("reuse.parquet", new long[] {1, 0, 64, 2, 1, 4},
        new long[] {2, 1_000_000_000L, 80, 2, 2, 4}), pd(1, 1, "round-robin"), new ArrayList<>());
    assertEquals(1, c.requests().transferBlocks(1));
    assertEquals(1_000 + 2_097_152 + 5_000, c.requests().transferNs(1));
    assertEquals(4, c.transfers().reusedBlocks());
    assertEquals(5 * BLOCK_BYTES, c.transfers().bytes());
  }

  @Test
  void transfersIntoOneDecodeInstanceQueue() {
    // two equal prompts prefilled side by side end together; the second transfer waits for the first
    List<Times> times = new ArrayList<>();
    ClusterResult c = run(trace("queue.parquet", new long[] {1, 0, 64, 1, 1, 0}, new long[] {2, 0, 64, 1, 2, 0}),
        pd(2, 1, "round-robin"), times);
    assertEquals(times.get(0).requests.get(0)[4], times.get(1).requests.get(0)[4]);
    assertEquals(8_394_608, c.requests().transferNs(0));
    assertEquals(2 * 8_389_608 + 5_000, c.requests().transferNs(1));
    assertEquals(0, c.requests().instance(0));
    assertEquals(1, c.requests().instance(1));
    assertEquals(2, c.requests().decodeInstance(1));
  }

  @ParameterizedTest
  @EnumSource(RouterKind.class)
  void everyRequestIsPrefilledOnceAndDecodedOnce(RouterKind kind) {
    String cluster = "{\"instances\": 4, \"router\": \"" + kind.wireName() + "\", \"disaggregation\": "
        + "{\"prefill_instances\": 2, \"decode_instances\": 2, \"decode_router\": \"" + kind.wireName() + "\", "
        + LINK + "}}";
    Path rows = ClusterReplayTest.randomRows(dir.resolve("rows.parquet"), 3000, 11);
    ClusterResult c = run(rows, cluster, new ArrayList<>());
    ClusterResult again = run(rows, cluster, new ArrayList<>());
    ClusterReplayTest.assertSameResult(c.total(), again.total());
    long prefilled = 0;
    long decoded = 0;
    long inputBlocks = 0;
    long steps = 0;
    for (int i = 0; i < 4; i++) {
      ReplayResult r = c.instances().get(i);
      if (i < 2) {
        prefilled += r.requests();
      } else {
        decoded += r.requests();
        assertEquals(0, r.residency().inputBlocks());
      }
      inputBlocks += r.residency().inputBlocks();
      steps += r.time().steps();
    }
    assertEquals(3000, prefilled);
    assertEquals(3000, decoded);
    assertEquals(c.total().residency().inputBlocks(), inputBlocks);
    assertEquals(c.total().time().steps(), steps);
    long blocks = 0;
    long transferNs = 0;
    for (int k = 0; k < c.requests().size(); k++) {
      assertEquals(again.requests().decodeInstance(k), c.requests().decodeInstance(k));
      assertEquals(again.requests().ttftNs(k), c.requests().ttftNs(k));
      assertTrue(c.requests().instance(k) < 2 && c.requests().decodeInstance(k) >= 2);
      assertTrue(c.requests().transferNs(k) >= 0 && c.requests().ttftNs(k) >= c.requests().transferNs(k));
      blocks += c.requests().transferBlocks(k);
      transferNs += c.requests().transferNs(k);
    }
    assertEquals(3000, c.requests().size());
    assertEquals(c.transfers().blocks(), blocks);
    assertEquals(c.transfers().transferNs(), transferNs);
    assertEquals(c.transfers().bytes(), blocks * c.requests().transferBytes(0) / Math.max(1,
        c.requests().transferBlocks(0)));
  }

  @Test
  void settingsThatCannotApplyAreRefused() {
    String e = assertThrows(ConfigException.class, () -> ClusterReplayTest.config(100, "", "{\"instances\": 3, "
        + "\"disaggregation\": {\"prefill_instances\": 1, \"decode_instances\": 1, " + LINK + "}}")).getMessage();
    assertTrue(e.contains("$.cluster.disaggregation.decode_instances"), e);
    e = assertThrows(ConfigException.class, () -> ClusterReplayTest.config(100, "", "{\"instances\": 2, "
        + "\"disaggregation\": {\"prefill_instances\": 1, \"decode_instances\": 1}}")).getMessage();
    assertTrue(e.contains("$.cluster.disaggregation.link"), e);
    e = assertThrows(ConfigException.class, () -> ClusterReplayTest.config(100, "", "{\"instances\": 2, "
        + "\"disaggregation\": {\"prefill_instances\": 1, \"decode_instances\": 1, \"link\": {\"bandwidth_bps\": 0}}}"))
        .getMessage();
    assertTrue(e.contains("$.cluster.disaggregation.link.bandwidth_bps"), e);
    e = assertThrows(ConfigException.class, () -> ClusterReplayTest.config(100, "", "{\"instances\": 2, "
        + "\"router\": \"round-robin\", \"kv_aware\": {\"load_weight\": 0}, \"disaggregation\": "
        + "{\"prefill_instances\": 1, \"decode_instances\": 1, " + LINK + "}}")).getMessage();
    assertTrue(e.contains("$.cluster.kv_aware"), e);
    e = assertThrows(ConfigException.class, () -> ClusterReplayTest.config(100, "", "{\"instances\": 2, "
        + "\"disaggregation\": {\"prefill_instances\": 1, \"decode_instances\": 1, \"link\": \"nvlink-h20\"}}"))
        .getMessage();
    assertTrue(e.contains("$.cluster.disaggregation.link") && e.contains("nvlink-h200"), e);
    // the decode pool's router may be the kv-aware one
    ClusterReplayTest.config(100, "", "{\"instances\": 2, \"router\": \"round-robin\", \"kv_aware\": "
        + "{\"load_weight\": 0}, \"disaggregation\": {\"prefill_instances\": 1, \"decode_instances\": 1, "
        + "\"decode_router\": \"kv-aware\", " + LINK + "}}");
  }

  @Test
  void theMeasuredLinkPresetGivesItsFigures() {
    var link = ClusterReplayTest.config(100, "", "{\"instances\": 2, \"disaggregation\": {\"prefill_instances\": 1, "
        + "\"decode_instances\": 1, \"link\": \"nvlink-h200\"}}").cluster().disaggregation().link();
    // benchmarks/gpu/results/h200x2-pd-transfer.json: 429 us + bytes / 228 GB/s; 1 GiB (8,192 tokens) took 5,039 us
    assertEquals(228e9, link.bandwidthBps());
    assertEquals(429_000, link.overheadNs());
    assertEquals(0, link.latencyNs());
    double ms = link.busyNs(1L << 30) / 1e6;
    assertTrue(Math.abs(ms - 5.039) / 5.039 < 0.02, ms + " ms for 1 GiB");
  }
}
