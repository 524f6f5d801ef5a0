package io.kvflow.analysis.listen;

import io.kvflow.common.AtomicOutput;
import io.kvflow.common.LongIntHashMap;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.residency.AccessOutcome;
import io.kvflow.engine.time.TimedListener;
import io.kvflow.trace.AccessOp;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-step and per-request results as CSV for pandas and DuckDB: {@code steps.csv} (one row per
 * batch iteration, or per trace step for accesses traces) and {@code requests.csv} (one row per
 * request; for accesses traces one per request id, written at the end in id order, so memory holds
 * one small row per id). Counts are layer-accesses read off the access outcomes, so the columns add up to
 * report.json's tier totals: layer_accesses = first_tier_hits + lower_tier_hits + found_nowhere. Rows stream to temporary files renamed into place at the end; memory holds only the
 * running requests.
 *
 * <p>With the timing model, requests.csv also has each request's queue_ns, ttft_ns, tpot_ns and e2e_ns and
 * steps.csv each step's start_ns, step_ns, stall_ns and compute_ns: the values the latency
 * histograms record. The timing model times a request when its last layer group is timed, after
 * its {@code requestFinished} when prefetch looks ahead, and times steps with the same lag, so a
 * finished row waits (in finish order, steps in step order) until its times arrive: memory holds
 * the running requests and the few rows the look-ahead delays. Without timing the columns are
 * empty.
 */
public final class ResultExport implements ReplayListener, TimedListener, AutoCloseable {
  private final AtomicOutput stepsOut;
  private final AtomicOutput requestsOut;
  private final BufferedWriter steps;
  private final BufferedWriter requests;
  private final LongIntHashMap running = new LongIntHashMap(256);
  private long[][] perRequest = new long[64][];
  private final int[] freeSlots = new int[1 << 16];
  private int freeCount;
  private int slots;
  // per step
  private long stepAccesses;
  private long stepFirstTierHits;
  private long stepLowerTierHits;
  private long stepNowhere;
  private long stepAppends;
  private long stepFrees;
  /** Requests with an access in the step, and the tokens it computed (prefill input and decode appends). */
  private long stepRequests;
  private long stepTokens;
  private long stepIndex;
  private int lastTraceStep = Integer.MIN_VALUE;
  /** Rows are batch iterations (requests traces), else the trace's steps. */
  private final boolean iterations;
  /** The replay has a timing model: rows wait for their times. */
  private final boolean timed;
  /** Finished requests waiting for their times, in finish order. */
  private final ArrayDeque<Row> pendingRequests = new ArrayDeque<>();
  private final Map<Long, Row> pendingById = new HashMap<>();
  /** Times that arrived before their request finished (kept until it does). */
  private final Map<Long, String> earlyRequestTimes = new HashMap<>();
  /** Step rows waiting for their times, in step order; the first is step {@code firstPendingStep}. */
  private final ArrayDeque<Row> pendingSteps = new ArrayDeque<>();
  private long firstPendingStep;
  private final Map<Long, String> earlyStepTimes = new HashMap<>();

  /** A CSV row without its time columns, and those once known. */
  private static final class Row {
    final String counts;
    String times;

    Row(String counts) {
      this.counts = counts;
    }
  }

  private static final String NO_REQUEST_TIMES = ",,,,";
  private static final String NO_STEP_TIMES = ",,,,";

  // per-request columns
  private static final int ARRIVAL = 0;
  private static final int INPUT = 1;
  private static final int OUTPUT = 2;
  private static final int INPUT_BLOCKS = 3;
  private static final int INPUT_BLOCK_HITS = 4;
  private static final int INPUT_TOKEN_HITS = 5;
  private static final int ACCESSES = 6;
  private static final int FIRST_TIER_HITS = 7;
  private static final int STARTED_STEP = 8;
  /** The step of its last access, plus one (0: none yet). */
  private static final int SEEN_STEP = 9;
  private static final int COLUMNS = 10;

  /** @param iterations one row per batch iteration (requests traces) instead of one per trace step */
  public ResultExport(Path dir, boolean iterations) {
    this(dir, iterations, false);
  }

