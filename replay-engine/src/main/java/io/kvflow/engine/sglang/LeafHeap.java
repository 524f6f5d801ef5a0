package io.kvflow.engine.sglang;

import java.util.Arrays;

/**
 * A binary min-heap of tree nodes (int ids) in an order the tree gives, with each node's position so
 * that a node can be removed or moved when its last use changes. Nothing is allocated per operation.
 */
final class LeafHeap {
  /** The order: whether node {@code a} comes before node {@code b}. */
  @FunctionalInterface
  interface Order {
    boolean before(int a, int b);
  }

  private static final int NONE = -1;

  private final Order order;
  private int[] heap = new int[64];
  private int[] pos = new int[64];
  private int size;

  LeafHeap(Order order) {
    this.order = order;
    Arrays.fill(pos, NONE);
  }

  /** Makes room for node ids below {@code n}. */
  void grow(int n) {
    int old = pos.length;
    if (n > old) {
      pos = Arrays.copyOf(pos, n);
      Arrays.fill(pos, old, n, NONE);
    }
  }

  int size() {
    return size;
  }

  boolean contains(int x) {
    return pos[x] != NONE;
  }

  /** The first node; the heap must not be empty. */
  int min() {
    return heap[0];
  }

  void add(int x) {
    if (pos[x] != NONE) {
      return;
    }
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    heap[size] = x;
    pos[x] = size;
    up(size++);
  }

  void remove(int x) {
    int i = pos[x];
    if (i == NONE) {
      return;
    }
    pos[x] = NONE;
    int last = heap[--size];
    if (i < size) {
      heap[i] = last;
      pos[last] = i;
      up(i);
      down(pos[last]);
    }
  }

  /** Moves {@code x} after its place in the order moved later (its last use grew). */
  void update(int x) {
    int i = pos[x];
    if (i != NONE) {
      down(i);
    }
  }

  private void up(int i) {
    int x = heap[i];
    while (i > 0) {
      int p = (i - 1) >>> 1;
      if (!order.before(x, heap[p])) {
        break;
      }
      heap[i] = heap[p];
      pos[heap[i]] = i;
      i = p;
    }
    heap[i] = x;
    pos[x] = i;
  }

  private void down(int i) {
    int x = heap[i];
    while (true) {
      int c = 2 * i + 1;
      if (c >= size) {
        break;
      }
      if (c + 1 < size && order.before(heap[c + 1], heap[c])) {
        c++;
      }
      if (!order.before(heap[c], x)) {
        break;
      }
      heap[i] = heap[c];
      pos[heap[i]] = i;
      i = c;
    }
    heap[i] = x;
    pos[x] = i;
  }
}
