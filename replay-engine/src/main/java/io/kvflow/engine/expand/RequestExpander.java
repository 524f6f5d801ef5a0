package io.kvflow.engine.expand;

import io.kvflow.common.Progress;
import io.kvflow.engine.schedule.BatchLimits;
import io.kvflow.engine.schedule.BatchScheduler;
import io.kvflow.engine.spec.Expansion;
import io.kvflow.engine.spec.FinishedRequests;
import io.kvflow.engine.spec.Placement;
import io.kvflow.engine.spec.Preemption;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;

/**
 * Expands a requests trace into block accesses, streaming (memory: one batch of rows plus the
 * running and paused requests' block lists).
 *
 * <p>PREFIX: each request's input blocks, one READ each, requests in file order; no batch.
 *
 * <p>FULL: a {@link BatchScheduler} decides which requests run each iteration (admission in file
 * order up to {@code maxBatch}, token and memory limits, arrival times on a clock, preemption and
 * resumption) and a {@link BlockExpander} turns each decision into accesses (prefill WRITEs,
 * per-iteration decode READs and APPENDs, FREEs). Their class comments give the rules.
 */
public final class RequestExpander implements AccessSource {
  private final Path file;
  private final Expansion expansion;
  private final Placement placement;
  private final FinishedRequests finished;
  private final int layers;
  private final int maxBatch;
  private final TraceStats stats = new TraceStats();
  private AdmissionClock clock;
  private long maxBatchedTokens;
  private long capacityBlocks;
  private Preemption preemption = Preemption.NONE;
  private long preemptions;
  private long waitedForMemory;

  public RequestExpander(Path file, Expansion expansion, Placement placement, FinishedRequests finished, int layers,
      int maxBatch) {
    this.file = file;
    this.expansion = expansion;
    this.placement = placement;
    this.finished = finished;
    this.layers = layers;
    this.maxBatch = maxBatch;
  }

  /** What the scheduler does when the running batch outgrows the first tier. */
  /** Keeps a token range of every sequence in a lower tier ({@code $.offload}). */
  public void setOffload(io.kvflow.engine.spec.OffloadSpec o) {
    this.offload = o;
  }

  private io.kvflow.engine.spec.OffloadSpec offload = io.kvflow.engine.spec.OffloadSpec.NONE;

  public void setPreemption(Preemption p) {
    this.preemption = p;
  }

  /**
   * Scheduler limits: at most {@code tokens} tokens processed per iteration (prefill input plus one
   * per decoding request; 0 = no limit), and admission waits while the running batch's blocks plus
   * the newcomer's (and one block of growth per request) would not fit {@code blocks} blocks of the
   * compute tier (0 = no limit). A request too large to fit alone is admitted when nothing runs.
   */
  public void setLimits(long tokens, long blocks) {
    this.maxBatchedTokens = tokens;
    this.capacityBlocks = blocks;
  }

  /** With a clock, requests join the batch only once the simulated time has reached their arrival. */
  public void setClock(AdmissionClock c) {
    this.clock = c;
  }

  /** Requests stopped because the running batch outgrew the first tier (after {@link #run}). */
  public long preemptions() {
    return preemptions;
  }

  /** Admissions that waited because the compute tier could not hold the batch's working set (after {@link #run}). */
  public long waitedForMemory() {
    return waitedForMemory;
  }

  @Override
  public TraceStats stats() {
    return stats;
  }

  @Override
  public void run(AccessSink sink, Progress progress) {
    try (TraceReader r = TraceReader.open(file); RequestBatch b = r.newRequestBatch(4096)) {
      long total = r.rowCount();
      BlockExpander expander = new BlockExpander(sink, placement, finished, layers, r.metadata().blockTokens(), stats,
          progress, total);
      expander.setOffload(offload);
      if (expansion == Expansion.PREFIX) {
        while (r.next(b)) {
          for (int row = 0; row < b.size(); row++) {
            expander.referenceInputBlocks(b, row);
            if ((stats.rows & 1023) == 0) {
              progress.update(stats.rows, total);
            }
          }
        }
      } else {
        BatchScheduler scheduler = new BatchScheduler(
            new BatchLimits(maxBatch, maxBatchedTokens, capacityBlocks, preemption), r.metadata().blockTokens(),
            expander);
        scheduler.setClock(clock);
        scheduler.run(r::next, b);
        preemptions = scheduler.preemptions();
        waitedForMemory = scheduler.waitedForMemory();
      }
      progress.update(stats.rows, total);
    }
  }
}
