package io.kvflow.engine.policy;

/**
 * The original KVFlow study's hot/warm/cold residency rule. A key is hot while it was used within
 * the last {@code window} accesses; warm if not hot but used at least {@code threshold} times since
 * admission; cold otherwise. The victim is the least recently used cold key, else the least
 * recently used warm key, else the least recently used key. Two LRU lists (fewer than threshold
 * uses, and at least threshold uses) make each choice O(1): a list's tail is its least recently used.
 */
final class HotWarmColdPolicy extends AbstractPolicy {
  private static final int INFREQUENT = 0;
  private static final int FREQUENT = 1;

  private final SlotLists lists;
  private final long[] lastUse;
  private final int[] uses;
  private final long window;
  private final int threshold;
  private long tick;

  HotWarmColdPolicy(int capacity, long window, int threshold) {
    super(capacity);
    if (window < 0 || threshold < 1) {
      throw new IllegalArgumentException("window must be >= 0 and threshold >= 1");
    }
    this.window = window;
    this.threshold = threshold;
    lists = new SlotLists(capacity, 2);
    lastUse = new long[capacity];
    uses = new int[capacity];
  }

  @Override
  void onHit(int slot) {
    tick++;
    lastUse[slot] = tick;
    if (uses[slot] < Integer.MAX_VALUE) {
      uses[slot]++;
    }
    lists.moveToFirst(uses[slot] >= threshold ? FREQUENT : INFREQUENT, slot);
  }

  @Override
  void onInsert(int slot, long key) {
    tick++;
    lastUse[slot] = tick;
    uses[slot] = 1;
    lists.addFirst(threshold <= 1 ? FREQUENT : INFREQUENT, slot);
  }

  @Override
  void onRemove(int slot) {
    lists.remove(slot);
  }

  private boolean hot(int slot) {
    return tick - lastUse[slot] < window;
  }

  @Override
  int evict(long incoming) {
    int cold = lists.tail(INFREQUENT);
    int warm = lists.tail(FREQUENT);
    int victim;
    if (cold != SlotLists.NIL && !hot(cold)) {
      victim = cold;
    } else if (warm != SlotLists.NIL && !hot(warm)) {
      victim = warm;
    } else if (cold == SlotLists.NIL) {
      victim = warm;
    } else if (warm == SlotLists.NIL) {
      victim = cold;
    } else {
      victim = lastUse[cold] <= lastUse[warm] ? cold : warm;
    }
    lists.remove(victim);
    return victim;
  }

  @Override
  public void checkInvariants() {
    super.checkInvariants();
    check(lists.verify(INFREQUENT) + lists.verify(FREQUENT) == size, "lists differ from cache size");
  }
}
