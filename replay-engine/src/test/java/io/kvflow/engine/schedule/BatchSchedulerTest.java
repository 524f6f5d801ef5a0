package io.kvflow.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kvflow.engine.schedule.RequestList.Request;
import io.kvflow.engine.spec.Preemption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decisions the scheduler emits on small hand-made request lists, worked out by hand from the
 * rules in {@link BatchScheduler}'s comment. Each expected line is one iteration; {@code decode
 * 2@17} is request 2 decoding after 17 tokens of context.
 */
class BatchSchedulerTest {
  private record Run(List<String> lines, long preemptions, long waitedForMemory) {}

  private static Run run(BatchLimits limits, int blockTokens, long clockNsPerIteration, int rowsPerBatch,
      Request... requests) {
    DecisionLog log = new DecisionLog(clockNsPerIteration);
    BatchScheduler s = new BatchScheduler(limits, blockTokens, log);
    if (clockNsPerIteration > 0) {
      s.setClock(log);
    }
    try (RequestList rows = new RequestList(rowsPerBatch, requests)) {
      s.run(rows, rows.batch());
    }
    assertEquals(log.lines().size(), s.iterations());
    return new Run(log.lines(), s.preemptions(), s.waitedForMemory());
  }

  private static Run run(BatchLimits limits, int blockTokens, Request... requests) {
    return run(limits, blockTokens, 0, 16, requests);
  }

  private static BatchLimits batchOf(int maxBatch) {
    return new BatchLimits(maxBatch, 0, 0, Preemption.NONE);
  }

  private static Request r(long id, int input, int output) {
    return new Request(id, 0, input, output);
  }

  /** Lines {@code "decode <id>@<from>"} .. {@code "decode <id>@<to>"}, one per iteration. */
  private static List<String> decoding(long id, int from, int to) {
    List<String> out = new ArrayList<>();
    for (int c = from; c <= to; c++) {
      out.add("decode " + id + "@" + c);
    }
    return out;
  }

  private static List<String> lines(Object... parts) {
    List<String> out = new ArrayList<>();
    for (Object p : parts) {
      if (p instanceof List<?> l) {
        l.forEach(x -> out.add((String) x));
      } else {
        out.add((String) p);
      }
    }
    return out;
  }

  @Test
  void requestsJoinInFileOrderAsSlotsFreeUp() {
    Request[] requests = {r(1, 16, 3), r(2, 16, 1), r(3, 16, 2), r(4, 16, 1)};
    List<String> expected = List.of(
        "admit 1, admit 2, decode 1@16, decode 2@16, finish 2",
        "admit 3, decode 1@17, decode 3@16",
        "decode 1@18, decode 3@17, finish 3, finish 1",
        "admit 4, decode 4@16, finish 4");
    assertEquals(expected, run(batchOf(2), 16, requests).lines());
    // where the reader's batches of rows end changes nothing
    assertEquals(expected, run(batchOf(2), 16, 0, 1, requests).lines());
  }

  @Test
  void finishedRequestsLeaveFromTheBackAndTheLastTakesTheirPlace() {
    // request 3 moves into request 1's place; a request without output finishes as it joins
    assertEquals(List.of(
        "admit 1, admit 2, admit 3, decode 1@16, decode 2@16, decode 3@16, finish 1",
        "admit 4, finish 4, decode 3@17, decode 2@17, finish 2, finish 3"),
        run(batchOf(3), 16, r(1, 16, 1), r(2, 16, 2), r(3, 16, 2), r(4, 16, 0)).lines());
  }

