package io.kvflow.analysis.reuse;

import io.kvflow.common.LongIntHashMap;

/**
 * Exact reuse (stack) distances below a limit K, in memory O(K): the LRU stack of the K most
 * recently used distinct keys. A key at depth d < K of the stack is exactly a key whose next access
 * has distance d, so keeping only the top K keys loses nothing below K; every other access (first
 * access, or distance >= K) is counted as a miss of an LRU cache of K blocks. This is an LRU cache of
 * K blocks that also says at which depth each hit was.
 *
 * <p>The stack is a {@link MarkCounter} over access positions (the latest position of each kept key
 * is marked; the depth of a key is the number of marks after its position), a map from key to
 * position, and the key of every position. When a new key pushes the stack over K, the oldest mark
 * (found by scanning the bitmap forward from the previous oldest: positions only grow) and its key
 * go. When positions run out, the K live ones are renumbered in order (compaction); positions are 16
 * times K, so a compaction (K map updates) comes every 15 K accesses at most.
 */
public final class NearDistances {
  private final int limit;
  private final int positions;
  private final LongIntHashMap positionOf;
  private long[] keyAt;
  private long[] spareKeyAt; // compaction writes here, then the two swap
  private MarkCounter marks;
  private int next;
  private int oldest;
  private final long[] counts;
  private long misses;
  private long accesses;

  /** Exact distances below {@code limit} (K >= 1). */
  public NearDistances(int limit) {
    if (limit < 1 || limit > (1 << 26)) {
      throw new IllegalArgumentException("limit must be in 1..2^26: " + limit);
    }
    this.limit = limit;
    this.positions = MarkCounter.positionsFor((int) Math.min(1 << 30, 16L * limit));
    this.positionOf = new LongIntHashMap(limit + 1);
    this.keyAt = new long[positions];
    this.spareKeyAt = new long[positions];
    this.marks = new MarkCounter(positions);
    this.counts = new long[limit];
  }

  /** Records one access; returns its distance when below K, else -1 (a first access or a distance >= K). */
  public int access(long key) {
    accesses++;
    if (next == positions) {
      compact();
    }
    int t = next++;
    keyAt[t] = key;
    int last = positionOf.put(key, t);
    if (last != LongIntHashMap.MISSING) {
      int d = marks.countAfter(last);
      marks.clear(last);
      marks.set(t);
      counts[d]++;
      return d;
    }
    marks.set(t);
    misses++;
    if (marks.marks() > limit) {
      int p = nextMark(oldest);
      marks.clear(p);
      positionOf.remove(keyAt[p]);
      oldest = p + 1;
    }
    return -1;
  }

  /** The first marked position at or after {@code from} (one exists: the stack is not empty). */
  private int nextMark(int from) {
    int w = from >>> 6;
    long bits = marks.word(w) & (-1L << (from & 63));
    while (bits == 0) {
      bits = marks.word(++w);
    }
    return (w << 6) + Long.numberOfTrailingZeros(bits);
  }

  /** Renumbers the live positions 0..n-1 in order, with their keys. */
  private void compact() {
    MarkCounter fresh = new MarkCounter(positions);
    long[] keys = spareKeyAt;
    int r = 0;
    for (int w = 0; w < positions >>> 6; w++) {
      long bits = marks.word(w);
      while (bits != 0) {
        int p = (w << 6) + Long.numberOfTrailingZeros(bits);
        bits &= bits - 1;
        keys[r] = keyAt[p];
        positionOf.put(keyAt[p], r);
        fresh.setBitOnly(r);
        r++;
      }
    }
    fresh.rebuild(r);
    marks = fresh;
    spareKeyAt = keyAt;
    keyAt = keys;
    next = r;
    oldest = 0;
  }

  public int limit() {
    return limit;
  }

  public long accesses() {
    return accesses;
  }

  /** Accesses that miss an LRU cache of K blocks (first accesses and distances >= K). */
  public long misses() {
    return misses;
  }

  /** Accesses at distance {@code d} < K. */
  public long count(int d) {
    return counts[d];
  }
}
