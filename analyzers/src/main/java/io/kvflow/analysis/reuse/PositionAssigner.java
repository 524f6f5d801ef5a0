package io.kvflow.analysis.reuse;

import io.kvflow.common.LongIntHashMap;

/**
 * The key half of exact reuse distance: gives every access a position (0, 1, 2, ...) and returns
 * the position of the key's previous access (or -1), renumbering live positions by rank when the
 * position space is full. Its compactions follow the same rule at the same accesses as the
 * counting half ({@link ReuseDistanceAnalyzer#accessPosition}), which needs only these previous
 * positions: so the two halves can run on two threads, the positions handed over in chunks.
 */
final class PositionAssigner {
  /** Positions kept per distinct key after a compaction (8 measured fastest of 2, 4, 8, 16). */
  static final int SLACK = 8;
  private static final int LOOK_AHEAD = 12;

  private final LongIntHashMap lastPosition = new LongIntHashMap(1 << 12);
  private long[] live; // bitmap of the latest position of every key
  private int next;
  private long sink;

  PositionAssigner(int positions) {
    live = new long[MarkCounter.positionsFor(positions) >>> 6];
  }

  /** The size of the position space after a compaction with {@code distinct} live keys in {@code current}. */
  static int grownSize(int distinct, int current) {
    int size = current;
    while (distinct > size / SLACK) {
      size *= 2;
    }
    return MarkCounter.positionsFor(size);
  }

  /** The previous position of {@code key}, or -1 for its first access. */
  int assign(long key) {
    if (next == live.length << 6) {
      compact();
    }
    int t = next++;
    int last = lastPosition.put(key, t);
    if (last != LongIntHashMap.MISSING) {
      live[last >>> 6] &= ~(1L << last);
    }
    live[t >>> 6] |= 1L << t;
    return last;
  }

  /**
   * Replaces {@code keys[from..to)} by their previous positions, touching the map slot of the key
   * {@value #LOOK_AHEAD} accesses ahead so that the map's cache misses overlap.
   */
  void assignInPlace(long[] keys, int from, int to) {
    long touched = 0;
    for (int i = from; i < Math.min(to, from + LOOK_AHEAD); i++) {
      touched += lastPosition.touch(keys[i]);
    }
    for (int i = from; i < to; i++) {
      if (i + LOOK_AHEAD < to) {
        touched += lastPosition.touch(keys[i + LOOK_AHEAD]);
      }
      keys[i] = assign(keys[i]);
    }
    sink ^= touched;
  }

  /** Drops {@code key}; returns its position, or -1 when it was not live. */
  int forget(long key) {
    int last = lastPosition.remove(key);
    if (last != LongIntHashMap.MISSING) {
      live[last >>> 6] &= ~(1L << last);
    }
    return last;
  }

  int distinctKeys() {
    return lastPosition.size();
  }

  private void compact() {
    int n = lastPosition.size();
    long[] old = live;
    int[] before = new int[old.length + 1];
    int c = 0;
    for (int w = 0; w < old.length; w++) {
      before[w] = c;
      c += Long.bitCount(old[w]);
    }
    // a live key's new position is the rank of its old one: one sequential pass over the map
    lastPosition.transformValues(p -> before[p >>> 6] + Long.bitCount(old[p >>> 6] & ((1L << p) - 1)));
    live = new long[grownSize(n, old.length << 6) >>> 6];
    for (int p = 0; p < n; p++) {
      live[p >>> 6] |= 1L << p;
    }
    next = n;
  }
}
