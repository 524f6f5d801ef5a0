package io.kvflow.engine.policy;

/**
 * A policy that evicts the top of an indexed heap of its slots (LFU, OPT): subclasses set each
 * slot's priority on insert and hit; removal, eviction and the invariants are shared.
 */
abstract class HeapPolicy extends AbstractPolicy {
  final SlotHeap heap;

  HeapPolicy(int capacity) {
    super(capacity);
    heap = new SlotHeap(capacity);
  }

  @Override
  void onRemove(int slot) {
    heap.remove(slot);
  }

  @Override
  int evict(long incoming) {
    int victim = heap.peek();
    heap.remove(victim);
    return victim;
  }

  @Override
  public void checkInvariants() {
    super.checkInvariants();
    check(heap.size() == size, "heap size differs from cache size");
    heap.verify();
  }
}
