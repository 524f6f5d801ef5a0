package io.kvflow.engine.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Which blocks of a sequence each offload range selects. */
class OffloadSpecTest {
  static int count(OffloadSpec s, int blocks, long tokens, int blockTokens) {
    int n = 0;
    for (int i = 0; i < blocks; i++) {
      n += s.offloaded(i, blocks, tokens, blockTokens) ? 1 : 0;
    }
    return n;
  }

  @Test
  void rangesSelectTheirBlocks() {
    OffloadSpec oldest = new OffloadSpec(1, OffloadSpec.Range.OLDEST_FRACTION, 0.25, 0);
    assertEquals(2, count(oldest, 10, 160, 16)); // floor(2.5)
    assertEquals(true, oldest.offloaded(0, 10, 160, 16));
    assertEquals(false, oldest.offloaded(2, 10, 160, 16));
    OffloadSpec newest = new OffloadSpec(1, OffloadSpec.Range.NEWEST_FRACTION, 0.5, 0);
    assertEquals(5, count(newest, 10, 160, 16));
    assertEquals(true, newest.offloaded(9, 10, 160, 16));
    // keep the newest 40 tokens of 160 (blocks of 16): blocks ending at or before token 120 go: 0..6
    OffloadSpec beyond = new OffloadSpec(1, OffloadSpec.Range.BEYOND_NEWEST, 0, 40);
    assertEquals(7, count(beyond, 10, 160, 16));
    assertEquals(0, count(new OffloadSpec(1, OffloadSpec.Range.OLDEST_FRACTION, 0, 0), 10, 160, 16));
    assertEquals(10, count(new OffloadSpec(1, OffloadSpec.Range.OLDEST_FRACTION, 1, 0), 10, 160, 16));
  }
}
