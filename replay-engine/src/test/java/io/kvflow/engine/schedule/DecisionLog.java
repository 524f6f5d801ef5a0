package io.kvflow.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kvflow.engine.spec.Preemption;
import io.kvflow.trace.batch.RequestBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the scheduler's decisions as one line per iteration ({@code "admit 1, decode 1@16"}:
 * request 1 joins and decodes at 16 tokens of context), and checks that a seq names one live
 * request at a time. As a clock it advances {@code nsPerIteration} at the end of every iteration
 * and logs each idle ({@code "idle 1000"}).
 */
final class DecisionLog implements DecisionSink, ArrivalClock {
  private final long nsPerIteration;
  private final Map<Integer, Long> live = new HashMap<>();
  private final List<String> lines = new ArrayList<>();
  private final List<String> current = new ArrayList<>();
  private long nowNs;

  DecisionLog(long nsPerIteration) {
    this.nsPerIteration = nsPerIteration;
  }

  /** One line per iteration. */
  List<String> lines() {
    return lines;
  }

  private void check(int seq, long id) {
    assertEquals(Long.valueOf(id), live.get(seq), "seq " + seq + " does not name request " + id);
  }

  @Override
  public void admit(int seq, RequestBatch rows, int row) {
    long id = rows.requestId(row);
    assertNull(live.put(seq, id), "seq " + seq + " given to request " + id + " while in use");
    current.add("admit " + id);
  }

  @Override
  public void decode(int seq, long requestId, int step, long contextTokens) {
    check(seq, requestId);
    current.add("decode " + requestId + "@" + contextTokens);
  }

  @Override
  public void finish(int seq, long requestId, int decodedTokens) {
    check(seq, requestId);
    live.remove(seq);
    current.add("finish " + requestId);
  }

  @Override
  public void preempt(int seq, long requestId, int decodedTokens, Preemption mode) {
    check(seq, requestId);
    current.add("preempt " + requestId);
  }

  @Override
  public void resume(int seq, long requestId, long contextTokens, Preemption mode) {
    check(seq, requestId);
    current.add("resume " + requestId + "@" + contextTokens);
  }

  @Override
  public void iterationFinished(long iteration) {
    assertEquals(lines.size(), iteration, "iterations are numbered from 0");
    lines.add(String.join(", ", current));
    current.clear();
    nowNs += nsPerIteration;
  }

  @Override
  public long nowNs() {
    return nowNs;
  }

  @Override
  public void idleUntil(long ns) {
    current.add("idle " + ns);
    nowNs = Math.max(nowNs, ns);
  }
}
