package io.kvflow.engine.expand;

import io.kvflow.common.Progress;
import io.kvflow.engine.schedule.BatchLimits;
import io.kvflow.engine.schedule.BatchScheduler;
import io.kvflow.engine.schedule.RequestRows;
import io.kvflow.engine.spec.FinishedRequests;
import io.kvflow.engine.spec.OffloadSpec;
import io.kvflow.engine.spec.Placement;
import io.kvflow.trace.batch.RequestBatch;
import java.util.Arrays;

/**
 * The full expansion of one engine instance of a cluster, run a step at a time: rows are handed to
 * it one by one as a router picks it ({@link #give}), queue here in primitive arrays, and reach its
 * {@link BatchScheduler} as live rows; {@link #advanceTo} runs its iterations until its clock has
 * reached a time. Over the rows of a whole trace given in file order, and advanced to each row's
 * arrival before that row is given, it makes the same decisions as {@link RequestExpander} (the
 * scheduler's rows are the same, and an instance with nothing to run stops where the file reader
 * would have idled to the next arrival).
 */
public final class RequestStepper implements RequestRows {
  private final BatchScheduler scheduler;
  private final AdmissionClock clock;
  private final TraceStats stats = new TraceStats();
  private boolean ended;
  /** Whether the scheduler stopped in an iteration's admission for a row not given yet. */
  private boolean waitingForRow;
  // rows given and not yet read by the scheduler, a queue: [head, tail)
  private long[] requestId = new long[64];
  private long[] arrivalNs = new long[64];
  private int[] inputTokens = new int[64];
  private int[] outputTokens = new int[64];
  private int[] hashStart = new int[64];
  private int[] hashCount = new int[64];
  private long[] hashes = new long[1024];
  private int head;
  private int tail;
  private int hashTail;
  private long queuedTokens;

  /**
   * @param sink where the instance's accesses go (its residency, timing and listeners)
   * @param clock the instance's timing model
   * @param rowBatch the batch the scheduler reads live rows through (owned by the caller)
   */
  public RequestStepper(AccessSink sink, Placement placement, FinishedRequests finished, int layers, int blockTokens,
      BatchLimits limits, OffloadSpec offload, AdmissionClock clock, RequestBatch rowBatch) {
    this(sink, placement, finished, layers, blockTokens, limits, offload, clock, rowBatch, false);
  }

  /**
   * @param prefilledElsewhere a decode instance of a disaggregated cluster: the prompts' KV arrives
   *     by transfer and is not computed here (see {@code BlockExpander.setPrefilledElsewhere})
   */
  public RequestStepper(AccessSink sink, Placement placement, FinishedRequests finished, int layers, int blockTokens,
      BatchLimits limits, OffloadSpec offload, AdmissionClock clock, RequestBatch rowBatch,
      boolean prefilledElsewhere) {
    BlockExpander expander = new BlockExpander(sink, placement, finished, layers, blockTokens, stats, Progress.NONE, 0);
    expander.setOffload(offload);
    if (prefilledElsewhere) {
      expander.setPrefilledElsewhere();
    }
    this.scheduler = new BatchScheduler(limits, blockTokens, expander);
    this.clock = clock;
    scheduler.setClock(clock);
    scheduler.start(this, rowBatch, true);
  }

  /** Queues row {@code row} of {@code rows} for this instance (rows are given in arrival order). */
  public void give(RequestBatch rows, int row) {
    give(rows, row, rows.outputTokens(row));
  }

  /** The same, with {@code outputTokens} instead of the row's (0: a prefill instance only prefills it). */
  public void give(RequestBatch rows, int row, int outputTokens) {
    int start = rows.hashStart(row);
    int n = rows.hashEnd(row) - start;
    if (tail == requestId.length) {
      makeRoom();
    }
    if (hashTail + n > hashes.length) {
      hashes = Arrays.copyOf(hashes, Math.max(hashes.length * 2, hashTail + n));
    }
    for (int k = 0; k < n; k++) {
      hashes[hashTail + k] = rows.hash(start + k);
    }
    requestId[tail] = rows.requestId(row);
    arrivalNs[tail] = rows.arrivalNs(row);
    inputTokens[tail] = rows.inputTokens(row);
    this.outputTokens[tail] = outputTokens;
    hashStart[tail] = hashTail;
    hashCount[tail] = n;
    hashTail += n;
    tail++;
    queuedTokens += rows.inputTokens(row);
  }

