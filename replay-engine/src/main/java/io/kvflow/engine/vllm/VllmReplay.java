package io.kvflow.engine.vllm;

import io.kvflow.common.Progress;
import io.kvflow.engine.schedule.TraceRows;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.spec.TierConfig;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;

/**
 * Replays a requests trace in {@code "engine": "vllm"} mode: the trace's rows, in file order, go
 * through {@link VllmScheduler} over a {@link VllmBlockPool} whose capacity is the first tier's
 * (in whole blocks of the trace's block size) and whose CPU tier is the second tier, if any.
 * Streaming: one batch of rows, plus the running and waiting requests.
 */
public final class VllmReplay {
  /**
   * What the trace held and what the engine counted; {@code gpuStores} blocks were given a hash
   * (BlockStored), and at the end {@code gpuCachedAtEnd} blocks of the GPU pool and {@code cpuHeldAtEnd}
   * of the CPU tier hold one.
   */
  public record Outcome(long requests, long blockRefs, long distinctBlocks, VllmCounts counts, long gpuStores,
      long gpuCachedAtEnd, long cpuHeldAtEnd) {}

  private VllmReplay() {}

  /** The capacity in whole blocks of tier {@code index} for blocks of {@code blockTokens} tokens. */
  public static int capacityBlocks(ReplayConfig config, int index, int blockTokens) {
    TierConfig t = config.tiers().get(index);
    if (t.capacityBlocks() > 0) {
      return Math.toIntExact(t.capacityBlocks());
    }
    long blockBytes = config.model().blockBytesPerLayer(blockTokens) * config.model().layers();
    return Math.toIntExact(t.tier().capacityBytes() / blockBytes);
  }

  /** The CPU tier's store rule: {@code "hierarchy": "inclusive"} writes blocks through when computed. */
  public static CpuStoreRule storeRule(ReplayConfig config) {
    return config.hierarchy() == io.kvflow.engine.spec.Hierarchy.INCLUSIVE ? CpuStoreRule.ON_COMPUTE
        : CpuStoreRule.ON_EVICT;
  }

  public static Outcome run(Path trace, ReplayConfig config, VllmObserver observer, Progress progress) {
    return run(trace, config, observer, KvEventSink.NONE, progress);
  }

  /**
   * Replays {@code trace}, sending the KV events to {@code events} batched per step; checks that the
   * GPU blocks stored less those evicted are the blocks cached at the end.
   */
  public static Outcome run(Path trace, ReplayConfig config, VllmObserver observer, KvEventSink events,
      Progress progress) {
    try (TraceReader r = TraceReader.open(trace); RequestBatch b = r.newRequestBatch(4096)) {
      int blockTokens = r.metadata().blockTokens();
      int gpu = capacityBlocks(config, 0, blockTokens);
      int cpu = config.tiers().size() > 1 ? capacityBlocks(config, 1, blockTokens) : 0;
      VllmBlockPool pool = new VllmBlockPool(gpu, cpu, storeRule(config));
      pool.events(events);
      VllmObserver steps = events == KvEventSink.NONE ? observer : new VllmObserver() {
        @Override
        public void admitted(long requestId, int promptTokens, long gpuHitTokens, long cpuHitTokens, boolean resumed) {
          observer.admitted(requestId, promptTokens, gpuHitTokens, cpuHitTokens, resumed);
        }

        @Override
        public void stepFinished(long step, int freeBlocks) {
          observer.stepFinished(step, freeBlocks);
          events.stepFinished(step);
        }
      };
      VllmScheduler scheduler = new VllmScheduler(pool, gpu, blockTokens, config.maxBatch(), config.maxBatchedTokens(),
          steps);
      TraceRows rows = new TraceRows(r, b, progress);
      scheduler.run(rows::pull);
      progress.update(rows.read(), r.rowCount());
      pool.checkInvariants();
      VllmCounts counts = scheduler.counts(cpu);
      long cachedAtEnd = pool.cachedBlockCount();
      if (pool.gpuStores() - counts.evictions() != cachedAtEnd) {
        throw new IllegalStateException("GPU blocks stored " + pool.gpuStores() + " - evicted " + counts.evictions()
            + " != cached at the end " + cachedAtEnd);
      }
      return new Outcome(rows.read(), rows.blockRefs(), rows.distinctHashes(), counts, pool.gpuStores(), cachedAtEnd,
          pool.cpuBlocksHeld());
    }
  }
}
