package io.kvflow.engine.vllm;

import io.kvflow.common.LongIntHashMap;
import java.util.Arrays;

/**
 * vLLM v1's GPU block pool (vllm/v1/core/block_pool.py and kv_cache_manager.py, v0.11), on index
 * arrays.
 *
 * <p>The rules, as vLLM's {@code BlockPool} and {@code FreeKVCacheBlockQueue} keep them:
 * <ul>
 *   <li>Every block has a reference count: the running requests that hold it. A block with count 0
 *       sits in the free queue, a doubly linked list; at start every block is in it, in id order.
 *   <li>Only full blocks are cached: a request's block gets its chained hash once the tokens
 *       computed so far fill it (vLLM caches at allocation, for the tokens scheduled in the step).
 *       Several blocks may carry one hash (two requests computed the same block); a lookup takes the
 *       first cached of them, as vLLM's {@code BlockHashToBlockMap.get_one_block} does.
 *   <li>A cache hit on a block in the free queue takes it out of the queue (vLLM's {@code touch});
 *       on a block in use it only raises the count.
 *   <li>A new block comes from the head of the free queue; if it was cached, its hash is dropped
 *       (an eviction), and with a CPU tier the block's KV is stored there first.
 *   <li>Freeing a request walks its blocks last first, and each block whose count reaches 0 joins
 *       the tail of the queue: a finished request's last blocks are the first to be evicted, its
 *       shared prefix the last.
 * </ul>
 * The null block vLLM keeps at id 0 is not counted: the capacity is the usable blocks.
 */
public final class VllmBlockPool implements KvBlockPool {
  private static final int NONE = -1;

  private final int capacity;
  private final int[] refCount;
  private final long[] hashOf;
  private final boolean[] cached;
  /** The free queue: a ring through index {@code capacity}, the sentinel. */
  private final int[] prev;
  private final int[] next;
  private int freeCount;
  /** Cached blocks: the first block of each hash, then the others of that hash through {@link #sameHashNext}. */
  private final LongIntHashMap firstOfHash;
  private final int[] sameHashNext;
  private final CpuLruStore cpu;
  private final CpuStoreRule storeRule;

  // per request sequence number
  private int[][] blocksOf = new int[16][];
  private int[] held = new int[16];
  private int[] cachedUpTo = new int[16];

  private long evictions;
  private long loads;
  private long stores;
  private KvEventSink events = KvEventSink.NONE;

  /** A pool of {@code capacityBlocks} GPU blocks, with a CPU tier of {@code cpuBlocks} blocks (0: none) stored on eviction. */
  public VllmBlockPool(int capacityBlocks, int cpuBlocks) {
    this(capacityBlocks, cpuBlocks, CpuStoreRule.ON_EVICT);
  }

  /** As above, the CPU tier storing blocks by {@code storeRule}. */
  public VllmBlockPool(int capacityBlocks, int cpuBlocks, CpuStoreRule storeRule) {
    if (capacityBlocks < 1 || cpuBlocks < 0) {
      throw new IllegalArgumentException("capacity " + capacityBlocks + " GPU and " + cpuBlocks + " CPU blocks");
    }
    capacity = capacityBlocks;
    refCount = new int[capacityBlocks];
    hashOf = new long[capacityBlocks];
    cached = new boolean[capacityBlocks];
    prev = new int[capacityBlocks + 1];
    next = new int[capacityBlocks + 1];
    prev[capacity] = capacity;
    next[capacity] = capacity;
    for (int b = 0; b < capacityBlocks; b++) {
      appendFree(b);
    }
    firstOfHash = new LongIntHashMap(Math.max(16, capacityBlocks));
    sameHashNext = new int[capacityBlocks];
    cpu = cpuBlocks > 0 ? new CpuLruStore(cpuBlocks) : null;
    this.storeRule = storeRule;
  }

  /** Sends the pool's (and its CPU tier's) stores and removals to {@code sink} from now on. */
  public void events(KvEventSink sink) {
    events = sink;
    if (cpu != null) {
      cpu.events(sink);
    }
  }

