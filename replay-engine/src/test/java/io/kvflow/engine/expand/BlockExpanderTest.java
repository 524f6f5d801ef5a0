package io.kvflow.engine.expand;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import io.kvflow.engine.schedule.BatchLimits;
import io.kvflow.engine.schedule.BatchScheduler;
import io.kvflow.engine.schedule.RequestList;
import io.kvflow.engine.schedule.RequestList.Request;
import io.kvflow.engine.spec.FinishedRequests;
import io.kvflow.engine.spec.Placement;
import io.kvflow.engine.spec.Preemption;
import io.kvflow.trace.AccessOp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the block expander emits for a preemption and a resumption, worked out by hand. Two
 * requests share their one input block A (4-token blocks, a first tier of 5 blocks, finished
 * requests free their blocks): both grow a block in iteration 0 and outgrow the tier, request 2
 * stops after one token (its generated block is 2.1) and resumes in iteration 6, once request 1
 * has finished after 6 tokens (its generated blocks 1.1 and 1.2); request 2 then grows block 2.2.
 */
class BlockExpanderTest {
  private static final long A = 0xA;

  /** Every access as "OP key request step tokens flags"; keys of generated blocks as "r.k". */
  private static final class Log implements AccessSink {
    final List<String> all = new ArrayList<>();

    private static String key(long k) {
      if (k == A) {
        return "A";
      }
      for (long r = 1; r <= 2; r++) {
        for (long i = 0; i < 4; i++) {
          if (k == BlockExpander.privateKey(r, i)) {
            return r + "." + i;
          }
        }
      }
      return Long.toString(k);
    }

    @Override
    public void access(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags) {
      all.add(AccessOp.ofCode(op) + " " + key(key) + " r" + requestId + " s" + step + " t" + tokens + " f" + flags);
    }

    List<String> writesAndFrees() {
      return all.stream().filter(s -> s.startsWith("WRITE") || s.startsWith("FREE")).toList();
    }

    /** The READs and APPENDs of one decode step of one request. */
    List<String> decodeStep(long request, int step) {
      return all.stream().filter(s -> s.startsWith("READ") || s.startsWith("APPEND"))
          .filter(s -> s.contains(" r" + request + " s" + step + " ")).toList();
    }
  }

  private static Log run(Preemption preemption) {
    Log log = new Log();
    BlockExpander expander = new BlockExpander(log, Placement.BLOCK, FinishedRequests.FREE, 1, 4, new TraceStats(),
        Progress.NONE, 2);
    BatchScheduler scheduler = new BatchScheduler(new BatchLimits(2, 0, 5, preemption), 4, expander);
    try (RequestList rows = new RequestList(16, new Request(1, 0, 4, 6, A), new Request(2, 0, 4, 6, A))) {
      scheduler.run(rows, rows.batch());
    }
    assertEquals(1, scheduler.preemptions());
    return log;
  }

  @Test
  void recomputeFreesTheGeneratedBlocksAndPrefillsTheWholeSequenceAgain() {
    Log log = run(Preemption.RECOMPUTE);
    assertEquals(List.of(
        "WRITE A r1 s-1 t4 f1",
        "WRITE A r2 s-1 t4 f1",
        "FREE 2.1 r2 s1 t0 f0", // preempted: its generated block goes, its input block stays cached
        "FREE 1.1 r1 s6 t0 f0", // request 1 finishes; A is still request 2's
        "FREE 1.2 r1 s6 t0 f0",
        "WRITE A r2 s-1 t4 f2", // resumed: a new prefill over its 5 tokens
        "WRITE 2.1 r2 s-1 t1 f2",
        "FREE A r2 s6 t0 f0",
        "FREE 2.1 r2 s6 t0 f0",
        "FREE 2.2 r2 s6 t0 f0"), log.writesAndFrees());
    assertEquals(List.of("READ A r2 s1 t4 f0", "READ 2.1 r2 s1 t1 f0", "APPEND 2.1 r2 s1 t1 f0"), log.decodeStep(2, 1));
  }

  @Test
  void swapKeepsTheBlocksAndTheResumedRequestReadsThemBack() {
    Log log = run(Preemption.SWAP);
    assertEquals(List.of(
        "WRITE A r1 s-1 t4 f1",
        "WRITE A r2 s-1 t4 f1",
        "FREE 1.1 r1 s6 t0 f0",
        "FREE 1.2 r1 s6 t0 f0",
        "FREE A r2 s6 t0 f0",
        "FREE 2.1 r2 s6 t0 f0",
        "FREE 2.2 r2 s6 t0 f0"), log.writesAndFrees());
    assertEquals(List.of("READ A r2 s1 t4 f0", "READ 2.1 r2 s1 t1 f0", "APPEND 2.1 r2 s1 t1 f0"), log.decodeStep(2, 1));
  }
}
