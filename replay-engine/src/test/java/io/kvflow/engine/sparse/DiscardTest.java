package io.kvflow.engine.sparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.spec.DiscardKind;
import io.kvflow.engine.spec.DiscardSpec;
import io.kvflow.trace.AccessOp;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Selective discard on a decode sequence built here: held tokens, heavy hitters, frees. */
class DiscardTest {
  static final int BT = 16;

  /** Records what passes the filter. */
  static final class Downstream implements AccessSink {
    final Set<Long> freed = new HashSet<>();
    final Set<Long> readAfterFree = new HashSet<>();

    @Override
    public void access(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags) {
      if (op == AccessOp.FREE.code()) {
        assertTrue(freed.add(key), "block " + key + " freed twice");
      } else if (op == AccessOp.READ.code() && freed.contains(key)) {
        readAfterFree.add(key);
      }
    }
  }

  /** Prefill of 10 full blocks, then decode steps reading every block (mass: heavy blocks 3 and 6). */
  static void decode(DiscardFilter f, int steps, java.util.function.IntConsumer afterStep) {
    for (int b = 0; b < 10; b++) {
      f.access(b, AccessOp.WRITE.code(), 1, BT, 0, -1, 0, 0, Float.NaN);
    }
    int length = 10 * BT;
    for (int s = 0; s < steps; s++) {
      int blocks = (length + BT - 1) / BT;
      for (int b = 0; b < blocks; b++) {
        float m = b == 3 || b == 6 ? 0.3f : 0.4f / (blocks - 2);
        f.access(b, AccessOp.READ.code(), 1, Math.min(BT, length - b * BT), 0, s, 0, 0, m);
      }
      f.access(length / BT, AccessOp.APPEND.code(), 1, length % BT + 1, 0, s, 0, 0, Float.NaN);
      length++;
      f.flush();
      afterStep.accept(s);
    }
  }

  @Test
  void streamingLlmNeverHoldsMoreThanSinkPlusRecentTokens() {
    Downstream d = new Downstream();
    DiscardFilter f = new DiscardFilter(d, new DiscardSpec(DiscardKind.STREAMING_LLM, 4, 32, 0), new RetainedMass());
    decode(f, 40, s -> assertTrue(f.heldTokens(0, 0) <= 4 + 32, "step " + s + " holds " + f.heldTokens(0, 0)));
    assertEquals(4 + 32, f.heldTokens(0, 0));
    assertTrue(d.freed.size() > 0);
    assertTrue(d.readAfterFree.isEmpty(), "discarded blocks are never read again");
    assertFalse(d.freed.contains(0L), "the sink block stays");
  }

  @Test
  void h2oKeepsTheConfiguredHeavyHittersAndTheRecentWindow() {
    Downstream d = new Downstream();
    DiscardFilter f = new DiscardFilter(d, new DiscardSpec(DiscardKind.H2O, 0, 32, 2), new RetainedMass());
    decode(f, 40, s -> { });
    assertFalse(d.freed.contains(3L), "heavy hitter 3 kept");
    assertFalse(d.freed.contains(6L), "heavy hitter 6 kept");
    // 200 tokens: blocks 10..12 cover the recent 32 tokens (plus block 3 and 6): nothing else
    int held = f.heldBlocks(0, 0);
    assertEquals(2 + 3, held);
    assertTrue(d.readAfterFree.isEmpty());
  }

  @Test
  void snapKvSelectsOnceOnTheFirstStepAndKeepsEverythingGeneratedAfter() {
    Downstream d = new Downstream();
    DiscardFilter f = new DiscardFilter(d, new DiscardSpec(DiscardKind.SNAPKV, 0, 32, 2), new RetainedMass());
    decode(f, 40, s -> { });
    // after step 0 (160 prompt tokens): heavy hitters 3 and 6, recent 32 tokens = blocks 8 and 9
    assertEquals(Set.of(0L, 1L, 2L, 4L, 5L, 7L), d.freed);
    // the 40 generated tokens (blocks 10..12) are all kept: no window slides after the selection
    assertEquals(4 + 3, f.heldBlocks(0, 0));
    assertEquals(4 * BT + 40, f.heldTokens(0, 0));
    assertTrue(d.readAfterFree.isEmpty());
  }
}
