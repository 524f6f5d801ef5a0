package io.kvflow.engine.policy;

import io.kvflow.common.LongIntHashMap;

/**
 * ARC (Megiddo and Modha, "ARC: A Self-Tuning, Low Overhead Replacement Cache", FAST'03), as the
 * paper's Figure 4 states it: resident lists T1 (seen once recently) and T2 (seen at least twice),
 * ghost lists B1 and B2 of recently evicted keys, and a target size p for T1 that ghost hits adapt.
 * Ghosts live in their own slots (at most one cache's worth), so the directory holds at most 2c keys.
 *
 * <p>Removals by the residency tracker (frees, promotions) take a key out without leaving a ghost;
 * while the cache is not full a ghost hit only adapts p and admits, since there is nothing to replace.
 */
final class ArcPolicy extends AbstractPolicy {
  private static final int T1 = 0;
  private static final int T2 = 1;
  private static final int B1 = 0;
  private static final int B2 = 1;

  private final SlotLists resident;
  private final SlotLists ghosts;
  private final LongIntHashMap ghostIndex;
  private final long[] ghostKey;
  private final int[] freeGhosts;
  private int freeGhostCount;
  private double p;
  private int pendingList = T1;

  ArcPolicy(int capacity) {
    super(capacity);
    resident = new SlotLists(capacity, 2);
    ghosts = new SlotLists(capacity + 1, 2);
    ghostIndex = new LongIntHashMap(capacity);
    ghostKey = new long[capacity + 1];
    freeGhosts = new int[capacity + 1];
    for (int i = 0; i <= capacity; i++) {
      freeGhosts[i] = capacity - i;
    }
    freeGhostCount = capacity + 1;
  }

  @Override
  void onHit(int slot) {
    resident.moveToFirst(T2, slot);
  }

  @Override
  void beforeAdmit(long key) {
    int g = ghostIndex.get(key);
    int t1 = resident.size(T1);
    int b1 = ghosts.size(B1);
    int b2 = ghosts.size(B2);
    if (g != LongIntHashMap.MISSING) {
      boolean inB1 = ghosts.listOf(g) == B1;
      if (inB1) {
        p = Math.min(capacity, p + Math.max((double) b2 / b1, 1));
      } else {
        p = Math.max(0, p - Math.max((double) b1 / b2, 1));
      }
      dropGhost(g);
      pendingGhostHit = inB1 ? 1 : 2;
      pendingList = T2;
      return;
    }
    pendingGhostHit = 0;
    pendingList = T1;
    if (t1 + b1 == capacity) {
      if (t1 < capacity) {
        dropGhost(ghosts.tail(B1));
      }
      // else T1 is full and B1 empty: the LRU of T1 is evicted without a ghost (see evict)
    } else if (t1 + b1 < capacity) {
      int total = t1 + resident.size(T2) + b1 + b2;
      if (total >= 2 * capacity && b2 > 0) {
        dropGhost(ghosts.tail(B2));
      }
    }
  }

  private int pendingGhostHit;

  @Override
  void onInsert(int slot, long key) {
    resident.addFirst(pendingList, slot);
  }

  @Override
  void onRemove(int slot) {
    resident.remove(slot);
  }

  @Override
  int evict(long incoming) {
    int t1 = resident.size(T1);
    if (pendingGhostHit == 0 && t1 == capacity && ghosts.size(B1) == 0) {
      int victim = resident.tail(T1);
      resident.remove(victim);
      return victim;
    }
    int victim;
    if (t1 >= 1 && ((pendingGhostHit == 2 && t1 == p) || t1 > p)) {
      victim = resident.tail(T1);
      resident.remove(victim);
      addGhost(B1, keyOf[victim]);
    } else {
      victim = resident.tail(T2);
      if (victim == SlotLists.NIL) {
        victim = resident.tail(T1);
        resident.remove(victim);
        addGhost(B1, keyOf[victim]);
      } else {
        resident.remove(victim);
        addGhost(B2, keyOf[victim]);
      }
    }
    return victim;
  }

  private void addGhost(int list, long key) {
    if (freeGhostCount == 0) {
      // directory full: drop the oldest ghost of the longer list
      int from = ghosts.size(B1) >= ghosts.size(B2) ? B1 : B2;
      dropGhost(ghosts.tail(from));
    }
    int g = freeGhosts[--freeGhostCount];
    ghostKey[g] = key;
    ghostIndex.put(key, g);
    ghosts.addFirst(list, g);
  }

  private void dropGhost(int g) {
    ghosts.remove(g);
    ghostIndex.remove(ghostKey[g]);
    freeGhosts[freeGhostCount++] = g;
  }

  /** The adaptive target size of T1 (for tests). */
  double target() {
    return p;
  }

  @Override
  public void checkInvariants() {
    super.checkInvariants();
    int t1 = resident.verify(T1);
    int t2 = resident.verify(T2);
    int b1 = ghosts.verify(B1);
    int b2 = ghosts.verify(B2);
    check(t1 + t2 == size, "T1 + T2 differs from cache size");
    check(b1 + b2 == ghostIndex.size(), "ghost index differs from ghost lists");
    check(t1 + t2 + b1 + b2 <= 2 * capacity + 1, "directory larger than 2c");
    check(p >= 0 && p <= capacity, "target p outside [0, c]");
  }
}
