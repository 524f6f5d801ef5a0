package io.kvflow.analysis.reuse;

import java.util.Arrays;

/**
 * Exact reuse (stack) distance of every access of a stream, in O(log n) per access and memory
 * O(distinct keys): a counter of marks over access positions ({@link MarkCounter}: a bitmap plus a
 * Fenwick tree over 1,024-position superblocks) marks the latest access of each key; the distance
 * of an access is the number of marks after the key's previous position (Bennett and
 * Kruskal 1975; Almasi, Cascaval and Padua 2002). When positions run out the live positions are
 * renumbered in order (compaction), so memory follows the distinct keys, not the stream length.
 *
 * <p>Two halves: {@link PositionAssigner} maps keys to previous positions (the hash map), this class
 * counts marks; a pipelined caller runs the first on its decoding thread ({@link
 * ReuseStudy}), so a trace's distances take two cores.
 *
 * <p>Also the reuse-time histogram (accesses in between), in log2 bins. An LRU cache of C blocks
 * hits exactly the accesses of distance < C.
 */
public final class ReuseDistanceAnalyzer {
  // the key half, for callers that hand over keys; a pipelined caller runs its own on another thread
  private final PositionAssigner keys;
  // Access times: positions from epochPos on were handed out one per access since epochTime, so
  // their time is arithmetic; only the survivors of the last compaction (positions < epochPos) keep
  // their time in survivorTime. A quick reuse then costs no memory access for its reuse time.
  private long[] survivorTime = new long[0];
  private int epochPos;
  private long epochTime;
  private MarkCounter marks;
  private int next;
  private long accesses;
  private long coldMisses;
  private final DistanceHistogram histogram = new DistanceHistogram();
  // distances not yet in the histogram: adding them in a tight loop lets the scattered counter
  // updates overlap their cache misses (distances < 2^31: positions are ints)
  private final int[] pending = new int[4096];
  private int pendingCount;
  private final long[] reuseTimeLog2 = new long[65];
  private final long[] scratch = new long[4096];

  public ReuseDistanceAnalyzer() {
    this(1 << 12);
  }

  /** With room for {@code positions} accesses before the first compaction. */
  ReuseDistanceAnalyzer(int positions) {
    keys = new PositionAssigner(positions);
    marks = new MarkCounter(positions);
  }

  /** Records one access; returns its distance, or -1 for a first access (infinite distance). */
  public long access(long key) {
    return accessPosition(keys.assign(key));
  }

  /** Bulk form, same results as one call per key; {@code keys} is left unchanged. */
  public void access(long[] keys, int off, int len) {
    for (int from = off; from < off + len; from += scratch.length) {
      int n = Math.min(scratch.length, off + len - from);
      System.arraycopy(keys, from, scratch, 0, n);
      this.keys.assignInPlace(scratch, 0, n);
      acceptPositions(scratch, 0, n);
    }
  }

  /**
   * The counting half: accesses whose keys' previous positions a {@link PositionAssigner} (fed the
   * same keys in the same order, and only those) gave, in {@code lasts[from..to)}.
   */
  void acceptPositions(long[] lasts, int from, int to) {
    for (int i = from; i < to; i++) {
      accessPosition((int) lasts[i]);
    }
  }

  /** One access whose key was last accessed at position {@code last} (-1: never); returns its distance. */
  private long accessPosition(int last) {
    if (next == marks.capacity()) {
      compact();
    }
    long now = accesses++;
    int t = next++;
    long distance;
    if (last < 0) {
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
    marks.set(t);
    return distance;
  }

  /** Drops a key from the stack (SHARDS fixed-size evicts keys from its sample this way). */
  public void forget(long key) {
    int last = keys.forget(key);
    if (last >= 0) {
      marks.clear(last);
    }
  }

  /**
   * Renumbers the live positions 0..n-1 in order, as {@link PositionAssigner} does at the same
   * access (same rule: the position space is full; same new size), keeping their access times.
   */
  private void compact() {
    int n = marks.marks();
    MarkCounter fresh = new MarkCounter(PositionAssigner.grownSize(n, marks.capacity()));
    long[] times = new long[n];
    int r = 0;
    for (int w = 0; w < (next + 63) >>> 6; w++) {
      long bits = marks.word(w);
      while (bits != 0) {
        int p = (w << 6) + Long.numberOfTrailingZeros(bits);
        bits &= bits - 1;
        times[r] = p >= epochPos ? epochTime + (p - epochPos) : survivorTime[p];
        fresh.setBitOnly(r);
        r++;
      }
    }
    fresh.rebuild(n);
    survivorTime = times;
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
    return marks.marks();
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
