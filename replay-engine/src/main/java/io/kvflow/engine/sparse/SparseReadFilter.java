package io.kvflow.engine.sparse;

import io.kvflow.engine.expand.AccessSink;
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
public final class SparseReadFilter extends ReadGroupStage {
  private final SparseSpec spec;
  private final int blockTokens;
  private final RetainedMass retained;
  private boolean[] keep = new boolean[256];
  private Integer[] order = new Integer[0];
  private long readsIn;
  private long readsKept;
  private long windowExceedsContext;

  /** Groups where the window (or k) covered the whole context, so nothing was skipped. */
  public long windowExceedsContext() {
    return windowExceedsContext;
  }

  public SparseReadFilter(AccessSink next, SparseSpec spec, int blockTokens, RetainedMass retained) {
    super(next);
    this.spec = spec;
    this.blockTokens = blockTokens;
    this.retained = retained;
  }

  @Override
  void flushGroup() {
    if (keep.length < n) {
      keep = new boolean[Math.max(n, keep.length * 2)];
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
        forward(keys[i], AccessOp.READ.code(), weights[i], tokens[i], groupRequest, groupStep, groupLayer, flags[i], mass[i]);
      }
    }
    if (allMass && total > 0) {
      retained.record(kept / total);
    }
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
