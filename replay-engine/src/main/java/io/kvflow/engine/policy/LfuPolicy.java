package io.kvflow.engine.policy;

/**
 * Least frequently used with least-recently-used tie-break: evicts the key with the fewest hits
 * since admission (admission counts as one use), the least recently used among equals. An indexed
 * heap on (uses, last use) gives O(log n) per access. Counts reset when a key is evicted.
 */
final class LfuPolicy extends HeapPolicy {
  private long tick;

  LfuPolicy(int capacity) {
    super(capacity);
  }

  @Override
  void onHit(int slot) {
    heap.update(slot, heap.primary(slot) + 1, ++tick);
  }

  @Override
  void onInsert(int slot, long key) {
    heap.add(slot, 1, ++tick);
  }
}
