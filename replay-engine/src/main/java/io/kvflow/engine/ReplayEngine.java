package io.kvflow.engine;

import io.kvflow.common.BadInputException;
import io.kvflow.common.Progress;
import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.expand.AccessSource;
import io.kvflow.engine.expand.AccessTraceSource;
import io.kvflow.engine.expand.RequestExpander;
import io.kvflow.engine.policy.NextUse;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.policy.PolicyParams;
import io.kvflow.engine.residency.ResidencyTracker;
import io.kvflow.engine.spec.Expansion;
import io.kvflow.engine.spec.Placement;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.time.TimeResult;
import io.kvflow.engine.time.TimedListener;
import io.kvflow.engine.time.TimingModel;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Replays one trace through one configuration: the source expands the trace into accesses, the
 * residency tracker counts them, listeners observe. Deterministic: same trace and config, same result.
 * One engine call per sweep point or data partition; results of partitions add up.
 */
public final class ReplayEngine {
  private ReplayEngine() {}

  public static ReplayResult run(Path trace, ReplayConfig config, List<ReplayListener> listeners, Progress progress) {
    return run(trace, config, listeners, progress, true);
  }

  /**
   * {@code readRuns} false replays every decode read as its own access (the reference the tests
   * compare the run accounting of {@link AccessFanout#reads} with); the results are the same.
   */
  static ReplayResult run(Path trace, ReplayConfig config, List<ReplayListener> listeners, Progress progress,
      boolean readRuns) {
    if (ConservationCheck.enabled()) {
      listeners = new java.util.ArrayList<>(listeners);
      listeners.add(new ConservationCheck());
    }
    if (config.cluster() != null) {
      // one engine would silently stand for the whole cluster: the cluster replay runs it
      throw io.kvflow.engine.spec.ConfigException.at("$.cluster", "a cluster is replayed by kvflow replay and compare "
          + "(io.kvflow.engine.cluster.ClusterReplay); sweeps and benchmarks replay one engine; remove $.cluster");
    }
    TraceMetadata meta = TraceReader.readMetadata(trace);
    config.checkApplies(meta.kind(), meta.blockTokens());
    if (config.engine() == io.kvflow.engine.spec.EngineKind.VLLM) {
      return EngineModes.vllm(trace, config, listeners, progress);
    }
    if (config.engine() == io.kvflow.engine.spec.EngineKind.SGLANG) {
      return EngineModes.sglang(trace, config, listeners, progress);
    }
    int blockTokens = meta.blockTokens();
    long unitBytes = config.model().blockBytesPerLayer(blockTokens);
    int layers = config.model().layers();
    long keyBytes = config.placement() == Placement.BLOCK ? unitBytes * layers : unitBytes;
    PolicyParams params = PolicyParams.DEFAULT;
    if (config.tiers().get(0).policy() == PolicyKind.OPT) {
      params = params.withNextUse(oracle(trace, meta, config));
    }
    ResidencyTracker tracker = new ResidencyTracker(config, unitBytes, keyBytes, config.model().kvBytesPerTokenPerLayer(),
        params);
    AccessSource source = source(trace, meta, config);
    TimingModel timing = null;
    if (config.timing() != null) {
      List<TimedListener> timed = new java.util.ArrayList<>();
      for (ReplayListener l : listeners) {
        if (l instanceof TimedListener t) {
          timed.add(t);
        }
      }
      timing = new TimingModel(config, unitBytes, keyBytes, meta.kind() == TraceKind.REQUESTS, timed);
      if (source instanceof RequestExpander re) {
        re.setClock(timing);
      }
    }
    AccessFanout sink = new AccessFanout(tracker, timing, listeners.toArray(new ReplayListener[0]), readRuns);
    io.kvflow.engine.sparse.SparseReadFilter sparse = null;
    io.kvflow.engine.sparse.RetainedMass retained = new io.kvflow.engine.sparse.RetainedMass();
    io.kvflow.engine.sparse.DiscardFilter discard = null;
    // accesses traces: the distance rule sets codecs on whole read groups first (ages count every
    // block of the sequence), then sparse reads or discard keep some of them
    AccessSink entry = sink;
    if (config.sparse().kind() != io.kvflow.engine.spec.SparseKind.DENSE && meta.kind() == TraceKind.ACCESSES) {
      sparse = new io.kvflow.engine.sparse.SparseReadFilter(sink, config.sparse(), blockTokens, retained);
      entry = sparse;
    } else if (config.discard().kind() != io.kvflow.engine.spec.DiscardKind.NONE && meta.kind() == TraceKind.ACCESSES) {
      discard = new io.kvflow.engine.sparse.DiscardFilter(sink, config.discard(), retained);
      entry = discard;
    }
    io.kvflow.engine.sparse.CodecRuleStage rule = null;
    if (config.codecRule() != null && meta.kind() == TraceKind.ACCESSES) {
      rule = new io.kvflow.engine.sparse.CodecRuleStage(entry, config.codecRule());
      entry = rule;
    }
    source.run(entry, progress);
    if (rule != null) {
      rule.flush();
    }
    if (sparse != null) {
      sparse.flush();
    }
    if (discard != null) {
      discard.flush();
    }
    TimeResult time = timing == null ? null : timing.finish();
    tracker.checkInvariants();
    ReplayResult.SparseResult sparseResult = null;
    if (sparse != null) {
      sparseResult = new ReplayResult.SparseResult(config.sparse().kind().name().toLowerCase(java.util.Locale.ROOT)
          .replace('_', '-'), sparse.readsIn(), sparse.readsKept(), 0, sparse.windowExceedsContext(), retained);
    } else if (discard != null) {
      sparseResult = new ReplayResult.SparseResult(config.discard().kind().name().toLowerCase(java.util.Locale.ROOT)
          .replace('_', '-'), discard.readsIn(), discard.readsKept(), discard.tokensDiscarded(),
          discard.windowExceedsContext(), retained);
    }
    ReplayResult.ScheduleResult schedule = source instanceof RequestExpander re
        ? new ReplayResult.ScheduleResult(re.preemptions(), re.waitedForMemory())
        : new ReplayResult.ScheduleResult(0, 0);
    ReplayResult result = new ReplayResult(
        ReplayResult.TraceResult.of(meta.kind().wireName(), source.stats(), meta.prefixInfoKnown(), meta.prefixInfo()), tracker.result(),
        schedule, time, tracker.compression(), sparseResult, sink.occupancy());
    for (ReplayListener l : listeners) {
      l.finished(result);
    }
    return result;
  }