  @Test
  void withAClockRequestsWaitForTheirArrivalAndAnIdleBatchSkipsAhead() {
    Request[] requests = {new Request(1, 0, 16, 3), new Request(2, 150, 16, 1), new Request(3, 1000, 16, 1)};
    // the clock advances 100 ns an iteration: request 2 has arrived at the start of iteration 2 (200 ns)
    assertEquals(List.of(
        "admit 1, decode 1@16",
        "decode 1@17",
        "admit 2, decode 1@18, decode 2@16, finish 2, finish 1",
        "idle 1000, admit 3, decode 3@16, finish 3"),
        run(batchOf(4), 16, 100, 16, requests).lines());
    // without a clock arrival times play no part
    assertEquals(List.of(
        "admit 1, admit 2, admit 3, decode 1@16, decode 2@16, decode 3@16, finish 3, finish 2",
        "decode 1@17",
        "decode 1@18, finish 1"),
        run(batchOf(4), 16, requests).lines());
  }

  @Test
  void theTokenBudgetHoldsBackPrefillsButNeverALoneRequest() {
    BatchLimits budget = new BatchLimits(4, 100, 0, Preemption.NONE);
    // iteration 1: one token for the running request, then 50 + 30 of prefill
    Run run = run(budget, 16, r(1, 60, 3), r(2, 50, 1), r(3, 30, 1));
    assertEquals(List.of(
        "admit 1, decode 1@60",
        "admit 2, admit 3, decode 1@61, decode 2@50, decode 3@30, finish 3, finish 2",
        "decode 1@62, finish 1"), run.lines());
    assertEquals(0, run.waitedForMemory());
    assertEquals(List.of(
        "admit 1, decode 1@500, finish 1",
        "admit 2, decode 2@10, finish 2"),
        run(budget, 16, r(1, 500, 1), r(2, 10, 1)).lines());
  }

  @Test
  void admissionWaitsWhileTheFirstTierCannotHoldTheBatch() {
    // 10 blocks of 16 tokens: running blocks + newcomer's + one per running request + 1 must fit
    BatchLimits tier = new BatchLimits(4, 0, 10, Preemption.NONE);
    Run run = run(tier, 16, r(1, 64, 2), r(2, 64, 1), r(3, 16, 1));
    assertEquals(List.of(
        "admit 1, admit 2, decode 1@64, decode 2@64, finish 2",
        "admit 3, decode 1@65, decode 3@16, finish 3, finish 1"), run.lines());
    assertEquals(1, run.waitedForMemory());
    // a wait counts once per iteration; a request larger than the tier joins when nothing runs
    run = run(tier, 16, r(1, 96, 3), r(2, 400, 1));
    assertEquals(List.of(
        "admit 1, decode 1@96",
        "decode 1@97",
        "decode 1@98, finish 1",
        "admit 2, decode 2@400, finish 2"), run.lines());
    assertEquals(3, run.waitedForMemory());
    assertEquals(0, run.preemptions());
  }

  @Test
  void recomputePreemptionStopsTheNewestAndItsPrefillCountsAgainstTheBudgetOnResumption() {
    // 4-token blocks, 5 blocks, 8 tokens an iteration: both requests grow a block at once and
    // outgrow the tier; request 2 (newest) stops and resumes when request 1 has finished
    BatchLimits limits = new BatchLimits(3, 8, 5, Preemption.RECOMPUTE);
    Run run = run(limits, 4, r(1, 4, 8), r(2, 4, 8), r(3, 4, 1));
    assertEquals(lines(
        "admit 1, admit 2, decode 1@4, decode 2@4, preempt 2",
        decoding(1, 5, 10),
        "decode 1@11, finish 1",
        "resume 2@5, decode 2@5", // its 5 tokens of recompute + request 3's 4 pass the budget of 8
        "admit 3, decode 2@6, decode 3@4, finish 3",
        decoding(2, 7, 10),
        "decode 2@11, finish 2"), run.lines());
    assertEquals(1, run.preemptions());
    assertEquals(0, run.waitedForMemory());
  }

