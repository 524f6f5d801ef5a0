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
    if (ConservationCheck.enabled()) {
      listeners = new java.util.ArrayList<>(listeners);
      listeners.add(new ConservationCheck());
    }
    TraceMetadata meta = TraceReader.readMetadata(trace);
    config.checkApplies(meta.kind(), meta.blockTokens());
    if (config.engine() == io.kvflow.engine.spec.EngineKind.VLLM) {
      return EngineModes.vllm(trace, config, listeners, progress);
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
    Fanout sink = new Fanout(tracker, timing, listeners.toArray(new ReplayListener[0]));
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
      long blocks = 0;
      if (config.waitForMemory()) {
        var first = config.tiers().get(0);
        long keyBytes = config.model().blockBytesPerLayer(meta.blockTokens())
            * (config.placement() == io.kvflow.engine.spec.Placement.BLOCK ? config.model().layers() : 1);
        long units = first.capacityBlocks() > 0 ? first.capacityBlocks() : first.tier().capacityBytes() / keyBytes;
        blocks = config.placement() == io.kvflow.engine.spec.Placement.BLOCK ? units : Math.max(1, units / config.model().layers());
      }
      e.setLimits(config.maxBatchedTokens(), blocks);
      e.setPreemption(config.preemption());
      e.setOffload(config.offload());
      return e;
    }
    return new AccessTraceSource(trace, config.placement(), config.model().layers());
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

  /**
   * Hands each access to the tracker, then its outcome to the timing model and the listeners, and
   * samples tier occupancy: every {@code interval} accesses, halving the samples and doubling the
   * interval past 512 samples, so memory is bounded and the samples are deterministic.
   *
   * <p>Hot path: the timing model is called directly (one known class, inlined) and the listener
   * loop runs only when there are listeners; the next sample is a count compared, not a division.
   */
  private static final class Fanout implements AccessSink {
    private static final int MAX_SAMPLES = 512;
    private final ResidencyTracker tracker;
    private final ReplayListener[] listeners;
    private final java.util.ArrayList<long[]> samples = new java.util.ArrayList<>();
    private long interval = 1024;
    private long count;
    /** The count of the next sample: the next multiple of {@link #interval}. */
    private long nextSample = interval;

    private final TimingModel clock;

    /** {@code clock}: the timing model (null without timing), called before the listeners. */
    Fanout(ResidencyTracker tracker, TimingModel clock, ReplayListener[] listeners) {
      this.tracker = tracker;
      this.clock = clock;
      this.listeners = listeners;
    }

    @Override
    public void access(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags) {
      io.kvflow.engine.residency.AccessOutcome o = tracker.access(key, op, weight, tokens, requestId, step, layer, flags);
      if (clock != null) {
        clock.access(o);
      }
      if (listeners.length != 0) {
        observe(o);
      }
      if (++count == nextSample) {
        sample();
      }
    }

    private void observe(io.kvflow.engine.residency.AccessOutcome o) {
      for (ReplayListener l : listeners) {
        l.access(o);
      }
    }

    private void sample() {
      long[] s = new long[tracker.tierCount() + 2];
      s[0] = count;
      s[s.length - 1] = clock == null ? -1 : clock.nowNs();
      long[] occ = new long[tracker.tierCount()];
      tracker.occupancy(occ);
      System.arraycopy(occ, 0, s, 1, occ.length);
      samples.add(s);
      if (samples.size() > MAX_SAMPLES) {
        java.util.ArrayList<long[]> kept = new java.util.ArrayList<>();
        for (int i = 1; i < samples.size(); i += 2) {
          kept.add(samples.get(i));
        }
        samples.clear();
        samples.addAll(kept);
        interval *= 2;
      }
      nextSample = (count / interval + 1) * interval;
    }

    List<long[]> occupancy() {
      if (samples.isEmpty() || samples.get(samples.size() - 1)[0] != count) {
        sample();
      }
      return List.copyOf(samples);
    }

    @Override
    public void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {
      if (clock != null) {
        clock.requestStarted(requestId, arrivalNs, inputTokens, outputTokens);
      }
      for (ReplayListener l : listeners) {
        l.requestStarted(requestId, arrivalNs, inputTokens, outputTokens);
      }
    }

    @Override
    public void requestFinished(long requestId) {
      if (clock != null) {
        clock.requestFinished(requestId);
      }
      for (ReplayListener l : listeners) {
        l.requestFinished(requestId);
      }
    }

    @Override
    public void stepFinished(long iteration) {
      if (clock != null) {
        clock.stepFinished(iteration);
      }
      for (ReplayListener l : listeners) {
        l.stepFinished(iteration);
      }
    }
  }
}