  static AccessSource source(Path trace, TraceMetadata meta, ReplayConfig config) {
    if (meta.kind() == TraceKind.REQUESTS) {
      RequestExpander e = new RequestExpander(trace, config.expansion(), config.placement(), config.finished(),
          config.model().layers(), config.maxBatch());
      long blocks = batchLimits(config, meta.blockTokens()).capacityBlocks();
      e.setLimits(config.maxBatchedTokens(), blocks);
      e.setPreemption(config.preemption());
      e.setOffload(config.offload());
      return e;
    }
    return new AccessTraceSource(trace, config.placement(), config.model().layers());
  }

  /**
   * The scheduler's limits for a requests trace of {@code blockTokens}-token blocks: the batch, the
   * tokens of an iteration, and (when admission waits for memory) the blocks the first tier holds.
   */
  public static io.kvflow.engine.schedule.BatchLimits batchLimits(ReplayConfig config, int blockTokens) {
    long blocks = 0;
    if (config.waitForMemory()) {
      var first = config.tiers().get(0);
      long keyBytes = config.model().blockBytesPerLayer(blockTokens)
          * (config.placement() == Placement.BLOCK ? config.model().layers() : 1);
      long units = first.capacityBlocks() > 0 ? first.capacityBlocks() : first.tier().capacityBytes() / keyBytes;
      blocks = config.placement() == Placement.BLOCK ? units : Math.max(1, units / config.model().layers());
    }
    return new io.kvflow.engine.schedule.BatchLimits(config.maxBatch(), config.maxBatchedTokens(), blocks,
        config.preemption());
  }

  /** First pass for OPT: the key sequence of every lookup, and its next-use oracle. */
  private static NextUse oracle(Path trace, TraceMetadata meta, ReplayConfig config) {
    if (meta.kind() == TraceKind.REQUESTS && config.expansion() != Expansion.PREFIX) {
      throw new BadInputException("policy opt replays a sequence of lookups only: use \"expansion\": \"prefix\" "
          + "for a requests trace (decode appends and frees change residency outside the oracle)");
    }
    long[][] keys = {new long[1 << 16]};
    int[] n = {0};
    source(trace, meta, config).run((key, op, weight, tokens, requestId, step, layer, flags) -> {
      if (op != AccessOp.READ.code() && op != AccessOp.WRITE.code()) {
        throw new BadInputException(trace + ": policy opt needs a trace of reads and writes only; found "
            + AccessOp.ofCode(op) + " for request " + requestId);
      }
      if (n[0] == keys[0].length) {
        if (n[0] == Integer.MAX_VALUE - 8) {
          throw new BadInputException(trace + ": too many accesses for opt's oracle (2^31)");
        }
        keys[0] = Arrays.copyOf(keys[0], (int) Math.min(Integer.MAX_VALUE - 8, n[0] * 2L));
      }
      keys[0][n[0]++] = key;
    }, Progress.NONE);
    return NextUse.of(keys[0], n[0]);
  }
}
