package io.kvflow.analysis.listen;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.BadInputException;
import org.junit.jupiter.api.Test;

/** A clock or a time that wrapped past 2^63 is caught at the step it happens. */
class OverflowGuardTest {
  @Test
  void aClockThatGoesBackIsAWrap() {
    OverflowGuard g = new OverflowGuard("t.parquet with config c.json");
    g.stepTimed(0, 0, 10, 0, 10);
    g.stepTimed(1, 10, Long.MAX_VALUE - 20, 0, 5);
    BadInputException e = assertThrows(BadInputException.class, () -> g.stepTimed(2, Long.MIN_VALUE + 3, 7, 0, 7));
    assertTrue(e.getMessage().startsWith("t.parquet with config c.json: a 64-bit figure wrapped around (the simulated "
        + "clock at step 2 (start -9223372036854775805 ns after 10 ns"), e.getMessage());
  }

  @Test
  void aStepThatWouldPassTheLargestTimeOrANegativeTimeIsAWrap() {
    OverflowGuard g = new OverflowGuard("x");
    assertThrows(BadInputException.class, () -> g.stepTimed(0, Long.MAX_VALUE - 5, 10, 0, 10));
    assertThrows(BadInputException.class, () -> g.requestTimed(1, -4, -1, 5));
    assertThrows(BadInputException.class, () -> g.transferTimed(0, -1));
    g.requestTimed(1, 4, -1, 5); // tpot -1: fewer than two output tokens, no wrap
  }
}
