package io.kvflow.engine.policy;

/**
 * Static placement: the first keys that fit are pinned for the whole run and nothing is ever
 * evicted; every other key bypasses the tier and is read from below on every access. This is how
 * a fixed offload split (the first part of the KV in HBM, the rest elsewhere) is modelled.
 */
final class StaticPolicy extends AbstractPolicy {
  StaticPolicy(int capacity) {
    super(capacity);
  }

  @Override
  void onHit(int slot) {}

  @Override
  void onInsert(int slot, long key) {}

  @Override
  void onRemove(int slot) {}

  @Override
  public boolean wouldAdmit(long key) {
    return size < capacity;
  }

  @Override
  int evict(long incoming) {
    return NO_SLOT;
  }
}
