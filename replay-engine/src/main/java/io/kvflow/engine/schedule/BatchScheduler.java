package io.kvflow.engine.schedule;

import io.kvflow.engine.spec.Preemption;
import io.kvflow.trace.batch.RequestBatch;
import java.util.Arrays;

/**
 * Iteration-level (continuous) batching of a requests trace, as vLLM schedules: it decides which
 * requests run in each iteration and tells a {@link DecisionSink} what to emit. It owns the running
 * batch and the paused requests; it never sees a block key.
 *
 * <p>Each iteration, in this order:
 * <ol>
 *   <li><b>Resumption.</b> Paused requests rejoin first, oldest preemption first, while the batch
 *       has a free slot and (when something runs) the first tier holds the running blocks, the
 *       resumed request's blocks and one block of growth per running request plus one. New requests
 *       wait while any request is paused.
 *   <li><b>Admission.</b> Requests join in file order while the batch has a free slot. With a
 *       clock, a request that has not arrived yet waits if something runs; if nothing runs the
 *       clock idles forward to its arrival. When something runs, a request also waits if the
 *       iteration's tokens would pass {@code maxBatchedTokens} (one for each request running when
 *       the iteration began, the context of each request resumed by recompute, the input of each
 *       request admitted), or if its input blocks would not fit (as above; counted in
 *       {@link #waitedForMemory()}, once per iteration it waits). A request that is alone always joins,
 *       however large. A request with no output tokens finishes as soon as it has joined.
 *   <li><b>Decoding.</b> Every running request decodes one token, in batch order; a new block
 *       starts every {@code blockTokens} tokens. Requests that produced their last token then
 *       finish, from the end of the batch backwards; the last request of the batch moves into a
 *       finished one's place.
 *   <li><b>Preemption</b> (not under {@code NONE}, and only with a capacity). While more than one
 *       request runs and the running blocks plus one block of growth per running request exceed
 *       the capacity, the most recently admitted request stops (vLLM's rule) and joins the back of
 *       the paused queue; the last request of the batch takes its place. Its blocks no longer count
 *       against the capacity; the receiver decides what recompute and swap do to them. A resumed
 *       request keeps its original admission rank.
 * </ol>
 * The run ends once the trace is read to its end and nothing runs or is paused. The end of the trace
 * is noticed only when admission next asks for a row: if the last row filled the batch and every
 * running request then finishes in the same iteration, one more iteration with no request follows
 * (as the expander this class was split from did; the timing model skips an empty iteration).
 * State is in primitive arrays indexed by {@code seq}; nothing is allocated per iteration.
 */
public final class BatchScheduler {
  private final BatchLimits limits;
  private final int blockTokens;
  private final DecisionSink out;
  private ArrivalClock clock;

  // the running batch, in batch order: seqs
  private final int[] batch;
  private int running;
  // per seq, for running and paused requests
  private long[] requestId;
  private long[] contextTokens;
  private int[] remaining;
  private int[] decoded;
  private long[] admittedAt;
  private long[] blocks;
  private int[] freeSeqs;
  private int freeCount;
  private int seqCount;
  // paused seqs, a FIFO ring
  private int[] paused = new int[16];
  private int pausedHead;
  private int pausedCount;

  private long usedBlocks;
  private long admissions;
  private long iterations;
  private long preemptions;
  private long waitedForMemory;
  // the schedule in progress (see start and step)
  private RequestRows rows;
  private RequestBatch rowBatch;
  private boolean live;
  private boolean more;
  private int row;
  private boolean admitting;
  private long iterationTokens;

  public BatchScheduler(BatchLimits limits, int blockTokens, DecisionSink out) {
    if (blockTokens < 1) {
      throw new IllegalArgumentException("block_tokens must be >= 1, got " + blockTokens);
    }
    this.limits = limits;
    this.blockTokens = blockTokens;
    this.out = out;
    int n = limits.maxBatch();
    batch = new int[n];
    requestId = new long[n];
    contextTokens = new long[n];
    remaining = new int[n];
    decoded = new int[n];
    admittedAt = new long[n];
    blocks = new long[n];
    freeSeqs = new int[n];
  }

