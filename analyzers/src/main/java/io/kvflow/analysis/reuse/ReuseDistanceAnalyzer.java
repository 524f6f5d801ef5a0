package io.kvflow.analysis.reuse;

import io.kvflow.common.LongIntHashMap;
import java.util.Arrays;

/**
 * Exact reuse (stack) distance of every access of a stream, in O(log n) per access and memory
 * O(distinct keys): a Fenwick tree marks, over access positions, the latest access of each key; the
 * distance of an access is the number of marks after the key's previous position (Bennett and
 * Kruskal 1975; Almasi, Cascaval and Padua 2002). When positions run out the live positions are
 * renumbered in order (compaction), so memory follows the distinct keys, not the stream length.
 *
 * <p>Also the reuse-time histogram (accesses in between), in log2 bins. An LRU cache of C blocks
 * hits exactly the accesses of distance < C.
 */
public final class ReuseDistanceAnalyzer {
  private final LongIntHashMap lastPosition = new LongIntHashMap(1 << 12);
  private long[] keyAt;
  private boolean[] live;
  private long[] lastTime; // global access index of each live position's access
  private Fenwick tree;
  private int next;
  private long accesses;
  private long coldMisses;
  private final DistanceHistogram histogram = new DistanceHistogram();
  private final long[] reuseTimeLog2 = new long[65];

  public ReuseDistanceAnalyzer() {
    allocate(1 << 12);
  }

  private void allocate(int size) {
    keyAt = new long[size];
    live = new boolean[size];
    lastTime = new long[size];
    tree = new Fenwick(size);
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
      coldMisses++;
      distance = -1;
      histogram.addCold(1);
    } else {
      distance = tree.prefix(t - 1) - tree.prefix(last);
      tree.add(last, -1);
      live[last] = false;
      histogram.add(distance, 1);
      long reuseTime = now - lastTime[last] - 1;
      reuseTimeLog2[reuseTime == 0 ? 0 : 64 - Long.numberOfLeadingZeros(reuseTime)]++;
    }
    keyAt[t] = key;
    live[t] = true;
    lastTime[t] = now;
    tree.add(t, 1);
    return distance;
  }

  /** Bulk form. */
  public void access(long[] keys, int off, int len) {
    for (int i = off; i < off + len; i++) {
      access(keys[i]);
    }
  }

  /** Drops a key from the stack (SHARDS fixed-size evicts keys from its sample this way). */
  public void forget(long key) {
    int last = lastPosition.remove(key);
    if (last != LongIntHashMap.MISSING) {
      tree.add(last, -1);
      live[last] = false;
    }
  }

  private void compact() {
    int distinct = lastPosition.size();
    int size = keyAt.length;
    if (distinct > size / 2) {
      size *= 2;
    }
    long[] keys = new long[size];
    long[] times = new long[size];
    boolean[] marks = new boolean[size];
    int n = 0;
    for (int p = 0; p < next; p++) {
      if (live[p]) {
        keys[n] = keyAt[p];
        times[n] = lastTime[p];
        marks[n] = true;
        lastPosition.put(keyAt[p], n);
        n++;
      }
    }
    keyAt = keys;
    lastTime = times;
    live = marks;
    tree.rebuild(marks, n, size);
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

  public DistanceHistogram histogram() {
    return histogram;
  }

  /** Reuse times in log2 bins: bin 0 is reuse time 0, bin b counts times in [2^(b-1), 2^b). */
  public long[] reuseTimeLog2() {
    return Arrays.copyOf(reuseTimeLog2, reuseTimeLog2.length);
  }
}
