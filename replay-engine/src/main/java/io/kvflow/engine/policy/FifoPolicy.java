package io.kvflow.engine.policy;

/** First in, first out: hits change nothing; the oldest admitted key is evicted. */
class FifoPolicy extends AbstractPolicy {
  /** One list, newest admission at the head (LRU: newest use). */
  final SlotLists lists;

  FifoPolicy(int capacity) {
    super(capacity);
    lists = new SlotLists(capacity, 1);
  }

  @Override
  void onHit(int slot) {}

  @Override
  void onInsert(int slot, long key) {
    lists.addFirst(0, slot);
  }

  @Override
  void onRemove(int slot) {
    lists.remove(slot);
  }

  @Override
  int evict(long incoming) {
    int victim = lists.tail(0);
    lists.remove(victim);
    return victim;
  }

  @Override
  boolean evictLeavesIndex() {
    return true; // evict only walks this policy's own list
  }

  @Override
  public void checkInvariants() {
    super.checkInvariants();
    check(lists.verify(0) == size, "list size differs from cache size");
  }
}
