package io.kvflow.common;

import java.util.Arrays;

/**
 * Open-addressing map from primitive {@code long} keys to non-negative {@code int} values (linear
 * probing, backward-shift deletion). Every long is a legal key; {@link #MISSING} is returned for
 * absent keys. No object per entry, no boxing.
 */
public final class LongIntHashMap {
  public static final int MISSING = -1;

  private long[] keys;
  private int[] values;
  private int mask;
  private int size;
  private int growAt;

  public LongIntHashMap(int expected) {
    int capacity = Integer.highestOneBit(Math.max(8, (int) Math.min(1 << 30, expected * 2L)) - 1) << 1;
    allocate(capacity);
  }

  private void allocate(int capacity) {
    keys = new long[capacity];
    values = new int[capacity];
    Arrays.fill(values, MISSING);
    mask = capacity - 1;
    growAt = (int) (capacity * 0.6);
  }

  private static int slot(long key, int mask) {
    long z = key * 0x9E3779B97F4A7C15L;
    return (int) (z ^ (z >>> 29)) & mask;
  }

  /** The value of {@code key}, or {@link #MISSING}. */
  public int get(long key) {
    int i = slot(key, mask);
    while (true) {
      int v = values[i];
      if (v == MISSING || keys[i] == key) {
        return v;
      }
      i = (i + 1) & mask;
    }
  }

  public boolean containsKey(long key) {
    return get(key) != MISSING;
  }

  /** Sets {@code key} to {@code value} (>= 0); returns the previous value or {@link #MISSING}. */
  public int put(long key, int value) {
    if (value < 0) {
      throw new IllegalArgumentException("values must be >= 0");
    }
    int i = slot(key, mask);
    while (true) {
      int v = values[i];
      if (v == MISSING) {
        keys[i] = key;
        values[i] = value;
        if (++size > growAt) {
          rehash(keys.length * 2);
        }
        return MISSING;
      }
      if (keys[i] == key) {
        values[i] = value;
        return v;
      }
      i = (i + 1) & mask;
    }
  }

  /** Adds {@code delta} to the value of {@code key} (absent counts as 0); returns the new value. */
  public int increment(long key, int delta) {
    int i = slot(key, mask);
    while (true) {
      int v = values[i];
      if (v == MISSING) {
        put(key, delta);
        return delta;
      }
      if (keys[i] == key) {
        values[i] = v + delta;
        return v + delta;
      }
      i = (i + 1) & mask;
    }
  }

  /** Removes {@code key}; returns its value or {@link #MISSING}. */
  public int remove(long key) {
    int i = slot(key, mask);
    while (true) {
      int v = values[i];
      if (v == MISSING) {
        return MISSING;
      }
      if (keys[i] == key) {
        break;
      }
      i = (i + 1) & mask;
    }
    int removed = values[i];
    int hole = i;
    int j = (i + 1) & mask;
    while (values[j] != MISSING) {
      int home = slot(keys[j], mask);
      boolean between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!between) {
        keys[hole] = keys[j];
        values[hole] = values[j];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    values[hole] = MISSING;
    size--;
    return removed;
  }

  public int size() {
    return size;
  }

  public void clear() {
    Arrays.fill(values, MISSING);
    size = 0;
  }

  private void rehash(int capacity) {
    long[] oldKeys = keys;
    int[] oldValues = values;
    allocate(capacity);
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldValues[i] != MISSING) {
        int j = slot(oldKeys[i], mask);
        while (values[j] != MISSING) {
          j = (j + 1) & mask;
        }
        keys[j] = oldKeys[i];
        values[j] = oldValues[i];
      }
    }
  }
}