  /**
   * @param iterations one row per batch iteration (requests traces) instead of one per trace step
   * @param timed the replay has a timing model (its times fill the time columns)
   */
  public ResultExport(Path dir, boolean iterations, boolean timed) {
    this.iterations = iterations;
    this.timed = timed;
    stepsOut = AtomicOutput.create(dir.resolve("steps.csv"));
    requestsOut = AtomicOutput.create(dir.resolve("requests.csv"));
    try {
      steps = Files.newBufferedWriter(stepsOut.temporary(), StandardCharsets.UTF_8);
      requests = Files.newBufferedWriter(requestsOut.temporary(), StandardCharsets.UTF_8);
      steps.write("step,running_requests,batch_requests,tokens,layer_accesses,first_tier_hits,lower_tier_hits,"
          + "found_nowhere,appends,frees,start_ns,step_ns,stall_ns,compute_ns\n");
      requests.write("request_id,arrival_ns,input_tokens,output_tokens,input_blocks,input_block_hits,input_token_hits,"
          + "layer_accesses,first_tier_hits,first_step,last_step,queue_ns,ttft_ns,tpot_ns,e2e_ns\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void access(AccessOutcome o) {
    if (!iterations && o.step != lastTraceStep && lastTraceStep != Integer.MIN_VALUE) {
      flushStep();
    }
    lastTraceStep = o.step;
    int slot = iterations ? running.get(o.requestId) : seenSlot(o.requestId);
    if (slot >= 0 && perRequest[slot][SEEN_STEP] != stepIndex + 1) {
      perRequest[slot][SEEN_STEP] = stepIndex + 1;
      stepRequests++;
    }
    // tokens once per unit, not per layer: prefill inputs (written, or looked up by a prefix-only
    // expansion) and decode appends
    if (o.layer <= 0 && (o.op == AccessOp.WRITE.code() || o.op == AccessOp.APPEND.code()
        || (o.op == AccessOp.READ.code() && (o.flags & AccessSink.INPUT_BLOCK) != 0))) {
      stepTokens += o.tokens;
    }
    if (o.lookup()) {
      long firstTierHits = o.hits[0];
      long lowerTierHits = 0;
      for (int t = 1; t < o.tiers(); t++) {
        lowerTierHits += o.hits[t];
      }
      stepAccesses += o.weight;
      stepFirstTierHits += firstTierHits;
      stepLowerTierHits += lowerTierHits;
      stepNowhere += o.foundNowhere();
      if (slot >= 0) {
        long[] r = perRequest[slot];
        r[ACCESSES] += o.weight;
        r[FIRST_TIER_HITS] += firstTierHits;
        if ((o.flags & AccessSink.INPUT_BLOCK) != 0) {
          r[INPUT_BLOCKS]++;
          if (o.foundTier >= 0) {
            r[INPUT_BLOCK_HITS]++;
            r[INPUT_TOKEN_HITS] += o.tokens;
          }
        }
      }
    } else if (o.op == AccessOp.APPEND.code()) {
      stepAppends++;
    } else {
      stepFrees++;
    }
  }

  /**
   * A run of first-tier hits of one request in one step: the first as {@link #access}, the others
   * add their layer-accesses to the same sums (they change nothing else {@link #access} looks at).
   */
  @Override
  public void firstTierHits(io.kvflow.engine.HitRun run) {
    access(run.outcome(0));
    long more = (long) (run.size() - 1) * run.weight();
    stepAccesses += more;
    stepFirstTierHits += more;
    int slot = running.get(run.requestId());
    if (slot >= 0) {
      perRequest[slot][ACCESSES] += more;
      perRequest[slot][FIRST_TIER_HITS] += more;
    }
  }

  /** Accesses traces: the slot of request id {@code requestId}, made on its first access. */
  private int seenSlot(long requestId) {
    int slot = running.get(requestId);
    if (slot < 0) {
      slot = newSlot(requestId);
      perRequest[slot][ARRIVAL] = -1;
    }
    return slot;
  }

  @Override
  public void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {
    int slot = newSlot(requestId);
    long[] r = perRequest[slot];
    r[ARRIVAL] = arrivalNs;
    r[INPUT] = inputTokens;
    r[OUTPUT] = outputTokens;
  }

  private int newSlot(long requestId) {
    int slot = freeCount > 0 ? freeSlots[--freeCount] : slots++;
    if (slot >= perRequest.length) {
      perRequest = Arrays.copyOf(perRequest, perRequest.length * 2);
    }
    long[] r = perRequest[slot] == null ? new long[COLUMNS] : perRequest[slot];
    Arrays.fill(r, 0);
    r[STARTED_STEP] = stepIndex;
    perRequest[slot] = r;
    running.put(requestId, slot);
    return slot;
  }

  @Override
  public void requestFinished(long requestId) {
    int slot = running.remove(requestId);
    if (slot < 0) {
      return;
    }
    long[] r = perRequest[slot];
    String counts = requestId + "," + r[ARRIVAL] + "," + r[INPUT] + "," + r[OUTPUT] + "," + r[INPUT_BLOCKS] + ","
        + r[INPUT_BLOCK_HITS] + "," + r[INPUT_TOKEN_HITS] + "," + r[ACCESSES] + "," + r[FIRST_TIER_HITS] + ","
        + r[STARTED_STEP] + "," + stepIndex;
    if (!timed) {
      write(requests, counts, NO_REQUEST_TIMES);
    } else {
      Row row = new Row(counts);
      row.times = earlyRequestTimes.remove(requestId);
      pendingRequests.add(row);
      if (row.times == null) {
        pendingById.put(requestId, row);
      }
      drainRequests();
    }
    if (freeCount < freeSlots.length) {
      freeSlots[freeCount++] = slot;
    }
  }

  @Override
  public void stepFinished(long iteration) {
    flushStep();
  }

  private void flushStep() {
    String counts = stepIndex + "," + (iterations ? running.size() : stepRequests) + "," + stepRequests + "," + stepTokens
        + "," + stepAccesses + "," + stepFirstTierHits + ","
        + stepLowerTierHits + "," + stepNowhere + "," + stepAppends + "," + stepFrees;
    if (!timed) {
      write(steps, counts, NO_STEP_TIMES);
    } else {
      Row row = new Row(counts);
      row.times = earlyStepTimes.remove(stepIndex);
      pendingSteps.add(row);
      drainSteps();
    }
    stepIndex++;
    stepAccesses = 0;
    stepFirstTierHits = 0;
    stepLowerTierHits = 0;
    stepNowhere = 0;
    stepAppends = 0;
    stepFrees = 0;
    stepRequests = 0;
    stepTokens = 0;
  }

  @Override
  public void requestTimed(long requestId, long ttftNs, long tpotNs, long e2eNs) {
    requestTimed(requestId, -1, ttftNs, tpotNs, e2eNs);
  }

  @Override
  public void requestTimed(long requestId, long queueNs, long ttftNs, long tpotNs, long e2eNs) {
    if (!timed || !iterations) {
      return;
    }
    String times = "," + (queueNs >= 0 ? Long.toString(queueNs) : "") + "," + ttftNs + ","
        + (tpotNs >= 0 ? Long.toString(tpotNs) : "") + "," + e2eNs;
    Row row = pendingById.remove(requestId);
    if (row == null) {
      // not finished yet (or never started here): kept until requestFinished
      earlyRequestTimes.put(requestId, times);
      return;
    }
    row.times = times;
    drainRequests();
  }

  @Override
  public void stepTimed(long step, long startNs, long stepNs, long stallNs, long computeNs) {
    if (!timed) {
      return;
    }
    String times = "," + startNs + "," + stepNs + "," + stallNs + "," + computeNs;
    long at = step - firstPendingStep;
    if (at < 0) {
      return;
    }
    if (at >= pendingSteps.size()) {
      earlyStepTimes.put(step, times);
      return;
    }
    int i = 0;
    for (Row row : pendingSteps) {
      if (i++ == at) {
        row.times = times;
        break;
      }
    }
    drainSteps();
  }

  private void drainRequests() {
    while (!pendingRequests.isEmpty() && pendingRequests.peekFirst().times != null) {
      Row row = pendingRequests.pollFirst();
      write(requests, row.counts, row.times);
    }
  }

  private void drainSteps() {
    while (!pendingSteps.isEmpty() && pendingSteps.peekFirst().times != null) {
      Row row = pendingSteps.pollFirst();
      write(steps, row.counts, row.times);
      firstPendingStep++;
    }
  }

  /** Writes what still waits; a row never timed keeps empty time columns. */
  private void flushPending() {
    for (Row row : pendingRequests) {
      write(requests, row.counts, row.times != null ? row.times : NO_REQUEST_TIMES);
    }
    pendingRequests.clear();
    pendingById.clear();
    for (Row row : pendingSteps) {
      write(steps, row.counts, row.times != null ? row.times : NO_STEP_TIMES);
      firstPendingStep++;
    }
    pendingSteps.clear();
  }

  /**
   * Accesses traces: one row per request id, in id order: its layer accesses, first-tier hits and
   * first and last steps (the columns a request trace's row gives from its arrival and tokens stay
   * empty: an accesses trace has neither).
   */
  private void writeSeenRequests() {
    long[] ids = new long[running.size()];
    int[] n = {0};
    running.forEachKey(id -> ids[n[0]++] = id);
    Arrays.sort(ids);
    for (long id : ids) {
      long[] r = perRequest[running.get(id)];
      write(requests, id + ",,,,,,," + r[ACCESSES] + "," + r[FIRST_TIER_HITS] + "," + r[STARTED_STEP] + ","
          + (r[SEEN_STEP] - 1), NO_REQUEST_TIMES);
    }
  }

  private static void write(BufferedWriter w, String counts, String times) {
    try {
      w.write(counts);
      w.write(times);
      w.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void finished(ReplayResult result) {
    if (stepAccesses + stepAppends + stepFrees > 0) {
      flushStep();
    }
    flushPending();
    if (!iterations) {
      writeSeenRequests();
    }
    try {
      steps.close();
      requests.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    stepsOut.commit();
    requestsOut.commit();
  }

  /** Deletes the partial files unless {@link #finished} committed them. */
  @Override
  public void close() {
    try {
      steps.close();
      requests.close();
    } catch (IOException ignored) {
      // closing twice or after a failure
    }
    stepsOut.close();
    requestsOut.close();
  }
}
