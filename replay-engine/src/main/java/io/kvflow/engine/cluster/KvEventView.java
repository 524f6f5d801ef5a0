package io.kvflow.engine.cluster;

import io.kvflow.common.LongIntHashMap;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.expand.AdmissionClock;
import io.kvflow.engine.residency.AccessOutcome;
import io.kvflow.engine.residency.ResidencyTracker;
import java.util.Arrays;

/**
 * A router's view of one instance's first tier fed by simulated KV events, as Dynamo's KV router
 * is fed by the workers' {@code stored} / {@code removed} block events: every access that changes
 * which units the first tier holds emits events stamped with the instance's clock (the unit it
 * admitted; the unit it evicted to make room; a unit freed or moved down), and the view applies an
 * event only once it is {@code lagNs} old. With lag 0 the view is the first tier as it is.
 *
 * <p>The events are derived, not assumed: after each access the accessed unit's presence in the
 * first tier is compared with the events' own record of it, and the first tier's victim comes from
 * the access outcome; {@link #checkAgainst} checks the record against the first tier.
 */
final class KvEventView implements ReplayListener {
  private final ResidencyTracker tracker;
  private final AdmissionClock clock;
  private final long lagNs;
  /** The first tier as the events so far say (key -> 1). */
  private final LongIntHashMap live = new LongIntHashMap(1 << 12);
  /** The first tier as the events at least {@code lagNs} old say. */
  private final LongIntHashMap seen = new LongIntHashMap(1 << 12);
  // events not applied to the view yet, a FIFO: [head, tail)
  private long[] timeNs = new long[1024];
  private long[] keys = new long[1024];
  private boolean[] stored = new boolean[1024];
  private int head;
  private int tail;
  private long events;

  KvEventView(ResidencyTracker tracker, AdmissionClock clock, long lagNs) {
    this.tracker = tracker;
    this.clock = clock;
    this.lagNs = lagNs;
  }

  @Override
  public void access(AccessOutcome o) {
    if (o.firstTierEvicted && live.remove(o.firstTierVictim) >= 0) {
      emit(o.firstTierVictim, false);
    }
    boolean now = tracker.residentInFirstTier(o.key);
    if (now != live.containsKey(o.key)) {
      if (now) {
        live.put(o.key, 1);
      } else {
        live.remove(o.key);
      }
      emit(o.key, now);
    }
  }

  private void emit(long key, boolean store) {
    if (tail == keys.length) {
      int n = tail - head;
      if (head > 0 && n < keys.length / 2) {
        System.arraycopy(timeNs, head, timeNs, 0, n);
        System.arraycopy(keys, head, keys, 0, n);
        System.arraycopy(stored, head, stored, 0, n);
      } else {
        timeNs = Arrays.copyOfRange(timeNs, head, head + keys.length * 2);
        keys = Arrays.copyOfRange(keys, head, head + keys.length * 2);
        stored = Arrays.copyOfRange(stored, head, head + stored.length * 2);
      }
      head = 0;
      tail = n;
    }
    timeNs[tail] = clock.nowNs();
    keys[tail] = key;
    stored[tail] = store;
    tail++;
    events++;
  }

  /** Whether the view at {@code nowNs} holds {@code key}: the events up to {@code nowNs - lagNs} applied. */
  boolean holds(long key, long nowNs) {
    long until = nowNs - lagNs;
    while (head < tail && timeNs[head] <= until) {
      if (stored[head]) {
        seen.put(keys[head], 1);
      } else {
        seen.remove(keys[head]);
      }
      head++;
    }
    return seen.containsKey(key);
  }

  /** KV events emitted so far. */
  long events() {
    return events;
  }

  /** Throws IllegalStateException unless the events' record is the first tier's contents. */
  void checkAgainst() {
    long[] resident = tracker.residentKeys(0);
    if (resident.length != live.size()) {
      throw new IllegalStateException("KV events record " + live.size() + " units in the first tier, which holds "
          + resident.length);
    }
    for (long k : resident) {
      if (!live.containsKey(k)) {
        throw new IllegalStateException("the first tier holds unit " + k + " that no KV event stored");
      }
    }
  }
}
