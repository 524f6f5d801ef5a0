package io.kvflow.engine.policy;

/** Least recently used: a hit moves the key to the head; the tail is evicted. */
final class LruPolicy extends AbstractPolicy {
  private final SlotLists lists;

  LruPolicy(int capacity) {
    super(capacity);
    lists = new SlotLists(capacity, 1);
  }

  @Override
  void onHit(int slot) {
    lists.moveToFirst(0, slot);
  }

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
  public void checkInvariants() {
    super.checkInvariants();
    check(lists.verify(0) == size, "list size differs from cache size");
  }
}
