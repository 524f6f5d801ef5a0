package io.kvflow.engine.policy;

/**
 * SIEVE (Zhang et al., "SIEVE is Simpler than LRU", NSDI'24): a FIFO queue with a visited bit set
 * by hits and a hand that moves from the tail (oldest) toward the head, clearing visited bits and
 * evicting the first unvisited key; the hand stays where it stopped. New keys enter at the head.
 */
final class SievePolicy extends AbstractPolicy {
  private final SlotLists lists;
  private final boolean[] visited;
  private int hand = SlotLists.NIL;

  SievePolicy(int capacity) {
    super(capacity);
    lists = new SlotLists(capacity, 1);
    visited = new boolean[capacity];
  }

  @Override
  void onHit(int slot) {
    visited[slot] = true;
  }

  @Override
  void onInsert(int slot, long key) {
    visited[slot] = false;
    lists.addFirst(0, slot);
  }

  @Override
  void onRemove(int slot) {
    if (hand == slot) {
      hand = lists.newer(slot);
    }
    lists.remove(slot);
  }

  @Override
  int evict(long incoming) {
    int o = hand == SlotLists.NIL ? lists.tail(0) : hand;
    while (visited[o]) {
      visited[o] = false;
      o = lists.newer(o);
      if (o == SlotLists.NIL) {
        o = lists.tail(0);
      }
    }
    hand = lists.newer(o);
    lists.remove(o);
    return o;
  }

  @Override
  boolean evictLeavesIndex() {
    return true; // evict only walks this policy's own list
  }

  @Override
  public void checkInvariants() {
    super.checkInvariants();
    check(lists.verify(0) == size, "list size differs from cache size");
    check(hand == SlotLists.NIL || lists.listOf(hand) == 0, "hand points outside the queue");
  }
}
