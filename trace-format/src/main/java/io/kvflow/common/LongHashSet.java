package io.kvflow.common;

import java.util.Arrays;

/**
 * Open-addressing set of primitive {@code long}s (linear probing, power-of-two table).
 *
 * <p>No object per element and no boxing. {@link Long#MIN_VALUE} is stored out of band so every
 * long value is a legal element.
 */
public final class LongHashSet {
  private static final long EMPTY = Long.MIN_VALUE;

  private long[] table;
  private int mask;
  private int size;
  private boolean containsEmptyKey;

  public LongHashSet() {
    this(16);
  }

  public LongHashSet(int expected) {
    int capacity = Integer.highestOneBit(Math.max(4, (int) Math.min(1 << 30, expected * 2L)) - 1) << 1;
    table = new long[capacity];
    Arrays.fill(table, EMPTY);
    mask = capacity - 1;
  }

  /** Adds {@code key}; returns true if it was not present. */
  public boolean add(long key) {
    if (key == EMPTY) {
      if (containsEmptyKey) {
        return false;
      }
      containsEmptyKey = true;
      size++;
      return true;
    }
    int i = Hashing.mixToInt(key) & mask;
    while (true) {
      long k = table[i];
      if (k == EMPTY) {
        table[i] = key;
        if (++size > (mask + 1) * 5L / 8) {
          grow();
        }
        return true;
      }
      if (k == key) {
        return false;
      }
      i = (i + 1) & mask;
    }
  }

  public boolean contains(long key) {
    if (key == EMPTY) {
      return containsEmptyKey;
    }
    int i = Hashing.mixToInt(key) & mask;
    while (true) {
      long k = table[i];
      if (k == EMPTY) {
        return false;
      }
      if (k == key) {
        return true;
      }
      i = (i + 1) & mask;
    }
  }

  /** Removes {@code key}; returns true if it was present. Backward-shift deletion keeps probes short. */
  public boolean remove(long key) {
    if (key == EMPTY) {
      if (!containsEmptyKey) {
        return false;
      }
      containsEmptyKey = false;
      size--;
      return true;
    }
    int i = Hashing.mixToInt(key) & mask;
    while (true) {
      long k = table[i];
      if (k == EMPTY) {
        return false;
      }
      if (k == key) {
        break;
      }
      i = (i + 1) & mask;
    }
    int hole = i;
    int j = (i + 1) & mask;
    while (table[j] != EMPTY) {
      int home = Hashing.mixToInt(table[j]) & mask;
      // move table[j] into the hole if its home is not cyclically in (hole, j]
      boolean between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!between) {
        table[hole] = table[j];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    table[hole] = EMPTY;
    size--;
    return true;
  }

  /** Calls {@code action} on every element, in table order (deterministic for the same history). */
  public void forEach(java.util.function.LongConsumer action) {
    if (containsEmptyKey) {
      action.accept(EMPTY);
    }
    for (long k : table) {
      if (k != EMPTY) {
        action.accept(k);
      }
    }
  }

  public int size() {
    return size;
  }

  public void clear() {
    Arrays.fill(table, EMPTY);
    size = 0;
    containsEmptyKey = false;
  }

  private void grow() {
    long[] old = table;
    table = new long[old.length * 2];
    Arrays.fill(table, EMPTY);
    mask = table.length - 1;
    for (long k : old) {
      if (k != EMPTY) {
        int i = Hashing.mixToInt(k) & mask;
        while (table[i] != EMPTY) {
          i = (i + 1) & mask;
        }
        table[i] = k;
      }
    }
  }
}
