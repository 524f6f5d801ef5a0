package io.kvflow.engine.sglang;

import io.kvflow.common.LongHashSet;
import io.kvflow.common.Progress;
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
      Rows rows = new Rows(r, b, progress);
      scheduler.run(rows);
      progress.update(rows.read, r.rowCount());
      tree.checkInvariants();
      if (tree.protectedPages() != 0 || tree.freePages() + tree.treeDevicePages() != gpu) {
        throw new IllegalStateException("after the replay " + tree.protectedPages() + " pages stay locked and "
            + (gpu - tree.freePages() - tree.treeDevicePages()) + " held by no request");
      }
      return new Outcome(rows.read, rows.blockRefs, rows.distinct.size(), scheduler.counts(host, writeBack));
    }
  }

  /** Rows of the trace handed to the scheduler one at a time, their hashes copied into one reused array. */
  private static final class Rows implements SglangScheduler.Requests {
    private final TraceReader reader;
    private final RequestBatch batch;
    private final Progress progress;
    private final long total;
    private final LongHashSet distinct = new LongHashSet(1 << 12);
    private long[] scratch = new long[256];
    private int row;
    private long read;
    private long blockRefs;

    Rows(TraceReader reader, RequestBatch batch, Progress progress) {
      this.reader = reader;
      this.batch = batch;
      this.progress = progress;
      this.total = reader.rowCount();
    }

    @Override
    public boolean pull(SglangScheduler scheduler) {
      while (row == batch.size()) {
        if (!reader.next(batch)) {
          return false;
        }
        row = 0;
      }
      int start = batch.hashStart(row);
      int n = batch.hashEnd(row) - start;
      if (scratch.length < n) {
        scratch = new long[Math.max(n, scratch.length * 2)];
      }
      for (int k = 0; k < n; k++) {
        long h = batch.hash(start + k);
        scratch[k] = h;
        distinct.add(h);
      }
      blockRefs += n;
      scheduler.enqueue(batch.requestId(row), batch.inputTokens(row), batch.outputTokens(row), scratch, 0, n);
      row++;
      if ((++read & 1023) == 0) {
        progress.update(read, total);
      }
      return true;
    }
  }
}
