package io.kvflow.engine.sparse;

import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.expand.MassSink;
import io.kvflow.engine.spec.SparseKind;
import io.kvflow.engine.spec.SparseSpec;
import io.kvflow.trace.AccessOp;
import java.util.Arrays;

/**
 * Chooses which READs of one (request, step, layer) reach the residency model: all (dense), the k
 * with the most attention mass (ties: earlier first), or the sink blocks and the recent window
 * (by position in the group, which is block order). Other operations pass through in order. For
 * every group whose reads all carry attention mass it records the share of mass the kept reads hold.
 * Memory: one group of reads (one sequence's blocks).
 */
public final class SparseReadFilter implements MassSink {
  private final AccessSink next;
  private final SparseSpec spec;
  private final int blockTokens;
  private final RetainedMass retained;
  private long[] keys = new long[256];
  private int[] weights = new int[256];
  private int[] tokens = new int[256];
  private int[] flags = new int[256];
  private float[] mass = new float[256];
  private boolean[] keep = new boolean[256];
  private Integer[] order = new Integer[0];
  private int n;
  private long groupRequest;
  private int groupStep;
  private int groupLayer;
  private long readsIn;
  private long readsKept;
  private long windowExceedsContext;

  /** Groups where the window (or k) covered the whole context, so nothing was skipped. */
  public long windowExceedsContext() {
    return windowExceedsContext;
  }

  public SparseReadFilter(AccessSink next, SparseSpec spec, int blockTokens, RetainedMass retained) {
    this.next = next;
    this.spec = spec;
    this.blockTokens = blockTokens;
    this.retained = retained;
  }

  @Override
  public void access(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags) {
    access(key, op, weight, tokens, requestId, step, layer, flags, Float.NaN);
  }

  @Override
  public void access(long key, int op, int weight, int tokens, long requestId, int step, int layer, int fl,
      float attnMass) {
    if (op != AccessOp.READ.code() || step < 0) {
      flush();
      next.access(key, op, weight, tokens, requestId, step, layer, fl);
      return;
    }
    if (n > 0 && (requestId != groupRequest || step != groupStep || layer != groupLayer)) {
      flush();
    }
    if (n == keys.length) {
      int c = n * 2;
      keys = Arrays.copyOf(keys, c);
      weights = Arrays.copyOf(weights, c);
      this.tokens = Arrays.copyOf(this.tokens, c);
      flags = Arrays.copyOf(flags, c);
      mass = Arrays.copyOf(mass, c);
      keep = Arrays.copyOf(keep, c);
    }
    groupRequest = requestId;
    groupStep = step;
    groupLayer = layer;
    keys[n] = key;
    weights[n] = weight;
    this.tokens[n] = tokens;
    flags[n] = fl;
    mass[n] = attnMass;
    n++;
  }

  /** Decides and forwards the buffered group. */
  public void flush() {
    if (n == 0) {
      return;
    }
    select();
    double total = 0;
    double kept = 0;
    boolean allMass = true;
    for (int i = 0; i < n; i++) {
      if (Float.isNaN(mass[i])) {
        allMass = false;
      } else {
        total += mass[i];
        kept += keep[i] ? mass[i] : 0;
      }
      readsIn++;
      if (keep[i]) {
        readsKept++;
        next.access(keys[i], AccessOp.READ.code(), weights[i], tokens[i], groupRequest, groupStep, groupLayer, flags[i]);
      }
    }
    if (allMass && total > 0) {
      retained.record(kept / total);
    }
    n = 0;
  }

  private void select() {
    switch (spec.kind()) {
      case DENSE -> Arrays.fill(keep, 0, n, true);
      case SINK_RECENT -> {
        int sink = (spec.sinkTokens() + blockTokens - 1) / blockTokens;
        int recent = (spec.recentTokens() + blockTokens - 1) / blockTokens;
        if (sink + recent >= n) {
          windowExceedsContext++; // allowed: the window covers the whole context, nothing is skipped
        }
        for (int i = 0; i < n; i++) {
          keep[i] = i < sink || i >= n - recent;
        }
      }
      case TOP_K -> {
        if (spec.k() >= n) {
          windowExceedsContext++;
          Arrays.fill(keep, 0, n, true);
          return;
        }
        if (order.length < n) {
          order = new Integer[Math.max(n, order.length * 2)];
        }
        for (int i = 0; i < n; i++) {
          order[i] = i;
          keep[i] = false;
        }
        // most mass first; a read without mass counts as 0; ties keep block order
        Arrays.sort(order, 0, n, (a, b) -> {
          float ma = Float.isNaN(mass[a]) ? 0 : mass[a];
          float mb = Float.isNaN(mass[b]) ? 0 : mass[b];
          return ma != mb ? Float.compare(mb, ma) : Integer.compare(a, b);
        });
        for (int i = 0; i < spec.k(); i++) {
          keep[order[i]] = true;
        }
      }
    }
  }

  @Override
  public void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {
    flush();
    next.requestStarted(requestId, arrivalNs, inputTokens, outputTokens);
  }

  @Override
  public void requestFinished(long requestId) {
    flush();
    next.requestFinished(requestId);
  }

  @Override
  public void stepFinished(long iteration) {
    flush();
    next.stepFinished(iteration);
  }

  public long readsIn() {
    return readsIn;
  }

  public long readsKept() {
    return readsKept;
  }

  static boolean dense(SparseSpec s) {
    return s.kind() == SparseKind.DENSE;
  }
}
