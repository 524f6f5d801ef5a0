package io.kvflow.engine.policy;

import io.kvflow.common.LongIntHashMap;

/**
 * S3-FIFO (Yang et al., "FIFO queues are all you need for cache eviction", SOSP'23), the original
 * algorithm: a small FIFO S (10% of the cache), a main FIFO M and a ghost FIFO G of keys recently
 * evicted from S (as many entries as M). Hits raise a 2-bit frequency (at most 3). A missed key
 * found in G enters M, any other enters S. When the cache is full: if S holds at least its 10%
 * (or M is empty), S's tail moves to M if it was hit since admission (frequency cleared), else it is
 * evicted into G; otherwise M's tail is reinserted with frequency - 1 while its frequency is
 * positive, else evicted.
 */
final class S3FifoPolicy extends AbstractPolicy {
  private static final int S = 0;
  private static final int M = 1;

  private final SlotLists queues;
  private final int[] freq;
  private final int smallTarget;
  private final int ghostCapacity;
  private final LongIntHashMap ghostIndex;
  private final SlotLists ghosts;
  private final long[] ghostKey;
  private final int[] freeGhosts;
  private int freeGhostCount;
  private boolean ghostHit;

  S3FifoPolicy(int capacity) {
    super(capacity);
    queues = new SlotLists(capacity, 2);
    freq = new int[capacity];
    smallTarget = Math.max(1, (int) (capacity * 0.1));
    ghostCapacity = Math.max(1, capacity - smallTarget);
    ghostIndex = new LongIntHashMap(ghostCapacity);
    ghosts = new SlotLists(ghostCapacity, 1);
    ghostKey = new long[ghostCapacity];
    freeGhosts = new int[ghostCapacity];
    for (int i = 0; i < ghostCapacity; i++) {
      freeGhosts[i] = i;
    }
    freeGhostCount = ghostCapacity;
  }

  @Override
  void onHit(int slot) {
    if (freq[slot] < 3) {
      freq[slot]++;
    }
  }

  @Override
  void beforeAdmit(long key) {
    int g = ghostIndex.remove(key);
    ghostHit = g != LongIntHashMap.MISSING;
    if (ghostHit) {
      ghosts.remove(g);
      freeGhosts[freeGhostCount++] = g;
    }
  }

  @Override
  void onInsert(int slot, long key) {
    freq[slot] = 0;
    queues.addFirst(ghostHit ? M : S, slot);
  }

  @Override
  void onRemove(int slot) {
    queues.remove(slot);
  }

  @Override
  int evict(long incoming) {
    while (true) {
      if (queues.size(S) >= smallTarget || queues.size(M) == 0) {
        int t = queues.tail(S);
        queues.remove(t);
        if (freq[t] >= 1) {
          freq[t] = 0;
          queues.addFirst(M, t);
        } else {
          addGhost(keyOf[t]);
          return t;
        }
      } else {
        int t = queues.tail(M);
        if (freq[t] > 0) {
          freq[t]--;
          queues.moveToFirst(M, t);
        } else {
          queues.remove(t);
          return t;
        }
      }
    }
  }

  /** Adds an evicted key at the head of the ghost FIFO, dropping the oldest ghost when full. */
  private void addGhost(long key) {
    if (freeGhostCount == 0) {
      int oldest = ghosts.tail(0);
      ghosts.remove(oldest);
      ghostIndex.remove(ghostKey[oldest]);
      freeGhosts[freeGhostCount++] = oldest;
    }
    int g = freeGhosts[--freeGhostCount];
    ghostKey[g] = key;
    ghostIndex.put(key, g);
    ghosts.addFirst(0, g);
  }

  @Override
  public void checkInvariants() {
    super.checkInvariants();
    check(queues.verify(S) + queues.verify(M) == size, "S + M differs from cache size");
    check(ghosts.verify(0) == ghostIndex.size(), "ghost index differs from the ghost queue");
    check(ghostIndex.size() <= ghostCapacity, "ghost queue over its capacity");
  }
}
