package io.kvflow.engine.sparse;

import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.expand.MassSink;
import io.kvflow.trace.AccessOp;
import java.util.Arrays;

/**
 * A stage between a trace and the residency model that sees the decode READs of one (request,
 * step, layer) together: it buffers them (primitive arrays, grown as needed: one sequence's blocks)
 * and hands the group to {@link #flushGroup} when the next group or any other operation starts.
 * Other operations and lifecycle events pass through in order, after the pending group.
 */
abstract class ReadGroupStage implements MassSink {
  protected final AccessSink next;
  protected long[] keys = new long[256];
  protected int[] weights = new int[256];
  protected int[] tokens = new int[256];
  protected int[] flags = new int[256];
  protected float[] mass = new float[256];
  protected int n;
  protected long groupRequest;
  protected int groupStep;
  protected int groupLayer;

  ReadGroupStage(AccessSink next) {
    this.next = next;
  }

  /** Decides and forwards the buffered group ({@code n} reads). */
  abstract void flushGroup();

  /** An operation that is not a decode READ; by default forwarded as is. */
  void other(long key, int op, int weight, int tok, long requestId, int step, int layer, int fl, float m) {
    forward(key, op, weight, tok, requestId, step, layer, fl, m);
  }

  /** Passes one access on, with its attention mass when the next stage wants it. */
  final void forward(long key, int op, int weight, int tok, long requestId, int step, int layer, int fl, float m) {
    if (next instanceof MassSink ms) {
      ms.access(key, op, weight, tok, requestId, step, layer, fl, m);
    } else {
      next.access(key, op, weight, tok, requestId, step, layer, fl);
    }
  }

  @Override
  public final void access(long key, int op, int weight, int tok, long requestId, int step, int layer, int fl) {
    access(key, op, weight, tok, requestId, step, layer, fl, Float.NaN);
  }

  @Override
  public final void access(long key, int op, int weight, int tok, long requestId, int step, int layer, int fl, float m) {
    if (op != AccessOp.READ.code() || step < 0) {
      flush();
      other(key, op, weight, tok, requestId, step, layer, fl, m);
      return;
    }
    if (n > 0 && (requestId != groupRequest || step != groupStep || layer != groupLayer)) {
      flush();
    }
    if (n == keys.length) {
      int c = n * 2;
      keys = Arrays.copyOf(keys, c);
      weights = Arrays.copyOf(weights, c);
      tokens = Arrays.copyOf(tokens, c);
      flags = Arrays.copyOf(flags, c);
      mass = Arrays.copyOf(mass, c);
    }
    groupRequest = requestId;
    groupStep = step;
    groupLayer = layer;
    keys[n] = key;
    weights[n] = weight;
    tokens[n] = tok;
    flags[n] = fl;
    mass[n] = m;
    n++;
  }

  /** Forwards the pending group, if any. */
  public final void flush() {
    if (n > 0) {
      flushGroup();
      n = 0;
    }
  }

  @Override
  public final void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {
    flush();
    next.requestStarted(requestId, arrivalNs, inputTokens, outputTokens);
  }

  @Override
  public final void requestFinished(long requestId) {
    flush();
    next.requestFinished(requestId);
  }

  @Override
  public final void stepFinished(long iteration) {
    flush();
    next.stepFinished(iteration);
  }
}