  public int capacityBlocks() {
    return capacity;
  }

  @Override
  public int cachedBlocks(long[] hashes, int maxBlocks) {
    int n = 0;
    while (n < maxBlocks && firstOfHash.get(hashes[n]) != LongIntHashMap.MISSING) {
      n++;
    }
    return n;
  }

  @Override
  public int offloadedBlocks(long[] hashes, int from, int maxBlocks) {
    if (cpu == null) {
      return 0;
    }
    int n = 0;
    while (from + n < maxBlocks && cpu.contains(hashes[from + n])) {
      n++;
    }
    return n;
  }

  @Override
  public boolean allocate(int seq, long[] hashes, int hitBlocks, int loadBlocks, int totalBlocks, int cacheBlocks) {
    ensureSeq(seq);
    int h = held[seq];
    if ((hitBlocks > 0 || loadBlocks > 0) && h != 0) {
      throw new IllegalStateException("request " + seq + " holds " + h + " blocks; hits are taken on admission only");
    }
    int fresh = Math.max(0, totalBlocks - h - hitBlocks);
    int fromQueue = fresh;
    for (int i = 0; i < hitBlocks; i++) {
      if (refCount[firstOfHash.get(hashes[i])] == 0) {
        fromQueue++;
      }
    }
    if (fromQueue > freeCount) {
      return false;
    }
    int[] list = blocksOf[seq];
    if (list == null || list.length < h + hitBlocks + fresh) {
      list = blocksOf[seq] = Arrays.copyOf(list == null ? new int[0] : list, Math.max(16, 2 * (h + hitBlocks + fresh)));
    }
    for (int i = 0; i < hitBlocks; i++) {
      int b = firstOfHash.get(hashes[i]);
      if (refCount[b]++ == 0) {
        unlinkFree(b);
      }
      list[h++] = b;
    }
    if (hitBlocks > 0) {
      cachedUpTo[seq] = hitBlocks;
    }
    for (int i = hitBlocks; i < hitBlocks + loadBlocks; i++) {
      cpu.touch(hashes[i]);
      loads++;
    }
    for (int k = 0; k < fresh; k++) {
      int b = next[capacity];
      unlinkFree(b);
      if (cached[b]) {
        evict(b);
      }
      refCount[b] = 1;
      list[h++] = b;
    }
    held[seq] = h;
    int upTo = Math.min(cacheBlocks, h);
    int run = -1; // the first block of the run cached now: one BlockStored per run, as vLLM's cache_full_blocks
    for (int i = cachedUpTo[seq]; i < upTo; i++) {
      int b = list[i];
      if (!cached[b]) {
        cache(b, hashes[i]);
        if (cpu != null && storeRule == CpuStoreRule.ON_COMPUTE) {
          cpu.storeIfAbsent(hashes[i]);
        }
        run = run < 0 ? i : run;
      } else if (run >= 0) {
        stored(hashes, run, i);
        run = -1;
      }
    }
    if (run >= 0) {
      stored(hashes, run, upTo);
    }
    cachedUpTo[seq] = Math.max(cachedUpTo[seq], upTo);
    return true;
  }

  @Override
  public void free(int seq) {
    ensureSeq(seq);
    int[] list = blocksOf[seq];
    for (int i = held[seq] - 1; i >= 0; i--) {
      int b = list[i];
      if (--refCount[b] == 0) {
        appendFree(b);
      }
    }
    held[seq] = 0;
    cachedUpTo[seq] = 0;
  }

  @Override
  public int freeBlocks() {
    return freeCount;
  }

  @Override
  public void counters(long[] out) {
    out[0] = evictions;
    out[1] = loads;
    out[2] = cpu == null ? 0 : cpu.stores();
    out[3] = cpu == null ? 0 : cpu.evictions();
  }

  /** Blocks the CPU tier holds now. */
  public int cpuBlocksHeld() {
    return cpu == null ? 0 : cpu.size();
  }

