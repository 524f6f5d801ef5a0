package io.kvflow.engine.policy;

/**
 * Indexed binary heap of slots ordered by a (primary, secondary) long pair, smallest at the root;
 * positions are tracked so a slot's keys can change in O(log n).
 */
final class SlotHeap {
  private final int[] heap;
  private final int[] position;
  private final long[] primary;
  private final long[] secondary;
  private int size;

  SlotHeap(int slots) {
    heap = new int[slots];
    position = new int[slots];
    primary = new long[slots];
    secondary = new long[slots];
    java.util.Arrays.fill(position, -1);
  }

  void add(int slot, long p, long s) {
    primary[slot] = p;
    secondary[slot] = s;
    heap[size] = slot;
    position[slot] = size;
    up(size++);
  }

  void update(int slot, long p, long s) {
    primary[slot] = p;
    secondary[slot] = s;
    int i = position[slot];
    up(i);
    down(position[slot]);
  }

  void remove(int slot) {
    int i = position[slot];
    int last = heap[--size];
    position[slot] = -1;
    if (i != size) {
      heap[i] = last;
      position[last] = i;
      up(i);
      down(position[last]);
    }
  }

  int peek() {
    return heap[0];
  }

  int size() {
    return size;
  }

  long primary(int slot) {
    return primary[slot];
  }

  long secondary(int slot) {
    return secondary[slot];
  }

  boolean contains(int slot) {
    return position[slot] >= 0;
  }

  private boolean less(int a, int b) {
    return primary[a] < primary[b] || (primary[a] == primary[b] && secondary[a] < secondary[b]);
  }

  private void up(int i) {
    int s = heap[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!less(s, heap[parent])) {
        break;
      }
      heap[i] = heap[parent];
      position[heap[i]] = i;
      i = parent;
    }
    heap[i] = s;
    position[s] = i;
  }

  private void down(int i) {
    int s = heap[i];
    while (true) {
      int c = 2 * i + 1;
      if (c >= size) {
        break;
      }
      if (c + 1 < size && less(heap[c + 1], heap[c])) {
        c++;
      }
      if (!less(heap[c], s)) {
        break;
      }
      heap[i] = heap[c];
      position[heap[i]] = i;
      i = c;
    }
    heap[i] = s;
    position[s] = i;
  }

  void verify() {
    for (int i = 1; i < size; i++) {
      AbstractPolicy.check(!less(heap[i], heap[(i - 1) >>> 1]), "heap order broken at " + i);
      AbstractPolicy.check(position[heap[i]] == i, "heap position index broken");
    }
  }
}