  @Test
  void swapPreemptionResumesWithoutPrefillSoTheNextRequestJoinsAtOnce() {
    BatchLimits limits = new BatchLimits(3, 8, 5, Preemption.SWAP);
    Run run = run(limits, 4, r(1, 4, 8), r(2, 4, 8), r(3, 4, 1));
    assertEquals(lines(
        "admit 1, admit 2, decode 1@4, decode 2@4, preempt 2",
        decoding(1, 5, 10),
        "decode 1@11, finish 1",
        "resume 2@5, admit 3, decode 2@5, decode 3@4, finish 3",
        decoding(2, 6, 10),
        "decode 2@11, finish 2"), run.lines());
    assertEquals(1, run.preemptions());
  }

  @Test
  void pausedRequestsResumeOldestFirstAndBeforeAnyNewRequest() {
    // 4-token blocks, 10 blocks. Request 4 would fit from iteration 1 on, but waits until both
    // paused requests are back; request 3 (paused first) resumes first
    BatchLimits limits = new BatchLimits(3, 0, 10, Preemption.SWAP);
    Request[] requests = {r(1, 8, 10), r(2, 8, 10), r(3, 8, 10), r(4, 4, 1)};
    List<String> expected = lines(
        "admit 1, admit 2, admit 3, decode 1@8, decode 2@8, decode 3@8, preempt 3",
        "decode 1@9, decode 2@9",
        "decode 1@10, decode 2@10",
        "decode 1@11, decode 2@11",
        "decode 1@12, decode 2@12",
        "decode 1@13, decode 2@13",
        "decode 1@14, decode 2@14",
        "decode 1@15, decode 2@15",
        "decode 1@16, decode 2@16, preempt 2",
        "resume 3@9, decode 1@17, decode 3@9, finish 1",
        "resume 2@17, decode 3@10, decode 2@17, finish 2", // request 4 waits for memory
        "admit 4, decode 3@11, decode 4@4, finish 4",
        decoding(3, 12, 16),
        "decode 3@17, finish 3");
    Run run = run(limits, 4, requests);
    assertEquals(expected, run.lines());
    assertEquals(2, run.preemptions());
    assertEquals(1, run.waitedForMemory());
    assertEquals(expected, run(limits, 4, 0, 1, requests).lines());
  }

  @Test
  void theVictimIsTheMostRecentlyAdmittedWhereverItSitsInTheBatch() {
    // request 1 finishes first and request 3 takes its place at the front; 3 is still the victim
    BatchLimits limits = new BatchLimits(3, 0, 6, Preemption.RECOMPUTE);
    Run run = run(limits, 4, r(1, 4, 1), r(2, 4, 8), r(3, 4, 8));
    assertEquals(List.of(
        "admit 1, admit 2, admit 3, decode 1@4, decode 2@4, decode 3@4, finish 1",
        "decode 3@5, decode 2@5",
        "decode 3@6, decode 2@6",
        "decode 3@7, decode 2@7",
        "decode 3@8, decode 2@8, preempt 3",
        "decode 2@9",
        "decode 2@10",
        "decode 2@11, finish 2",
        "resume 3@9, decode 3@9",
        "decode 3@10",
        "decode 3@11, finish 3"), run.lines());
    assertEquals(1, run.preemptions());
  }

  @Test
  void withoutPreemptionTheBatchKeepsRunningPastTheTier() {
    BatchLimits limits = new BatchLimits(3, 0, 6, Preemption.NONE);
    Run run = run(limits, 4, r(1, 4, 1), r(2, 4, 8), r(3, 4, 8));
    assertEquals(0, run.preemptions());
    assertEquals(8, run.lines().size());
  }

  @Test
  void limitsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new BatchLimits(0, 0, 0, Preemption.NONE));
    assertThrows(IllegalArgumentException.class, () -> new BatchLimits(1, -1, 0, Preemption.NONE));
    assertThrows(IllegalArgumentException.class, () -> new BatchLimits(1, 0, -1, Preemption.NONE));
    assertThrows(IllegalArgumentException.class, () -> new BatchLimits(1, 0, 0, null));
  }
}
