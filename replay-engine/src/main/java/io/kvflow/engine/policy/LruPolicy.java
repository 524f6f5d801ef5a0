package io.kvflow.engine.policy;

/** Least recently used: FIFO whose hits move the key to the head; the tail is evicted. */
final class LruPolicy extends FifoPolicy {
  LruPolicy(int capacity) {
    super(capacity);
  }

  @Override
  void onHit(int slot) {
    lists.moveToFirst(0, slot);
  }
}
