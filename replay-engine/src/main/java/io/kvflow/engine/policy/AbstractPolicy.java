package io.kvflow.engine.policy;

import io.kvflow.common.LongIntHashMap;

/**
 * Slot bookkeeping shared by the policies: a primitive index from key to slot, the key and
 * reused-bit of each slot, a free-slot stack and the counters. Subclasses keep their order
 * (lists, heaps, clock hands) in int arrays indexed by slot and implement the four hooks.
 */
abstract class AbstractPolicy implements EvictionPolicy {
  /** Returned by {@link #evict} when nothing may be evicted: the incoming key is rejected. */
  static final int NO_SLOT = -1;

  protected final int capacity;
  protected final LongIntHashMap index;
  protected final long[] keyOf;
  protected final boolean[] reused;
  private final int[] freeSlots;
  private int freeCount;
  protected int size;
  private int outcome = INSERTED;
  private long victim;
  private long hits;
  private long misses;
  private long insertions;
  private long evictions;
  private long evictedUnused;
  private long rejections;
  private long removals;

  AbstractPolicy(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive, got " + capacity);
    }
    this.capacity = capacity;
    this.index = new LongIntHashMap(capacity);
    this.keyOf = new long[capacity];
    this.reused = new boolean[capacity];
    this.freeSlots = new int[capacity];
    for (int i = 0; i < capacity; i++) {
      freeSlots[i] = capacity - 1 - i;
    }
    this.freeCount = capacity;
  }

  /** A hit on the key in {@code slot}. */
  abstract void onHit(int slot);

  /** Links a newly admitted key into the policy's order. */
  abstract void onInsert(int slot, long key);

  /** Unlinks a slot that {@link #remove} frees. */
  abstract void onRemove(int slot);

  /**
   * Chooses, unlinks and returns the slot to free for {@code incoming} when the cache is full, or
   * {@link #NO_SLOT} to reject {@code incoming}.
   */
  abstract int evict(long incoming);

  /** Called on every miss before admission (ghost lists, frequency sketches). */
  void beforeAdmit(long key) {}

  /** Whether a key is admitted at all (policies that bypass override this). */
  boolean admit(long key) {
    return true;
  }

  @Override
  public final boolean access(long key) {
    int slot = index.get(key);
    if (slot != LongIntHashMap.MISSING) {
      hits++;
      reused[slot] = true;
      onHit(slot);
      return true;
    }
    misses++;
    insert(key);
    return false;
  }

  @Override
  public final boolean contains(long key) {
    return index.get(key) != LongIntHashMap.MISSING;
  }

  @Override
  public final int insert(long key) {
    beforeAdmit(key);
    if (!admit(key)) {
      rejections++;
      return outcome = REJECTED;
    }
    int slot;
    if (size < capacity) {
      slot = freeSlots[--freeCount];
      outcome = INSERTED;
    } else {
      slot = evict(key);
      if (slot == NO_SLOT) {
        rejections++;
        return outcome = REJECTED;
      }
      victim = keyOf[slot];
      index.remove(victim);
      evictions++;
      if (!reused[slot]) {
        evictedUnused++;
      }
      size--;
      outcome = EVICTED;
    }
    keyOf[slot] = key;
    reused[slot] = false;
    index.put(key, slot);
    size++;
    insertions++;
    onInsert(slot, key);
    return outcome;
  }

  @Override
  public final boolean remove(long key) {
    int slot = index.remove(key);
    if (slot == LongIntHashMap.MISSING) {
      return false;
    }
    onRemove(slot);
    freeSlots[freeCount++] = slot;
    size--;
    removals++;
    return true;
  }

  @Override
  public final int lastOutcome() {
    return outcome;
  }

  @Override
  public final long victim() {
    return victim;
  }

  @Override
  public final int size() {
    return size;
  }

  @Override
  public final int capacity() {
    return capacity;
  }

  @Override
  public final PolicyStats stats() {
    return new PolicyStats(hits, misses, insertions, evictions, evictedUnused, rejections);
  }

  @Override
  public void checkInvariants() {
    check(size >= 0 && size <= capacity, "size " + size + " outside 0.." + capacity);
    check(index.size() == size, "index holds " + index.size() + " keys, size is " + size);
    check(size + freeCount == capacity, "size " + size + " + free " + freeCount + " != capacity " + capacity);
    check(insertions - evictions - removals == size, "insertions - evictions - removals != size");
    check(evictedUnused <= evictions, "more unused evictions than evictions");
  }

  static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("policy invariant broken: " + what);
    }
  }
}
