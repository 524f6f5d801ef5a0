package io.kvflow.common;

/**
 * Open-addressing map from primitive {@code long} keys to non-negative {@code int} values (linear
 * probing, backward-shift deletion). Every long is a legal key; {@link #MISSING} is returned for
 * absent keys. No object per entry, no boxing.
 */
public final class LongIntHashMap {
  public static final int MISSING = -1;
  private static final long EMPTY = -1L;

  // key at 2i, value at 2i+1 (EMPTY when the slot is free): one cache line holds both
  private long[] table;
  private int mask;
  private int size;
  private int growAt;

  public LongIntHashMap(int expected) {
    int capacity = Integer.highestOneBit(Math.max(8, (int) Math.min(1 << 29, expected * 2L)) - 1) << 1;
    allocate(capacity);
  }

  private void allocate(int capacity) {
    table = new long[capacity * 2];
    for (int i = 1; i < table.length; i += 2) {
      table[i] = EMPTY;
    }
    mask = capacity - 1;
    growAt = (int) (capacity * 0.6);
  }

  private static int slot(long key, int mask) {
    long z = key * 0x9E3779B97F4A7C15L;
    return (int) (z ^ (z >>> 29)) & mask;
  }

  /** The value of {@code key}, or {@link #MISSING}. */
  public int get(long key) {
    long[] t = table;
    int i = slot(key, mask);
    while (true) {
      long v = t[2 * i + 1];
      if (v == EMPTY || t[2 * i] == key) {
        return (int) v;
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * The table position of {@code key}: {@code >= 0} when present (read it with {@link #valueAt}),
   * else {@code -1 - p} where {@code p} is the free position {@link #insertAt} fills for it. The
   * position stays valid until the next change to the map.
   */
  public int find(long key) {
    long[] t = table;
    int i = slot(key, mask);
    while (true) {
      long v = t[2 * i + 1];
      if (v == EMPTY) {
        return -1 - i;
      }
      if (t[2 * i] == key) {
        return i;
      }
      i = (i + 1) & mask;
    }
  }

  /** The value at a position {@link #find} returned for a present key. */
  public int valueAt(int position) {
    return (int) table[2 * position + 1];
  }

  /**
   * Adds {@code key} (absent) with {@code value} (>= 0) at the free position {@code -1 - found},
   * where {@code found} is what {@link #find} returned for it with no change to the map since: the
   * same as {@link #put} without probing again.
   */
  public void insertAt(int found, long key, int value) {
    if (value < 0) {
      throw new IllegalArgumentException("values must be >= 0");
    }
    int i = -1 - found;
    long[] t = table;
    if (i < 0 || i > mask || t[2 * i + 1] != EMPTY) {
      throw new IllegalArgumentException("position " + i + " is not a free position of this map");
    }
    t[2 * i] = key;
    t[2 * i + 1] = value;
    if (++size > growAt) {
      rehash((mask + 1) * 2);
    }
  }

  /**
   * Loads the home slot of {@code key} and returns a meaningless value: touching the slots of keys
   * a few accesses ahead lets their cache misses overlap instead of queueing one after another.
   */
  public long touch(long key) {
    return table[2 * slot(key, mask) + 1];
  }

  public boolean containsKey(long key) {
    return get(key) != MISSING;
  }

  /** Sets {@code key} to {@code value} (>= 0); returns the previous value or {@link #MISSING}. */
  public int put(long key, int value) {
    if (value < 0) {
      throw new IllegalArgumentException("values must be >= 0");
    }
    long[] t = table;
    int i = slot(key, mask);
    while (true) {
      long v = t[2 * i + 1];
      if (v == EMPTY) {
        t[2 * i] = key;
        t[2 * i + 1] = value;
        if (++size > growAt) {
          rehash((mask + 1) * 2);
        }
        return MISSING;
      }
      if (t[2 * i] == key) {
        t[2 * i + 1] = value;
        return (int) v;
      }
      i = (i + 1) & mask;
    }
  }

  /** Adds {@code delta} to the value of {@code key} (absent counts as 0); returns the new value. */
  public int increment(long key, int delta) {
    long[] t = table;
    int i = slot(key, mask);
    while (true) {
      long v = t[2 * i + 1];
      if (v == EMPTY) {
        put(key, delta);
        return delta;
      }
      if (t[2 * i] == key) {
        t[2 * i + 1] = v + delta;
        return (int) (v + delta);
      }
      i = (i + 1) & mask;
    }
  }

  /** Removes {@code key}; returns its value or {@link #MISSING}. */
  public int remove(long key) {
    long[] t = table;
    int i = slot(key, mask);
    while (true) {
      long v = t[2 * i + 1];
      if (v == EMPTY) {
        return MISSING;
      }
      if (t[2 * i] == key) {
        break;
      }
      i = (i + 1) & mask;
    }
    int removed = (int) t[2 * i + 1];
    int hole = i;
    int j = (i + 1) & mask;
    while (t[2 * j + 1] != EMPTY) {
      int home = slot(t[2 * j], mask);
      boolean between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!between) {
        t[2 * hole] = t[2 * j];
        t[2 * hole + 1] = t[2 * j + 1];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    t[2 * hole + 1] = EMPTY;
    size--;
    return removed;
  }

  public int size() {
    return size;
  }

  /**
   * Replaces every value {@code v} by {@code f(v)} (which must be >= 0) in one sequential pass over
   * the table: no lookups, so no random access.
   */
  public void transformValues(java.util.function.IntUnaryOperator f) {
    long[] t = table;
    for (int i = 1; i < t.length; i += 2) {
      if (t[i] != EMPTY) {
        int v = f.applyAsInt((int) t[i]);
        if (v < 0) {
          throw new IllegalArgumentException("values must be >= 0");
        }
        t[i] = v;
      }
    }
  }

  /** Calls {@code action} with every key, in table order (not sorted). */
  public void forEachKey(java.util.function.LongConsumer action) {
    long[] t = table;
    for (int i = 0; i < t.length; i += 2) {
      if (t[i + 1] != EMPTY) {
        action.accept(t[i]);
      }
    }
  }

  public void clear() {
    for (int i = 1; i < table.length; i += 2) {
      table[i] = EMPTY;
    }
    size = 0;
  }

  private void rehash(int capacity) {
    long[] old = table;
    allocate(capacity);
    long[] t = table;
    for (int i = 0; i < old.length; i += 2) {
      if (old[i + 1] != EMPTY) {
        int j = slot(old[i], mask);
        while (t[2 * j + 1] != EMPTY) {
          j = (j + 1) & mask;
        }
        t[2 * j] = old[i];
        t[2 * j + 1] = old[i + 1];
      }
    }
  }
}