  /**
   * Checks the pool's invariants (an end-of-run check): the free queue holds exactly the blocks no
   * request holds, each block's count equals the requests holding it, every cached block is findable
   * under its hash.
   */
  public void checkInvariants() {
    int[] counted = new int[capacity];
    for (int s = 0; s < held.length; s++) {
      for (int i = 0; i < held[s]; i++) {
        counted[blocksOf[s][i]]++;
      }
    }
    int inQueue = 0;
    for (int b = next[capacity]; b != capacity; b = next[b]) {
      if (refCount[b] != 0) {
        throw new IllegalStateException("block " + b + " in the free queue with " + refCount[b] + " holders");
      }
      inQueue++;
    }
    if (inQueue != freeCount) {
      throw new IllegalStateException("free queue holds " + inQueue + " blocks, counted " + freeCount);
    }
    int unused = 0;
    for (int b = 0; b < capacity; b++) {
      if (counted[b] != refCount[b]) {
        throw new IllegalStateException("block " + b + " held " + counted[b] + " times, counted " + refCount[b]);
      }
      if (refCount[b] == 0) {
        unused++;
      }
      if (cached[b] && !chainHas(hashOf[b], b)) {
        throw new IllegalStateException("cached block " + b + " not found under its hash");
      }
    }
    if (unused != freeCount) {
      throw new IllegalStateException(unused + " blocks unused, " + freeCount + " in the free queue");
    }
  }

  private boolean chainHas(long hash, int block) {
    int b = firstOfHash.get(hash);
    while (b != LongIntHashMap.MISSING && b != NONE) {
      if (b == block) {
        return true;
      }
      b = sameHashNext[b];
    }
    return false;
  }

  private void stored(long[] hashes, int from, int to) {
    stores += to - from;
    events.stored(KvEventSink.Medium.GPU, hashes, from, to, from > 0, from > 0 ? hashes[from - 1] : 0);
  }

  /** Blocks that were given a hash (vLLM's BlockStored events of the GPU). */
  public long gpuStores() {
    return stores;
  }

  /** Cached blocks now (in use or in the free queue), counted one by one. */
  public int cachedBlockCount() {
    int n = 0;
    for (int b = 0; b < capacity; b++) {
      if (cached[b]) {
        n++;
      }
    }
    return n;
  }

  private void cache(int b, long hash) {
    cached[b] = true;
    hashOf[b] = hash;
    sameHashNext[b] = NONE;
    int first = firstOfHash.get(hash);
    if (first == LongIntHashMap.MISSING) {
      firstOfHash.put(hash, b);
      return;
    }
    int last = first;
    while (sameHashNext[last] != NONE) {
      last = sameHashNext[last];
    }
    sameHashNext[last] = b;
  }

  private void evict(int b) {
    long hash = hashOf[b];
    int first = firstOfHash.get(hash);
    if (first == b) {
      if (sameHashNext[b] == NONE) {
        firstOfHash.remove(hash);
      } else {
        firstOfHash.put(hash, sameHashNext[b]);
      }
    } else {
      int p = first;
      while (sameHashNext[p] != b) {
        p = sameHashNext[p];
      }
      sameHashNext[p] = sameHashNext[b];
    }
    cached[b] = false;
    evictions++;
    events.removed(KvEventSink.Medium.GPU, hash);
    if (cpu != null && storeRule == CpuStoreRule.ON_EVICT) {
      cpu.store(hash);
    }
  }

  private void appendFree(int b) {
    int tail = prev[capacity];
    next[tail] = b;
    prev[b] = tail;
    next[b] = capacity;
    prev[capacity] = b;
    freeCount++;
  }

  private void unlinkFree(int b) {
    next[prev[b]] = next[b];
    prev[next[b]] = prev[b];
    freeCount--;
  }

  private void ensureSeq(int seq) {
    if (seq >= held.length) {
      int n = Math.max(seq + 1, held.length * 2);
      blocksOf = Arrays.copyOf(blocksOf, n);
      held = Arrays.copyOf(held, n);
      cachedUpTo = Arrays.copyOf(cachedUpTo, n);
    }
  }
}
