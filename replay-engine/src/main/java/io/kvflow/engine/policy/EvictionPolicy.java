package io.kvflow.engine.policy;

import io.kvflow.common.LongIntHashMap;

/**
 * A cache of at most {@link #capacity()} block keys that decides what to evict. Keys are primitive
 * longs; no call allocates.
 *
 * <p>Look-up is apart from admission, so a policy behaves the same wherever it sits in a
 * hierarchy: {@link #touch} is a hit (the policy updates its recency or frequency state and admits
 * nothing), {@link #admit} offers a key that is not resident (the policy may evict one victim, or
 * refuse it) and {@link #remove} takes a key out (a free, or a move to another tier: no eviction
 * counted, no ghost left). {@link #access} is the key-only cache of libCacheSim: touch, else admit.
 *
 * <p>The residency tracker works on slots: it finds a key's slot with one probe of an index that
 * several policies may share ({@link #shareIndex}), then touches or removes by slot.
 */
public interface EvictionPolicy {
  /** {@link #admit} outcome: admitted into free space. */
  int INSERTED = 0;
  /** {@link #admit} outcome: admitted after evicting {@link #victim()}. */
  int EVICTED = 1;
  /** {@link #admit} outcome: not admitted (the policy bypasses the key). */
  int REJECTED = 2;
  /** {@link #slotOf} of a key that is not resident here. */
  int NO_SLOT = -1;

  /** A hit: true and the key's state updated if it is resident; false and nothing changed if not. */
  boolean touch(long key);

  /** Offers a key that is not resident; returns INSERTED, EVICTED (see {@link #victim()}) or REJECTED. */
  int admit(long key);

  /** Removes a resident key (no eviction counted, no ghost left); false if it was not resident. */
  boolean remove(long key);

  /** Whether {@link #admit} would take {@code key} now, without changing anything (static and opt may refuse). */
  default boolean wouldAdmit(long key) {
    return true;
  }

  /** Key-only access: {@link #touch} on a hit, else a miss that {@link #admit}s the key. True on a hit. */
  boolean access(long key);

  /**
   * {@link #access} of {@code keys[0..n)} in order; the same outcome as one call per key, but a
   * policy may load the index slots of keys a few accesses ahead so that their cache misses overlap.
   */
  default void accessAll(long[] keys, int n) {
    for (int i = 0; i < n; i++) {
      access(keys[i]);
    }
  }

  boolean contains(long key);

  /** The slot of a resident key, or {@link #NO_SLOT}. */
  int slotOf(long key);

  /** {@link #touch} of the key in {@code slot}. */
  void touchSlot(int slot);

  /** {@link #remove} of the key in {@code slot}. */
  void removeSlot(int slot);

  /** The slot the last admitted key went to. */
  int lastSlot();

  /** The outcome of the last {@link #admit} (or miss of {@link #access}). */
  int lastOutcome();

  /** The key evicted by the last admit whose outcome was EVICTED. */
  long victim();

  /**
   * Keeps this policy's keys in {@code index} (shared with other tiers' policies) as values
   * {@code slotBase + slot}; called once, before any key is admitted.
   */
  void shareIndex(LongIntHashMap index, int slotBase);

  /** Calls {@code consumer} with every resident key (for checks and tests; not for hot paths). */
  void forEachKey(java.util.function.LongConsumer consumer);

  int size();

  int capacity();

  PolicyStats stats();

  /** Verifies the policy's own structures (sizes add up, indexes agree); throws IllegalStateException if not. */
  void checkInvariants();
}
