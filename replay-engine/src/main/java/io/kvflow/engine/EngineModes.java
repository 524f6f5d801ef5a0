package io.kvflow.engine;

import io.kvflow.common.Progress;
import io.kvflow.engine.residency.CompressionResult;
import io.kvflow.engine.residency.ResidencyResult;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.sglang.SglangCounts;
import io.kvflow.engine.sglang.SglangObserver;
import io.kvflow.engine.sglang.SglangReplay;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.spec.TierConfig;
import io.kvflow.engine.vllm.VllmCounts;
import io.kvflow.engine.vllm.VllmObserver;
import io.kvflow.engine.vllm.VllmReplay;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine replay modes, which replace the generic expansion and tiers: their own counts, and the
 * generic result's figures derived from them (a tier's accesses are full prompt blocks looked up at
 * first admission, a partial last block included, its hits the blocks found there), so report.json keeps one shape. Listeners see
 * only {@link ReplayListener#finished}: no access events are emitted.
 */
final class EngineModes {
  private EngineModes() {}

  static ReplayResult vllm(Path trace, ReplayConfig config, List<ReplayListener> listeners, Progress progress) {
    VllmReplay.Outcome o = VllmReplay.run(trace, config, VllmObserver.NONE,
        io.kvflow.engine.vllm.KvEventSink.among(listeners), progress);
    VllmCounts c = o.counts();
    int b = c.blockTokens();
    long blockBytes = config.model().blockBytesPerLayer(b) * config.model().layers();
    long queriedBlocks = c.promptBlocks();
    long gpuHits = c.gpuHitTokens() / b;
    long cpuHits = c.cpuHitTokens() / b;
    List<TierResult> tiers = new ArrayList<>();
    TierConfig gpu = config.tiers().get(0);
    tiers.add(new TierResult(gpu.tier().name(), lower(gpu), c.capacityBlocks() * blockBytes, c.capacityBlocks(),
        blockBytes, queriedBlocks, gpuHits, queriedBlocks - gpuHits, gpuHits * blockBytes, 0, 0, 0, 0, c.evictions(), 0));
    if (config.tiers().size() > 1) {
      TierConfig cpu = config.tiers().get(1);
      long looked = queriedBlocks - gpuHits;
      tiers.add(new TierResult(cpu.tier().name(), lower(cpu), c.cpuCapacityBlocks() * blockBytes, c.cpuCapacityBlocks(),
          blockBytes, looked, cpuHits, looked - cpuHits, c.cpuLoadBlocks() * blockBytes,
          c.cpuStoreBlocks() * blockBytes, c.cpuStoreBlocks(), 0, c.cpuStoreBlocks(), c.cpuEvictions(), 0));
    }
    long unitBytes = config.model().blockBytesPerLayer(b);
    ResidencyResult residency = new ResidencyResult(tiers, unitBytes, blockBytes, 0, 0, 0, 0, c.cpuEvictions(), 0, 0,
        queriedBlocks, gpuHits + cpuHits, c.promptTokens(), c.gpuHitTokens() + c.cpuHitTokens());
    io.kvflow.trace.TraceMetadata meta = io.kvflow.trace.parquet.TraceReader.readMetadata(trace);
    ReplayResult result = new ReplayResult(
        new ReplayResult.TraceResult("requests", o.requests(), o.blockRefs(), o.distinctBlocks(), meta.prefixInfoKnown(),
            meta.prefixInfoKnown() ? meta.prefixInfo() : "unknown"),
        residency, new ReplayResult.ScheduleResult(c.preemptions(), 0), null, new CompressionResult(0, 0, 0, 0, List.of()),
        null, List.of(), c);
    for (ReplayListener l : listeners) {
      if (!(l instanceof ConservationCheck)) { // it checks access outcomes; the pool checked its own invariants
        l.finished(result);
      }
    }
    return result;
  }

  /**
   * The sglang mode. Its tier figures count tokens (a unit is one token of all layers): the first
   * tier's accesses are the prompt tokens looked up at first admission, its hits the GPU matches,
   * its evictions the tokens evicted; the host tier's accesses are the tokens the GPU did not hold,
   * its hits the tokens loaded back, its insertions the tokens written.
   */
  static ReplayResult sglang(Path trace, ReplayConfig config, List<ReplayListener> listeners, Progress progress) {
    SglangReplay.Outcome o = SglangReplay.run(trace, config, SglangObserver.NONE, progress);
    SglangCounts c = o.counts();
    long tokenBytes = config.model().kvBytesPerTokenPerLayer() * config.model().layers();
    List<TierResult> tiers = new ArrayList<>();
    TierConfig gpu = config.tiers().get(0);
    long queried = c.promptTokens();
    long gpuHits = c.deviceHitTokens();
    tiers.add(new TierResult(gpu.tier().name(), lower(gpu), c.capacityTokens() * tokenBytes, c.capacityTokens(),
        tokenBytes, queried, gpuHits, queried - gpuHits, gpuHits * tokenBytes, 0, 0, 0, 0, c.evictedTokens(), 0));
    if (config.tiers().size() > 1) {
      TierConfig host = config.tiers().get(1);
      long looked = queried - gpuHits;
      tiers.add(new TierResult(host.tier().name(), lower(host), c.hostCapacityTokens() * tokenBytes,
          c.hostCapacityTokens(), tokenBytes, looked, c.hostHitTokens(), looked - c.hostHitTokens(),
          c.hostLoadedTokens() * tokenBytes, c.hostWrittenTokens() * tokenBytes, c.hostWrittenTokens(), 0,
          c.hostWrittenTokens(), c.hostEvictedTokens(), 0));
    }
    ResidencyResult residency = new ResidencyResult(tiers, config.model().kvBytesPerTokenPerLayer(), tokenBytes, 0, 0, 0,
        0, c.hostEvictedTokens(), 0, 0, queried, c.cachedTokens(), queried, c.cachedTokens());
    io.kvflow.trace.TraceMetadata meta = io.kvflow.trace.parquet.TraceReader.readMetadata(trace);
    ReplayResult result = new ReplayResult(
        new ReplayResult.TraceResult("requests", o.requests(), o.blockRefs(), o.distinctBlocks(), meta.prefixInfoKnown(),
            meta.prefixInfoKnown() ? meta.prefixInfo() : "unknown"),
        residency, new ReplayResult.ScheduleResult(c.retractions(), 0), null, new CompressionResult(0, 0, 0, 0, List.of()),
        null, List.of(), null, c);
    for (ReplayListener l : listeners) {
      if (!(l instanceof ConservationCheck)) { // it checks access outcomes; the tree checked its own invariants
        l.finished(result);
      }
    }
    return result;
  }

  private static String lower(TierConfig t) {
    return t.tier().kind().name().toLowerCase(java.util.Locale.ROOT);
  }
}
