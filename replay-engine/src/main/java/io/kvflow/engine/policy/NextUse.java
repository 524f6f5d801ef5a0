package io.kvflow.engine.policy;

import io.kvflow.common.LongIntHashMap;

/**
 * For each position of an access sequence, the position of the next access to the same key
 * ({@link #NEVER} if none): the oracle Belady's OPT needs, built in one backward pass. Memory: one
 * int per access plus one map entry per distinct key.
 */
public final class NextUse {
  public static final long NEVER = Long.MAX_VALUE;

  private final int[] next;

  private NextUse(int[] next) {
    this.next = next;
  }

  /** Builds the oracle for {@code keys[0..n)}; positions must fit an int. */
  public static NextUse of(long[] keys, int n) {
    int[] next = new int[n];
    LongIntHashMap last = new LongIntHashMap(Math.max(16, n / 4));
    for (int i = n - 1; i >= 0; i--) {
      int j = last.put(keys[i], i);
      next[i] = j;
    }
    return new NextUse(next);
  }

  /** The position of the next access to the key accessed at {@code position}, or {@link #NEVER}. */
  public long nextUse(long position) {
    if (position >= next.length) {
      return NEVER;
    }
    int j = next[(int) position];
    return j < 0 ? NEVER : j;
  }

  public int length() {
    return next.length;
  }
}
