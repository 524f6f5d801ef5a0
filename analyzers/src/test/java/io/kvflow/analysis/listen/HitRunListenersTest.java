package io.kvflow.analysis.listen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvflow.common.Progress;
import io.kvflow.engine.ReplayEngine;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.residency.AccessOutcome;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.time.TimedListener;
import io.kvflow.trace.generate.Params;
import io.kvflow.trace.generate.Workload;
import io.kvflow.trace.generate.WorkloadGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The listeners that take a run of first-tier hits at once ({@link ReplayListener#firstTierHits})
 * against themselves fed one access at a time: the same replay, once with the listener attached and
 * once behind a forwarder that only has the per-access methods (so the runs reach it through the
 * default, one outcome per hit). The CSV exports must be byte-identical and the SHARDS curve equal
 * at every size, on a chat trace at first-tier capacities from thrashing to roomy.
 */
class HitRunListenersTest {
  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(ints = {8, 40, 200, 4000})
  void runsGiveWhatOneAccessAtATimeGives(int hbmBlocks) throws Exception {
    Path trace = dir.resolve("chat.parquet");
    if (!Files.exists(trace)) {
      WorkloadGenerator g = Workload.CHAT.create();
      g.generate(new Params("chat", g.params(), Map.of("requests", "300", "sessions", "24",
          "system-prompt-tokens", "128", "user-tokens", "40", "output-tokens", "30", "max-context", "1024",
          "rate", "100", "seed", "3")), trace, Progress.NONE);
    }
    ReplayConfig c = config(hbmBlocks);
    Path runs = dir.resolve("runs-" + hbmBlocks);
    Path single = dir.resolve("single-" + hbmBlocks);
    Files.createDirectories(runs);
    Files.createDirectories(single);
    ShardsMrcListener mrcRuns = new ShardsMrcListener(c.seed());
    ShardsMrcListener mrcSingle = new ShardsMrcListener(c.seed());
    ReplayResult a;
    ReplayResult b;
    try (ResultExport exportRuns = new ResultExport(runs, true, true);
        ResultExport exportSingle = new ResultExport(single, true, true)) {
      a = ReplayEngine.run(trace, c, List.of(mrcRuns, exportRuns, new OverflowGuard("runs")), Progress.NONE);
      b = ReplayEngine.run(trace, c, List.of(perAccess(mrcSingle), perAccess(exportSingle)), Progress.NONE);
    }
    assertEquals(b.residency(), a.residency());
    assertTrue(a.residency().tiers().get(0).hits() > 0, "no first-tier hits: the runs were not exercised");
    for (String f : new String[] {"steps.csv", "requests.csv"}) {
      assertArrayEquals(Files.readAllBytes(single.resolve(f)), Files.readAllBytes(runs.resolve(f)), f);
    }
    assertEquals(mrcSingle.references(), mrcRuns.references());
    assertEquals(mrcSingle.rate(), mrcRuns.rate());
    for (long size = 1; size <= 1 << 16; size *= 2) {
      assertEquals(mrcSingle.curve().missRatio(size), mrcRuns.curve().missRatio(size), "size " + size);
    }
  }

  /** {@code l} behind the per-access methods only: runs reach it as one {@link ReplayListener#access} per hit. */
  static ReplayListener perAccess(ReplayListener l) {
    return new Forwarder(l);
  }

  private static final class Forwarder implements ReplayListener, TimedListener {
    private final ReplayListener l;

    Forwarder(ReplayListener l) {
      this.l = l;
    }

    @Override
    public void access(AccessOutcome o) {
      l.access(o);
    }

    @Override
    public void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {
      l.requestStarted(requestId, arrivalNs, inputTokens, outputTokens);
    }

    @Override
    public void requestFinished(long requestId) {
      l.requestFinished(requestId);
    }

    @Override
    public void stepFinished(long iteration) {
      l.stepFinished(iteration);
    }

    @Override
    public void finished(ReplayResult result) {
      l.finished(result);
    }

    @Override
    public void stepTimed(long step, long startNs, long stepNs, long stallNs, long computeNs) {
      if (l instanceof TimedListener t) {
        t.stepTimed(step, startNs, stepNs, stallNs, computeNs);
      }
    }

    @Override
    public void requestTimed(long requestId, long queueNs, long ttftNs, long tpotNs, long e2eNs) {
      if (l instanceof TimedListener t) {
        t.requestTimed(requestId, queueNs, ttftNs, tpotNs, e2eNs);
      }
    }

    @Override
    public void transferTimed(int link, long latencyNs) {
      if (l instanceof TimedListener t) {
        t.transferTimed(link, latencyNs);
      }
    }
  }

  static ReplayConfig config(int hbmBlocks) throws Exception {
    String json = "{\"model\": \"llama-3-8b\", \"hardware\": \"h100-sxm\", \"tiers\": ["
        + "{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": " + hbmBlocks + ", \"policy\": \"lru\","
        + " \"read_bandwidth_bps\": 3.0486e12, \"latency_ns\": 300},"
        + "{\"name\": \"dram\", \"kind\": \"dram\", \"capacity_blocks\": 100000, \"policy\": \"lru\","
        + " \"read_bandwidth_bps\": 5.46e10, \"latency_ns\": 1800}],"
        + " \"hierarchy\": \"exclusive\", \"placement\": \"block\", \"expansion\": \"full\", \"max_batch\": 16,"
        + " \"prefetch\": {\"policy\": \"layer-ahead\", \"depth\": 1}}";
    return ConfigLoader.fromJson("test", new ObjectMapper().readTree(json)).config();
  }
}
