package io.kvflow.analysis.reuse;

import io.kvflow.common.LongIntHashMap;
import java.util.Arrays;

/**
 * Exact reuse (stack) distance of every access of a stream, in O(log n) per access and memory
 * O(distinct keys): a counter of marks over access positions ({@link MarkCounter}: a bitmap plus a
 * Fenwick tree over 1,024-position superblocks) marks the latest access of each key; the distance
 * of an access is the number of marks after the key's previous position (Bennett and
 * Kruskal 1975; Almasi, Cascaval and Padua 2002). When positions run out the live positions are
 * renumbered in order (compaction), so memory follows the distinct keys, not the stream length.
 *
 * <p>Also the reuse-time histogram (accesses in between), in log2 bins. An LRU cache of C blocks
 * hits exactly the accesses of distance < C.
 */
public final class ReuseDistanceAnalyzer {
  private final LongIntHashMap lastPosition = new LongIntHashMap(1 << 12);
  private long[] keyAt;
  // Access times: positions from epochPos on were handed out one per access since epochTime, so
  // their time is arithmetic; only the survivors of the last compaction (positions < epochPos) keep
  // their time in survivorTime. A quick reuse then costs no memory access for its reuse time.
  private long[] survivorTime = new long[0];
  private int epochPos;
  private long epochTime;
  private MarkCounter marks;
  private int next;
  private int liveKeys;
  private long accesses;
  private long coldMisses;
  private final DistanceHistogram histogram = new DistanceHistogram();
  // distances not yet in the histogram: adding them in a tight loop lets the scattered counter
  // updates overlap their cache misses (distances < 2^31: positions are ints)
  private final int[] pending = new int[4096];
  private int pendingCount;
  private final long[] reuseTimeLog2 = new long[65];
  private static final int LOOK_AHEAD = 12;
  // keeps the look-ahead loads from being optimised away
  private long sink;

  public ReuseDistanceAnalyzer() {
    this(1 << 12);
  }

  /** With room for {@code positions} accesses before the first compaction. */
  ReuseDistanceAnalyzer(int positions) {
    allocate(positions);
  }


  private void allocate(int size) {
    marks = new MarkCounter(size);
    keyAt = new long[marks.capacity()];
  }

  /** Records one access; returns its distance, or -1 for a first access (infinite distance). */
  public long access(long key) {
    if (next == keyAt.length) {
      compact();
    }
    long now = accesses++;
    int t = next++;
    int last = lastPosition.put(key, t);
    long distance;
    if (last == LongIntHashMap.MISSING) {
      liveKeys++;
      coldMisses++;
      distance = -1;
      histogram.addCold(1);
    } else {
      // every live mark is before t: the distinct keys since `last` are the marks after it
      distance = marks.countAfter(last);
      marks.clear(last);
      pending[pendingCount++] = (int) distance;
      if (pendingCount == pending.length) {
        flushPending();
      }
      long lastTime = last >= epochPos ? epochTime + (last - epochPos) : survivorTime[last];
      long reuseTime = now - lastTime - 1;
      reuseTimeLog2[reuseTime == 0 ? 0 : 64 - Long.numberOfLeadingZeros(reuseTime)]++;
    }
    keyAt[t] = key;
    marks.set(t);
    return distance;
  }

  /**
   * Bulk form, same results as one call per key; touches the map slot of the key {@value
   * #LOOK_AHEAD} accesses ahead so that the map's cache misses overlap instead of queueing.
   */
  public void access(long[] keys, int off, int len) {
    int end = off + len;
    long touched = 0;
    for (int i = off; i < Math.min(end, off + LOOK_AHEAD); i++) {
      touched += lastPosition.touch(keys[i]);
    }
    for (int i = off; i < end; i++) {
      if (i + LOOK_AHEAD < end) {
        touched += lastPosition.touch(keys[i + LOOK_AHEAD]);
      }
      access(keys[i]);
    }
    sink ^= touched;
  }

  /** Drops a key from the stack (SHARDS fixed-size evicts keys from its sample this way). */
  public void forget(long key) {
    int last = lastPosition.remove(key);
    if (last != LongIntHashMap.MISSING) {
      marks.clear(last);
      liveKeys--;
    }
  }

  private void compact() {
    int distinct = lastPosition.size();
    int size = keyAt.length;
    // keep at least 8 positions per distinct key, so a compaction (O(positions)) comes at most
    // every 7 x distinct accesses: amortised O(1) per access (8 measured fastest of 2, 4, 8, 16)
    while (distinct > size / 8) {
      size *= 2;
    }
    MarkCounter fresh = new MarkCounter(size);
    long[] keys = new long[fresh.capacity()];
    long[] times = new long[fresh.capacity()];
    int n = 0;
    for (int p = 0; p < next; p++) {
      if (marks.marked(p)) {
        keys[n] = keyAt[p];
        times[n] = p >= epochPos ? epochTime + (p - epochPos) : survivorTime[p];
        fresh.setBitOnly(n);
        n++;
      }
    }
    // a live key's new position is the rank of its old one among the marks: one sequential pass
    // over the map instead of a lookup per key
    MarkCounter old = marks;
    int[] before = old.marksBeforeWords();
    lastPosition.transformValues(p -> old.rank(p, before));
    fresh.rebuild(n);
    keyAt = keys;
    survivorTime = java.util.Arrays.copyOf(times, n);
    epochPos = n;
    epochTime = accesses;
    marks = fresh;
    next = n;
  }

  public long accesses() {
    return accesses;
  }

  public long coldMisses() {
    return coldMisses;
  }

  public long distinctKeys() {
    return lastPosition.size();
  }

  private void flushPending() {
    for (int i = 0; i < pendingCount; i++) {
      histogram.add(pending[i], 1);
    }
    pendingCount = 0;
  }

  public DistanceHistogram histogram() {
    flushPending();
    return histogram;
  }

  /** Reuse times in log2 bins: bin 0 is reuse time 0, bin b counts times in [2^(b-1), 2^b). */
  public long[] reuseTimeLog2() {
    return Arrays.copyOf(reuseTimeLog2, reuseTimeLog2.length);
  }
}
