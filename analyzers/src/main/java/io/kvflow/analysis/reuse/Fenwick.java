package io.kvflow.analysis.reuse;

/** A Fenwick (binary indexed) tree of int counts over positions 0..size-1. */
final class Fenwick {
  private int[] tree;

  Fenwick(int size) {
    tree = new int[size + 1];
  }

  int size() {
    return tree.length - 1;
  }

  void add(int position, int delta) {
    for (int i = position + 1; i < tree.length; i += i & -i) {
      tree[i] += delta;
    }
  }

  /** Sum of positions 0..position inclusive. */
  int prefix(int position) {
    int s = 0;
    for (int i = position + 1; i > 0; i -= i & -i) {
      s += tree[i];
    }
    return s;
  }

  /** Rebuilds the tree from 0/1 marks in O(n), possibly with a new size. */
  void rebuild(boolean[] marks, int count, int newSize) {
    tree = new int[newSize + 1];
    for (int i = 0; i < count; i++) {
      if (marks[i]) {
        tree[i + 1] += 1;
      }
    }
    for (int i = 1; i <= newSize; i++) {
      int parent = i + (i & -i);
      if (parent <= newSize) {
        tree[parent] += tree[i];
      }
    }
  }
}
