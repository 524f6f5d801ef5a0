package io.kvflow.engine;

import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.residency.ResidencyTracker;
import io.kvflow.engine.time.TimingModel;
import java.util.List;

/**
 * Hands each access to the tracker, then its outcome to the timing model and the listeners, and
 * samples tier occupancy: every {@code interval} accesses, halving the samples and doubling the
 * interval past 512 samples, so memory is bounded and the samples are deterministic.
 *
 * <p>Hot path: the timing model is called directly (one known class, inlined) and the listener
 * loop runs only when there are listeners; the next sample is a count compared, not a division.
 */
public final class AccessFanout implements AccessSink {
  private static final int MAX_SAMPLES = 512;
  private final ResidencyTracker tracker;
  private final ReplayListener[] listeners;
  private final java.util.ArrayList<long[]> samples = new java.util.ArrayList<>();
  private long interval = 1024;
  private long count;
  /** The count of the next sample: the next multiple of {@link #interval}. */
  private long nextSample = interval;

  private final TimingModel clock;
  /** Whether decode reads are accounted in runs ({@link #reads}); false: one {@link #access} per read, the reference. */
  private final boolean readRuns;
  private final HitRun run;

  /** {@code clock}: the timing model (null without timing), called before the listeners. */
  public AccessFanout(ResidencyTracker tracker, TimingModel clock, ReplayListener[] listeners) {
    this(tracker, clock, listeners, true);
  }

  /** {@code readRuns} false: the per-access reference path, for the tests that compare the two. */
  AccessFanout(ResidencyTracker tracker, TimingModel clock, ReplayListener[] listeners, boolean readRuns) {
    this.tracker = tracker;
    this.clock = clock;
    this.listeners = listeners;
    this.readRuns = readRuns;
    this.run = new HitRun(tracker);
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

  /**
   * A request's decode reads: runs of plain first-tier hits are accounted together by the tracker
   * and the timing model (one probe and touch per block, weighted by the layers), then shown to the
   * listeners as a {@link HitRun} (each listener sees the whole run before the next one does;
   * listeners are independent); any other read takes {@link #access}. The same totals, samples
   * and listener calls as the per-access path ({@code ReadRunsTest} compares them).
   */
  @Override
  public void reads(long[] keys, int n, int weight, int blockTokens, long contextTokens, long requestId, int step) {
    if (!readRuns) {
      AccessSink.super.reads(keys, n, weight, blockTokens, contextTokens, requestId, step);
      return;
    }
    int i = 0;
    while (i < n) {
      int end = tracker.readHits(keys, i, n, weight);
      if (end > i) {
        if (clock != null) {
          clock.readHits(keys, i, end, weight, tracker.firstTierHitBytes(weight), blockTokens, contextTokens,
              requestId, step);
        }
        if (listeners.length != 0) {
          run.set(keys, i, end, weight, blockTokens, contextTokens, requestId, step);
          for (ReplayListener l : listeners) {
            l.firstTierHits(run);
          }
        }
        // hits change neither occupancy nor the clock: each sample is the one the per-access path takes
        long last = count + (end - i);
        while (nextSample <= last) {
          count = nextSample;
          sample();
        }
        count = last;
      }
      if (end == n) {
        return;
      }
      access(keys[end], io.kvflow.trace.AccessOp.READ.code(), weight,
          AccessSink.tokensOf(end, blockTokens, contextTokens), requestId, step, -1, 0);
      i = end + 1;
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

  public List<long[]> occupancy() {
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
