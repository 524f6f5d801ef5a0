package io.kvflow.engine.policy;

/**
 * CLOCK (second chance): keys in admission order with a reference bit set by hits; the hand, at
 * the oldest key, clears set bits and moves on until it finds a clear one to evict. New keys enter
 * with the bit clear.
 */
final class ClockPolicy extends AbstractPolicy {
  private final SlotLists lists;
  private final boolean[] referenced;

  ClockPolicy(int capacity) {
    super(capacity);
    lists = new SlotLists(capacity, 1);
    referenced = new boolean[capacity];
  }

  @Override
  void onHit(int slot) {
    referenced[slot] = true;
  }

  @Override
  void onInsert(int slot, long key) {
    referenced[slot] = false;
    lists.addFirst(0, slot);
  }

  @Override
  void onRemove(int slot) {
    lists.remove(slot);
  }

  @Override
  int evict(long incoming) {
    while (true) {
      int hand = lists.tail(0);
      if (!referenced[hand]) {
        lists.remove(hand);
        return hand;
      }
      referenced[hand] = false;
      lists.moveToFirst(0, hand); // second chance: behind the hand again
    }
  }

  @Override
  public void checkInvariants() {
    super.checkInvariants();
    check(lists.verify(0) == size, "list size differs from cache size");
  }
}
