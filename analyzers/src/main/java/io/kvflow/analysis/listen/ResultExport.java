package io.kvflow.analysis.listen;

import io.kvflow.common.AtomicOutput;
import io.kvflow.common.LongIntHashMap;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.residency.AccessOutcome;
import io.kvflow.trace.AccessOp;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Per-step and per-request results as CSV for pandas and DuckDB: {@code steps.csv} (one row per
 * batch iteration, or per trace step for accesses traces) and {@code requests.csv} (one row per
 * request). Counts are layer-accesses read off the access outcomes, so the columns add up to
 * report.json's tier totals: layer_accesses = first_tier_hits + lower_tier_hits + found_nowhere. Rows stream to temporary files renamed into place at the end; memory holds only the
 * running requests.
 */
public final class ResultExport implements ReplayListener, AutoCloseable {
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
  private long stepIndex;
  private int lastTraceStep = Integer.MIN_VALUE;
  /** Rows are batch iterations (requests traces), else the trace's steps. */
  private final boolean iterations;

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
  private static final int COLUMNS = 9;

  /** @param iterations one row per batch iteration (requests traces) instead of one per trace step */
  public ResultExport(Path dir, boolean iterations) {
    this.iterations = iterations;
    stepsOut = AtomicOutput.create(dir.resolve("steps.csv"));
    requestsOut = AtomicOutput.create(dir.resolve("requests.csv"));
    try {
      steps = Files.newBufferedWriter(stepsOut.temporary(), StandardCharsets.UTF_8);
      requests = Files.newBufferedWriter(requestsOut.temporary(), StandardCharsets.UTF_8);
      steps.write("step,running_requests,layer_accesses,first_tier_hits,lower_tier_hits,found_nowhere,appends,frees\n");
      requests.write("request_id,arrival_ns,input_tokens,output_tokens,input_blocks,input_block_hits,input_token_hits,"
          + "layer_accesses,first_tier_hits,first_step,last_step\n");
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
      int slot = running.get(o.requestId);
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

  @Override
  public void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {
    int slot = freeCount > 0 ? freeSlots[--freeCount] : slots++;
    if (slot >= perRequest.length) {
      perRequest = Arrays.copyOf(perRequest, perRequest.length * 2);
    }
    long[] r = perRequest[slot] == null ? new long[COLUMNS] : perRequest[slot];
    Arrays.fill(r, 0);
    r[ARRIVAL] = arrivalNs;
    r[INPUT] = inputTokens;
    r[OUTPUT] = outputTokens;
    r[STARTED_STEP] = stepIndex;
    perRequest[slot] = r;
    running.put(requestId, slot);
  }

  @Override
  public void requestFinished(long requestId) {
    int slot = running.remove(requestId);
    if (slot < 0) {
      return;
    }
    long[] r = perRequest[slot];
    try {
      requests.write(requestId + "," + r[ARRIVAL] + "," + r[INPUT] + "," + r[OUTPUT] + "," + r[INPUT_BLOCKS] + ","
          + r[INPUT_BLOCK_HITS] + "," + r[INPUT_TOKEN_HITS] + "," + r[ACCESSES] + "," + r[FIRST_TIER_HITS] + ","
          + r[STARTED_STEP] + "," + stepIndex + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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
    try {
      steps.write(stepIndex + "," + running.size() + "," + stepAccesses + "," + stepFirstTierHits + "," + stepLowerTierHits
          + "," + stepNowhere + "," + stepAppends + "," + stepFrees + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    stepIndex++;
    stepAccesses = 0;
    stepFirstTierHits = 0;
    stepLowerTierHits = 0;
    stepNowhere = 0;
    stepAppends = 0;
    stepFrees = 0;
  }

  @Override
  public void finished(ReplayResult result) {
    if (stepAccesses + stepAppends + stepFrees > 0) {
      flushStep();
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
