package io.kvflow.engine.policy;

import io.kvflow.common.LongIntHashMap;

/**
 * Slot bookkeeping shared by the policies: an index from key to slot (the policy's own, or one
 * shared by the tiers of a hierarchy, see {@link #shareIndex}), the key and reused-bit of each
 * slot, a free-slot stack and the counters. Subclasses keep their order (lists, heaps, clock
 * hands) in int arrays indexed by slot and implement the four hooks.
 */
abstract class AbstractPolicy implements EvictionPolicy {
  /** Keys the index is first sized for; it doubles as they arrive. */
  private static final int INITIAL_INDEX = 1 << 10;

  protected final int capacity;
  private LongIntHashMap index;
  private int slotBase;
  private boolean shared;
  protected final long[] keyOf;
  protected final boolean[] reused;
  private final int[] freeSlots;
  private int freeCount;
  protected int size;
  private int outcome = INSERTED;
  private long victim;
  private int lastSlot = NO_SLOT;
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
    // sized for the keys resident, not the capacity: it grows as keys arrive, so a large lower
    // tier that holds few keys is probed in a small table that stays in cache
    this.index = new LongIntHashMap(Math.min(capacity, INITIAL_INDEX));
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

  /** Called on every admission offer before the decision (ghost lists, frequency sketches, OPT's clock). */
  void beforeAdmit(long key) {}

  /** Whether an offered key is admitted at all (policies that bypass override this). */
  boolean admits(long key) {
    return true;
  }

  @Override
  public final void shareIndex(LongIntHashMap shared, int base) {
    if (size != 0 || insertions != 0) {
      throw new IllegalStateException("an index can only be shared before any key is admitted");
    }
    this.index = shared;
    this.slotBase = base;
    this.shared = true;
  }

  @Override
  public final int slotOf(long key) {
    int g = index.get(key);
    if (g == LongIntHashMap.MISSING) {
      return NO_SLOT;
    }
    int slot = g - slotBase;
    return slot >= 0 && slot < capacity ? slot : NO_SLOT;
  }

  @Override
  public final boolean contains(long key) {
    return slotOf(key) != NO_SLOT;
  }

  @Override
  public final boolean touch(long key) {
    int slot = slotOf(key);
    if (slot == NO_SLOT) {
      return false;
    }
    touchSlot(slot);
    return true;
  }

  @Override
  public final void touchSlot(int slot) {
    hits++;
    reused[slot] = true;
    onHit(slot);
  }

  @Override
  public final boolean access(long key) {
    if (shared || !evictLeavesIndex()) {
      if (touch(key)) {
        return true;
      }
      misses++;
      admit(key);
      return false;
    }
    // one probe finds the key or the free position it takes when admitted
    int found = index.find(key);
    if (found >= 0) {
      touchSlot(index.valueAt(found) - slotBase);
      return true;
    }
    misses++;
    admit(key, found);
    return false;
  }

  /**
   * Whether {@link #beforeAdmit}, {@link #admits} and {@link #evict} leave the index alone, so that
   * a miss can admit its key at the free position its lookup found (one probe fewer per miss).
   */
  boolean evictLeavesIndex() {
    return false;
  }

  /** How many accesses ahead {@link #accessAll} loads a key's index slot. */
  private static final int AHEAD = 8;
  /** Sum of the prefetching loads, kept so that the JIT cannot drop them. */
  private long prefetched;

  @Override
  public final void accessAll(long[] keys, int n) {
    long sink = 0;
    int i = 0;
    for (; i + AHEAD < n; i++) {
      sink += index.touch(keys[i + AHEAD]);
      access(keys[i]);
    }
    for (; i < n; i++) {
      access(keys[i]);
    }
    prefetched += sink;
  }

  @Override
  public final int admit(long key) {
    return admit(key, 0);
  }

  /**
   * Admits {@code key}; {@code found < 0} is the free index position {@link LongIntHashMap#find}
   * returned for it (then the index is unchanged since), {@code 0} means probe again. The key
   * enters the index before the victim leaves it, so the position is still free.
   */
  private int admit(long key, int found) {
    beforeAdmit(key);
    if (!admits(key)) {
      rejections++;
      return outcome = REJECTED;
    }
    int slot;
    boolean evicted = false;
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
      evicted = true;
      evictions++;
      if (!reused[slot]) {
        evictedUnused++;
      }
      size--;
      outcome = EVICTED;
    }
    if (found < 0) {
      index.insertAt(found, key, slotBase + slot);
    }
    if (evicted) {
      index.remove(victim);
    }
    keyOf[slot] = key;
    reused[slot] = false;
    if (found >= 0) {
      index.put(key, slotBase + slot);
    }
    size++;
    insertions++;
    lastSlot = slot;
    onInsert(slot, key);
    return outcome;
  }

  @Override
  public final boolean remove(long key) {
    int slot = slotOf(key);
    if (slot == NO_SLOT) {
      return false;
    }
    removeSlot(slot);
    return true;
  }

  @Override
  public final void removeSlot(int slot) {
    index.remove(keyOf[slot]);
    onRemove(slot);
    freeSlots[freeCount++] = slot;
    size--;
    removals++;
  }

  @Override
  public final int lastSlot() {
    return lastSlot;
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
  public final void forEachKey(java.util.function.LongConsumer consumer) {
    boolean[] free = freeMarks();
    for (int s = 0; s < capacity; s++) {
      if (!free[s]) {
        consumer.accept(keyOf[s]);
      }
    }
  }

  private boolean[] freeMarks() {
    boolean[] free = new boolean[capacity];
    for (int i = 0; i < freeCount; i++) {
      free[freeSlots[i]] = true;
    }
    return free;
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
    check(size + freeCount == capacity, "size " + size + " + free " + freeCount + " != capacity " + capacity);
    check(insertions - evictions - removals == size, "insertions - evictions - removals != size");
    check(evictedUnused <= evictions, "more unused evictions than evictions");
    if (!shared) {
      check(index.size() == size, "index holds " + index.size() + " keys, size is " + size);
    }
    // every resident slot's key maps back to that slot (in a shared index: to no other tier's slot)
    boolean[] free = freeMarks();
    for (int s = 0; s < capacity; s++) {
      if (!free[s]) {
        check(index.get(keyOf[s]) == slotBase + s, "key " + keyOf[s] + " of slot " + s + " is indexed elsewhere");
      }
    }
  }

  static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("policy invariant broken: " + what);
    }
  }
}
