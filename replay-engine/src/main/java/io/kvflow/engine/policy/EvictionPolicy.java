package io.kvflow.engine.policy;

/**
 * A cache of at most {@link #capacity()} block keys that decides what to evict. Keys are primitive
 * longs; no call allocates.
 *
 * <p>{@link #access} is the key-only fast path (one lookup: a hit updates the policy's state, a miss
 * admits the key). The residency tracker also uses {@link #insert} for blocks arriving from another
 * tier and {@link #remove} for frees and promotions out of an exclusive tier.
 */
public interface EvictionPolicy {
  /** {@link #insert} outcome: admitted into free space. */
  int INSERTED = 0;
  /** {@link #insert} outcome: admitted after evicting {@link #victim()}. */
  int EVICTED = 1;
  /** {@link #insert} outcome: not admitted (the policy bypasses the key). */
  int REJECTED = 2;

  /** Looks {@code key} up: true on a hit; on a miss the key is offered for admission as by {@link #insert}. */
  boolean access(long key);

  boolean contains(long key);

  /** Offers a non-resident key without counting an access; returns INSERTED, EVICTED or REJECTED. */
  int insert(long key);

  /** The outcome of the last miss or insert. */
  int lastOutcome();

  /** The key evicted by the last insert or miss whose outcome was EVICTED. */
  long victim();

  /** Removes a resident key (no eviction counted); false if it was not resident. */
  boolean remove(long key);

  int size();

  int capacity();

  PolicyStats stats();

  /** Verifies the policy's own structures (sizes add up, indexes agree); throws IllegalStateException if not. */
  void checkInvariants();
}