  /**
   * Queues a request handed over by another instance (a decode instance of a disaggregated cluster):
   * its id, arrival (it may lie before this instance's clock: it then joins at once), tokens and
   * block hashes {@code hashes[from, from + count)}.
   */
  public void give(long id, long arrival, int input, int output, long[] blockHashes, int from, int count) {
    if (tail == requestId.length) {
      makeRoom();
    }
    if (hashTail + count > hashes.length) {
      hashes = Arrays.copyOf(hashes, Math.max(hashes.length * 2, hashTail + count));
    }
    System.arraycopy(blockHashes, from, hashes, hashTail, count);
    requestId[tail] = id;
    arrivalNs[tail] = arrival;
    inputTokens[tail] = input;
    outputTokens[tail] = output;
    hashStart[tail] = hashTail;
    hashCount[tail] = count;
    hashTail += count;
    tail++;
    queuedTokens += input;
  }

  /** Moves the queue to the front of its arrays, or grows them when it fills them. */
  private void makeRoom() {
    int n = tail - head;
    if (head > 0 && n < requestId.length / 2) {
      int hashFrom = n == 0 ? hashTail : hashStart[head];
      System.arraycopy(hashes, hashFrom, hashes, 0, hashTail - hashFrom);
      for (int i = 0; i < n; i++) {
        hashStart[head + i] -= hashFrom;
      }
      hashTail -= hashFrom;
      shift(n);
      return;
    }
    int size = requestId.length * 2;
    requestId = Arrays.copyOf(requestId, size);
    arrivalNs = Arrays.copyOf(arrivalNs, size);
    inputTokens = Arrays.copyOf(inputTokens, size);
    outputTokens = Arrays.copyOf(outputTokens, size);
    hashStart = Arrays.copyOf(hashStart, size);
    hashCount = Arrays.copyOf(hashCount, size);
  }

  private void shift(int n) {
    System.arraycopy(requestId, head, requestId, 0, n);
    System.arraycopy(arrivalNs, head, arrivalNs, 0, n);
    System.arraycopy(inputTokens, head, inputTokens, 0, n);
    System.arraycopy(outputTokens, head, outputTokens, 0, n);
    System.arraycopy(hashStart, head, hashStart, 0, n);
    System.arraycopy(hashCount, head, hashCount, 0, n);
    head = 0;
    tail = n;
  }

  /** Hands the queued rows to the scheduler, as many as its batch holds; see {@link BatchScheduler#start}. */
  @Override
  public boolean next(RequestBatch batch) {
    batch.clear();
    while (head < tail && !batch.isFull()) {
      batch.add(requestId[head], arrivalNs[head], null, false, 0, inputTokens[head], outputTokens[head], hashes,
          hashStart[head], hashCount[head]);
      queuedTokens -= inputTokens[head];
      head++;
    }
    if (head == tail) {
      head = 0;
      tail = 0;
      hashTail = 0;
    }
    return batch.size() > 0 || !ended;
  }

  /** Runs iterations while this instance has requests to run and its clock is before {@code ns}. */
  public void advanceTo(long ns) {
    while (clock.nowNs() < ns && hasRequests()) {
      waitingForRow = !scheduler.step();
    }
  }

  private boolean hasRequests() {
    return tail > head || (!waitingForRow && scheduler.hasRequests());
  }

  /**
   * With nothing to run, moves the clock to {@code ns} (timing the steps the prefetch look-ahead
   * still holds), as the scheduler would when the next row arrives at or after {@code ns}.
   */
  public void idleTo(long ns) {
    if (!hasRequests()) {
      clock.idleUntil(ns);
    }
  }

  /** Whether this instance has a request to run, or a row given that has not joined yet. */
  public boolean busy() {
    return hasRequests();
  }

  /** No more rows will come: runs every request given to the end. */
  public void finish() {
    ended = true;
    while (scheduler.hasWork()) {
      scheduler.step();
    }
  }

  /** Input tokens queued (given, not admitted) plus the context tokens of the running requests. */
  public long loadTokens() {
    return queuedTokens + scheduler.pendingTokens();
  }

  public TraceStats stats() {
    return stats;
  }

  public long preemptions() {
    return scheduler.preemptions();
  }

  public long waitedForMemory() {
    return scheduler.waitedForMemory();
  }
}
