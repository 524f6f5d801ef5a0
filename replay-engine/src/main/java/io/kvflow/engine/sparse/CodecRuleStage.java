package io.kvflow.engine.sparse;

import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.expand.MassSink;
import io.kvflow.engine.spec.CodecRule;
import io.kvflow.trace.AccessOp;
import java.util.Arrays;

/**
 * Applies the distance rule to the reads of each (request, step, layer): a block's age is the
 * number of tokens after it in the sequence (the group lists the blocks in order), and its codec
 * goes into the access's flags for the residency model. Reads pass in order; nothing is dropped.
 */
public final class CodecRuleStage implements MassSink {
  private final AccessSink next;
  private final CodecRule rule;
  private long[] keys = new long[256];
  private int[] weights = new int[256];
  private int[] tokens = new int[256];
  private int[] flags = new int[256];
  private float[] mass = new float[256];
  private int n;
  private long groupRequest;
  private int groupStep;
  private int groupLayer;

  public CodecRuleStage(AccessSink next, CodecRule rule) {
    this.next = next;
    this.rule = rule;
  }

  @Override
  public void access(long key, int op, int weight, int tokens, long requestId, int step, int layer, int fl) {
    access(key, op, weight, tokens, requestId, step, layer, fl, Float.NaN);
  }

  @Override
  public void access(long key, int op, int weight, int tok, long requestId, int step, int layer, int fl, float m) {
    if (op != AccessOp.READ.code() || step < 0) {
      flush();
      next.access(key, op, weight, tok, requestId, step, layer, fl);
      return;
    }
    if (n > 0 && (requestId != groupRequest || step != groupStep || layer != groupLayer)) {
      flush();
    }
    if (n == keys.length) {
      keys = Arrays.copyOf(keys, n * 2);
      weights = Arrays.copyOf(weights, n * 2);
      tokens = Arrays.copyOf(tokens, n * 2);
      flags = Arrays.copyOf(flags, n * 2);
      mass = Arrays.copyOf(mass, n * 2);
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

  public void flush() {
    long after = 0;
    for (int i = n - 1; i >= 0; i--) {
      int codec = rule.codecFor(after).ordinal() + 1;
      flags[i] = (flags[i] & ~AccessSink.CODEC_MASK) | (codec << AccessSink.CODEC_SHIFT);
      after += tokens[i];
    }
    for (int i = 0; i < n; i++) {
      next.access(keys[i], AccessOp.READ.code(), weights[i], tokens[i], groupRequest, groupStep, groupLayer, flags[i]);
    }
    n = 0;
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
}
