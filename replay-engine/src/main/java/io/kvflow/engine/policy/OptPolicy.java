package io.kvflow.engine.policy;

/**
 * Belady's OPT with bypass (the offline bound): knowing when each key is used next, it evicts the
 * resident key used farthest in the future, and does not admit a key whose next use is farther
 * than every resident's (or that is never used again). No policy, with or without bypass, gets
 * more hits on the same access sequence.
 *
 * <p>It must see exactly the access sequence its {@link NextUse} oracle was built from, through
 * {@link #touch} and {@link #admit} (or {@link #access}); an indexed max-heap on next-use position gives O(log n) per access.
 */
final class OptPolicy extends HeapPolicy {
  private final NextUse oracle;
  private long position;
  private long incomingNext;

  OptPolicy(int capacity, NextUse oracle) {
    super(capacity);
    if (oracle == null) {
      throw new IllegalArgumentException("OPT needs the trace's next-use times (a first pass); "
          + "it is available for single-tier replays and key-only simulation");
    }
    this.oracle = oracle;
  }

  @Override
  void beforeAdmit(long key) {
    incomingNext = oracle.nextUse(position++);
  }

  @Override
  public boolean wouldAdmit(long key) {
    long next = oracle.nextUse(position);
    return next != NextUse.NEVER && (size < capacity || -heap.primary(heap.peek()) > next);
  }

  @Override
  boolean admits(long key) {
    if (incomingNext == NextUse.NEVER) {
      return false;
    }
    return size < capacity || -heap.primary(heap.peek()) > incomingNext;
  }

  @Override
  void onHit(int slot) {
    heap.update(slot, -oracle.nextUse(position++), 0);
  }

  @Override
  void onInsert(int slot, long key) {
    heap.add(slot, -incomingNext, 0);
  }
}
