package io.kvflow.engine.vllm;

import io.kvflow.common.LongIntHashMap;

/**
 * The CPU offload tier: a set of block hashes in least-recently-used order, of a fixed number of
 * blocks. A store of a held hash or a load refreshes it; a store into a full tier evicts the least
 * recently used. Slots are index arrays (a ring list through {@code prev}/{@code next}, slot
 * {@code capacity} the sentinel), so nothing is allocated per block.
 */
final class CpuLruStore {
  private final int capacity;
  private final LongIntHashMap slotOf;
  private final long[] hashOf;
  private final int[] prev;
  private final int[] next;
  private int used;
  private long stores;
  private long evictions;
  private KvEventSink events = KvEventSink.NONE;
  private final long[] one = new long[1];

  CpuLruStore(int capacityBlocks) {
    this.capacity = capacityBlocks;
    slotOf = new LongIntHashMap(Math.max(16, capacityBlocks));
    hashOf = new long[capacityBlocks];
    prev = new int[capacityBlocks + 1];
    next = new int[capacityBlocks + 1];
    prev[capacityBlocks] = capacityBlocks;
    next[capacityBlocks] = capacityBlocks;
  }

  void events(KvEventSink sink) {
    events = sink;
  }

  boolean contains(long hash) {
    return slotOf.get(hash) != LongIntHashMap.MISSING;
  }

  /** Marks {@code hash} most recently used (a load). */
  void touch(long hash) {
    int s = slotOf.get(hash);
    if (s != LongIntHashMap.MISSING) {
      unlink(s);
      linkNewest(s);
    }
  }

  /** Stores {@code hash} (a block evicted from the GPU pool), evicting the least recently used when full. */
  void store(long hash) {
    if (capacity == 0) {
      return;
    }
    stores++;
    int s = slotOf.get(hash);
    if (s != LongIntHashMap.MISSING) {
      unlink(s);
      linkNewest(s);
      return;
    }
    if (used < capacity) {
      s = used++;
    } else {
      s = next[capacity];
      unlink(s);
      slotOf.remove(hashOf[s]);
      evictions++;
      events.removed(KvEventSink.Medium.CPU, hashOf[s]);
    }
    hashOf[s] = hash;
    slotOf.put(hash, s);
    linkNewest(s);
    one[0] = hash;
    events.stored(KvEventSink.Medium.CPU, one, 0, 1, false, 0);
  }

  /** Stores {@code hash} unless held (then nothing changes: no refresh, not counted), evicting the LRU when full. */
  void storeIfAbsent(long hash) {
    if (!contains(hash)) {
      store(hash);
    }
  }

  long stores() {
    return stores;
  }

  long evictions() {
    return evictions;
  }

  int size() {
    return used;
  }

  private void unlink(int s) {
    next[prev[s]] = next[s];
    prev[next[s]] = prev[s];
  }

  private void linkNewest(int s) {
    int tail = prev[capacity];
    next[tail] = s;
    prev[s] = tail;
    next[s] = capacity;
    prev[capacity] = s;
  }
}
