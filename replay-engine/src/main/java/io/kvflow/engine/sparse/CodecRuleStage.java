package io.kvflow.engine.sparse;

import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.spec.CodecRule;
import io.kvflow.trace.AccessOp;

/**
 * Applies the distance rule to the reads of each (request, step, layer): a block's age is the
 * number of tokens after it in the sequence (the group lists the blocks in order), and its codec
 * goes into the access's flags for the residency model. Reads pass in order; nothing is dropped.
 */
public final class CodecRuleStage extends ReadGroupStage {
  private final CodecRule rule;

  public CodecRuleStage(AccessSink next, CodecRule rule) {
    super(next);
    this.rule = rule;
  }

  @Override
  void flushGroup() {
    long after = 0;
    for (int i = n - 1; i >= 0; i--) {
      int codec = rule.codecFor(after).ordinal() + 1;
      flags[i] = (flags[i] & ~AccessSink.CODEC_MASK) | (codec << AccessSink.CODEC_SHIFT);
      after += tokens[i];
    }
    for (int i = 0; i < n; i++) {
      forward(keys[i], AccessOp.READ.code(), weights[i], tokens[i], groupRequest, groupStep, groupLayer, flags[i], mass[i]);
    }
  }
}
