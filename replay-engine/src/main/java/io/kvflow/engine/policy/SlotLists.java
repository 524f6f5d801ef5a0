package io.kvflow.engine.policy;

import java.util.Arrays;

/**
 * Several doubly linked lists over one set of int slots (a slot is in at most one list), as index
 * arrays: no node objects. Head is the newest end, tail the oldest.
 */
final class SlotLists {
  static final int NIL = -1;

  private final int[] prev;
  private final int[] next;
  private final int[] listOf;
  private final int[] head;
  private final int[] tail;
  private final int[] size;

  SlotLists(int slots, int lists) {
    prev = new int[slots];
    next = new int[slots];
    listOf = new int[slots];
    Arrays.fill(listOf, NIL);
    head = new int[lists];
    tail = new int[lists];
    size = new int[lists];
    Arrays.fill(head, NIL);
    Arrays.fill(tail, NIL);
  }

  void addFirst(int list, int slot) {
    prev[slot] = NIL;
    next[slot] = head[list];
    if (head[list] != NIL) {
      prev[head[list]] = slot;
    } else {
      tail[list] = slot;
    }
    head[list] = slot;
    listOf[slot] = list;
    size[list]++;
  }

  /** Inserts {@code slot} just before (newer side of) {@code anchor} in the anchor's list. */
  void addBefore(int anchor, int slot) {
    int list = listOf[anchor];
    int p = prev[anchor];
    prev[slot] = p;
    next[slot] = anchor;
    prev[anchor] = slot;
    if (p == NIL) {
      head[list] = slot;
    } else {
      next[p] = slot;
    }
    listOf[slot] = list;
    size[list]++;
  }

  void remove(int slot) {
    int list = listOf[slot];
    int p = prev[slot];
    int n = next[slot];
    if (p == NIL) {
      head[list] = n;
    } else {
      next[p] = n;
    }
    if (n == NIL) {
      tail[list] = p;
    } else {
      prev[n] = p;
    }
    listOf[slot] = NIL;
    size[list]--;
  }

  /**
   * Moves {@code slot} to the head of {@code list} (from any list). Within the same list (an LRU
   * hit, the hot path) only the links change: the list and its size stay as they are.
   */
  void moveToFirst(int list, int slot) {
    if (listOf[slot] != list) {
      remove(slot);
      addFirst(list, slot);
      return;
    }
    int h = head[list];
    if (h == slot) {
      return;
    }
    // not the head, so it has a newer neighbour, and the head has a slot after it
    int p = prev[slot];
    int n = next[slot];
    next[p] = n;
    if (n == NIL) {
      tail[list] = p;
    } else {
      prev[n] = p;
    }
    prev[slot] = NIL;
    next[slot] = h;
    prev[h] = slot;
    head[list] = slot;
  }

  int head(int list) {
    return head[list];
  }

  int tail(int list) {
    return tail[list];
  }

  int size(int list) {
    return size[list];
  }

  /** The next older slot, or NIL. */
  int older(int slot) {
    return next[slot];
  }

  /** The next newer slot, or NIL. */
  int newer(int slot) {
    return prev[slot];
  }

  int listOf(int slot) {
    return listOf[slot];
  }

  /** Walks {@code list} and checks links and size; returns the number of slots found. */
  int verify(int list) {
    int n = 0;
    int p = NIL;
    for (int s = head[list]; s != NIL; s = next[s]) {
      AbstractPolicy.check(prev[s] == p, "broken back link in list " + list);
      AbstractPolicy.check(listOf[s] == list, "slot in the wrong list");
      p = s;
      n++;
      AbstractPolicy.check(n <= prev.length, "cycle in list " + list);
    }
    AbstractPolicy.check(tail[list] == p, "tail of list " + list + " is not its last slot");
    AbstractPolicy.check(n == size[list], "list " + list + " holds " + n + " slots, size says " + size[list]);
    return n;
  }
}
