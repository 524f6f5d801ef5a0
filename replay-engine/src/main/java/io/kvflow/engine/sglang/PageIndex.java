package io.kvflow.engine.sglang;

import io.kvflow.common.LongIntHashMap;
import java.util.Arrays;

/**
 * The pages of a radix tree: each page a slot holding its key, its node and the next page of that
 * node, found by key in one map. A node's pages are a chain of slots from its first one; freed slots
 * are reused. Nothing is allocated per lookup.
 */
final class PageIndex {
  static final int NONE = -1;

  private long[] key = new long[256];
  private int[] node = new int[256];
  private int[] next = new int[256];
  private int freeSlot = NONE;
  private int count;
  private final LongIntHashMap slotOf;

  PageIndex(int expectedPages) {
    slotOf = new LongIntHashMap(Math.max(16, expectedPages));
  }

  boolean contains(long k) {
    return slotOf.get(k) != LongIntHashMap.MISSING;
  }

  /** The node holding the page of key {@code k} (which must be present). */
  int nodeOf(long k) {
    return node[slotOf.get(k)];
  }

  /** Adds the pages {@code keys[from, to)} of {@code n} as one chain; returns its first slot. */
  int addChain(long[] keys, int from, int to, int n) {
    int first = NONE;
    int prev = NONE;
    for (int j = from; j < to; j++) {
      int s = newSlot(keys[j], n);
      if (prev == NONE) {
        first = s;
      } else {
        next[prev] = s;
      }
      prev = s;
    }
    return first;
  }

  /**
   * Gives the first {@code k} pages of the chain from {@code first} to node {@code m} and cuts the
   * chain after them; returns the first slot of the rest.
   */
  int splitChain(int first, int k, int m) {
    int s = first;
    int last = NONE;
    for (int i = 0; i < k; i++) {
      node[s] = m;
      last = s;
      s = next[s];
    }
    next[last] = NONE;
    return s;
  }

  /** Removes the chain from {@code first}: its keys leave the map, its slots are freed. */
  void removeChain(int first) {
    for (int s = first; s != NONE; ) {
      int nx = next[s];
      slotOf.remove(key[s]);
      next[s] = freeSlot;
      freeSlot = s;
      s = nx;
    }
  }

  /** Pages in the chain from {@code first}, each checked to be found under its key and to belong to {@code n}. */
  int checkChain(int first, int n) {
    int pages = 0;
    for (int s = first; s != NONE; s = next[s]) {
      if (node[s] != n || slotOf.get(key[s]) != s) {
        throw new IllegalStateException("page slot " + s + " of node " + n + " not found under its key");
      }
      pages++;
    }
    return pages;
  }

  private int newSlot(long k, int n) {
    int s;
    if (freeSlot != NONE) {
      s = freeSlot;
      freeSlot = next[s];
    } else {
      s = count++;
      if (s == key.length) {
        int c = s * 2;
        key = Arrays.copyOf(key, c);
        node = Arrays.copyOf(node, c);
        next = Arrays.copyOf(next, c);
      }
    }
    key[s] = k;
    node[s] = n;
    next[s] = NONE;
    slotOf.put(k, s);
    return s;
  }
}
