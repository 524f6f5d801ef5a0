package io.kvflow.engine.sglang;

import io.kvflow.common.Progress;
import io.kvflow.engine.schedule.TraceRows;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.spec.SglangSpec;
import io.kvflow.engine.spec.TierConfig;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;

/**
 * Replays a requests trace in {@code "engine": "sglang"} mode: the trace's rows, in file order, go
 * through {@link SglangScheduler} over a {@link RadixTree} whose GPU pool is the first tier's
 * capacity (in whole pages of the config's page size) and whose HiCache host tier is the second
 * tier, if any. Streaming: one batch of rows, plus the running and waiting requests.
 */
public final class SglangReplay {
  /** What the trace held and what the engine counted. */
  public record Outcome(long requests, long blockRefs, long distinctBlocks, SglangCounts counts) {}

  private SglangReplay() {}

  /**
   * Tier {@code index}'s capacity in whole pages: its blocks of {@code blockTokens} tokens, or its
   * bytes over a token's bytes in all layers, over the page.
   */
  public static int capacityPages(ReplayConfig config, int index, int blockTokens) {
    TierConfig t = config.tiers().get(index);
    long tokens = t.capacityBlocks() > 0 ? t.capacityBlocks() * blockTokens
        : t.tier().capacityBytes() / (config.model().kvBytesPerTokenPerLayer() * config.model().layers());
    long pages = tokens / config.sglangSpec().pageTokens();
    if (pages > Integer.MAX_VALUE) {
      throw io.kvflow.engine.spec.ConfigException.at("$.tiers[" + index + "]", "holds " + pages + " pages of "
          + config.sglangSpec().pageTokens() + " tokens; the sglang mode counts at most " + Integer.MAX_VALUE
          + "; give a smaller capacity or a larger page_size");
    }
    return (int) pages;
  }

  public static Outcome run(Path trace, ReplayConfig config, SglangObserver observer, Progress progress) {
    try (TraceReader r = TraceReader.open(trace); RequestBatch b = r.newRequestBatch(4096)) {
      int blockTokens = r.metadata().blockTokens();
      SglangSpec spec = config.sglangSpec();
      int gpu = capacityPages(config, 0, blockTokens);
      int host = config.tiers().size() > 1 ? capacityPages(config, 1, blockTokens) : 0;
      if (gpu < 1) {
        throw io.kvflow.engine.spec.ConfigException.at("$.tiers[0]", "holds less than one page of "
            + spec.pageTokens() + " tokens; give a larger capacity or a smaller page_size");
      }
      boolean writeBack = spec.writePolicy() == SglangSpec.WritePolicy.WRITE_BACK;
      RadixTree tree = new RadixTree(spec.pageTokens(), gpu, host, writeBack);
      SglangScheduler scheduler = new SglangScheduler(tree, gpu, spec.pageTokens(), blockTokens, config.maxBatch(),
          config.maxBatchedTokens(), observer);
      TraceRows rows = new TraceRows(r, b, progress);
      scheduler.run(rows::pull);
      progress.update(rows.read(), r.rowCount());
      tree.checkInvariants();
      if (tree.protectedPages() != 0 || tree.freePages() + tree.treeDevicePages() != gpu) {
        throw new IllegalStateException("after the replay " + tree.protectedPages() + " pages stay locked and "
            + (gpu - tree.freePages() - tree.treeDevicePages()) + " held by no request");
      }
      return new Outcome(rows.read(), rows.blockRefs(), rows.distinctHashes(), scheduler.counts(host, writeBack));
    }
  }
}