  /** With a clock, requests join the batch only once the simulated time has reached their arrival. */
  public void setClock(ArrivalClock c) {
    this.clock = c;
  }

  /** Requests stopped because the running batch outgrew the first tier. */
  public long preemptions() {
    return preemptions;
  }

  /** Admissions that waited because the first tier could not hold the batch's blocks. */
  public long waitedForMemory() {
    return waitedForMemory;
  }

  /** Iterations run so far. */
  public long iterations() {
    return iterations;
  }

  /** Schedules every row of {@code rows}, read through {@code rowBatch}, until all have finished. */
  public void run(RequestRows rows, RequestBatch rowBatch) {
    start(rows, rowBatch, false);
    while (hasWork()) {
      step();
    }
  }

  /**
   * Starts a schedule over {@code rows}, to be run an iteration at a time with {@link #step}. Live
   * rows are handed over while the schedule runs: their {@code next} gives an empty batch and true
   * when no row has been given yet but more may come (false, as a file's, once no more will); a
   * request can then join only once its row has been given.
   */
  public void start(RequestRows rows, RequestBatch rowBatch, boolean live) {
    this.rows = rows;
    this.rowBatch = rowBatch;
    this.live = live;
    more = rows.next(rowBatch);
    row = 0;
    admitting = false;
  }

  /** Whether rows may still come or requests run or wait paused. */
  public boolean hasWork() {
    return more || running > 0 || pausedCount > 0;
  }

  /** Whether a request runs or waits paused, or a row given has not joined yet. */
  public boolean hasRequests() {
    return running > 0 || pausedCount > 0 || row < rowBatch.size();
  }

  /** Input tokens of the rows read but not admitted yet, plus the context tokens of the running requests. */
  public long pendingTokens() {
    long tokens = 0;
    for (int r = row; r < rowBatch.size(); r++) {
      tokens += rowBatch.inputTokens(r);
    }
    for (int i = 0; i < running; i++) {
      tokens += contextTokens[batch[i]];
    }
    return tokens;
  }

  /**
   * Runs the current iteration to its end and returns true; or, with live rows, returns false when
   * nothing runs and admission needs a row not given yet: the next call continues the same
   * iteration's admission (so the clock idles to that row's arrival as it would over a file).
   */
  public boolean step() {
    if (!admitting) {
      iterationTokens = running; // one token each for the requests already running
      iterationTokens += resumePaused();
      admitting = true;
    }
    while (running < limits.maxBatch() && more && pausedCount == 0) {
      if (row == rowBatch.size()) {
        more = rows.next(rowBatch);
        row = 0;
        if (live && more && rowBatch.size() == 0) {
          if (running == 0) {
            return false; // idle: the next row decides when this iteration runs
          }
          break; // the next row arrives after now: decode the running batch first
        }
        continue;
      }
      long arrival = rowBatch.arrivalNs(row);
      if (clock != null && arrival > clock.nowNs()) {
        if (running > 0) {
          break; // not arrived yet: decode the running batch first
        }
        clock.idleUntil(arrival);
      }
      int input = rowBatch.inputTokens(row);
      if (running > 0 && !fits(input, iterationTokens)) {
        break;
      }
      iterationTokens += input;
      admit(rowBatch, row++);
    }
    admitting = false;
    decodeIteration();
    preemptIfNeeded();
    out.iterationFinished(iterations++);
    return true;
  }

  private long blocksOf(long tokens) {
    return (tokens + blockTokens - 1) / blockTokens;
  }

  /** Whether a request of {@code input} tokens may join a batch that runs something. */
  private boolean fits(int input, long iterationTokens) {
    long budget = limits.maxBatchedTokens();
    if (budget > 0 && iterationTokens + input > budget) {
      return false;
    }
    if (!roomFor(blocksOf(input))) {
      waitedForMemory++;
      return false;
    }
    return true;
  }

  /** The first tier holds the running blocks, {@code more} blocks and a block of growth per request plus one. */
  private boolean roomFor(long more) {
    long capacity = limits.capacityBlocks();
    return capacity <= 0 || usedBlocks + more + running + 1 <= capacity;
  }

  /** Resumes paused requests in preemption order while they fit; returns the tokens they prefill again. */
  private long resumePaused() {
    long tokens = 0;
    while (pausedCount > 0 && running < limits.maxBatch()) {
      int seq = paused[pausedHead];
      if (running > 0 && !roomFor(blocks[seq])) {
        break;
      }
      pausedHead = (pausedHead + 1) % paused.length;
      pausedCount--;
      batch[running++] = seq;
      usedBlocks += blocks[seq];
      out.resume(seq, requestId[seq], contextTokens[seq], limits.preemption());
      if (limits.preemption() == Preemption.RECOMPUTE) {
        tokens += contextTokens[seq];
      }
    }
    return tokens;
  }

  private void admit(RequestBatch rows, int row) {
    int seq = newSeq();
    requestId[seq] = rows.requestId(row);
    contextTokens[seq] = rows.inputTokens(row);
    remaining[seq] = rows.outputTokens(row);
    decoded[seq] = 0;
    admittedAt[seq] = admissions++;
    blocks[seq] = blocksOf(contextTokens[seq]);
    usedBlocks += blocks[seq];
    batch[running++] = seq;
    out.admit(seq, rows, row);
    if (remaining[seq] == 0) {
      finish(running - 1);
    }
  }

  private void decodeIteration() {
    for (int i = 0; i < running; i++) {
      int seq = batch[i];
      out.decode(seq, requestId[seq], decoded[seq], contextTokens[seq]);
      if (contextTokens[seq] / blockTokens == blocks[seq]) {
        blocks[seq]++;
        usedBlocks++;
      }
      contextTokens[seq]++;
      decoded[seq]++;
      remaining[seq]--;
    }
    for (int i = running - 1; i >= 0; i--) {
      if (remaining[batch[i]] == 0) {
        finish(i);
      }
    }
  }

  /** The request at batch position {@code position} leaves; the last one moves into its place. */
  private void finish(int position) {
    int seq = batch[position];
    out.finish(seq, requestId[seq], decoded[seq]);
    usedBlocks -= blocks[seq];
    removeAt(position);
    freeSeqs[freeCount++] = seq;
  }

  private void removeAt(int position) {
    int last = --running;
    if (position != last) {
      batch[position] = batch[last];
    }
  }

  private void preemptIfNeeded() {
    if (limits.preemption() == Preemption.NONE || limits.capacityBlocks() <= 0) {
      return;
    }
    while (running > 1 && usedBlocks + running > limits.capacityBlocks()) {
      int victim = 0;
      for (int i = 1; i < running; i++) {
        if (admittedAt[batch[i]] > admittedAt[batch[victim]]) {
          victim = i;
        }
      }
      int seq = batch[victim];
      out.preempt(seq, requestId[seq], decoded[seq], limits.preemption());
      pause(seq);
      usedBlocks -= blocks[seq];
      preemptions++;
      removeAt(victim);
    }
  }

  private void pause(int seq) {
    if (pausedCount == paused.length) {
      int[] grown = new int[paused.length * 2];
      for (int i = 0; i < pausedCount; i++) {
        grown[i] = paused[(pausedHead + i) % paused.length];
      }
      paused = grown;
      pausedHead = 0;
    }
    paused[(pausedHead + pausedCount++) % paused.length] = seq;
  }

  /** A seq for a newly admitted request: a finished request's, else a new one. */
  private int newSeq() {
    if (freeCount > 0) {
      return freeSeqs[--freeCount];
    }
    int seq = seqCount++;
    if (seq == requestId.length) {
      int n = seq * 2;
      requestId = Arrays.copyOf(requestId, n);
      contextTokens = Arrays.copyOf(contextTokens, n);
      remaining = Arrays.copyOf(remaining, n);
      decoded = Arrays.copyOf(decoded, n);
      admittedAt = Arrays.copyOf(admittedAt, n);
      blocks = Arrays.copyOf(blocks, n);
      freeSeqs = Arrays.copyOf(freeSeqs, n);
    }
    return seq;
  }
}
