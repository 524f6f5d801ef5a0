package io.kvflow.engine.vllm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * vLLM v1's block-pool rules written the slow, obvious way, apart from {@link VllmBlockPool}: the
 * free queue is a list of block ids (head first), the prefix cache a map from hash to the blocks
 * cached under it in insertion order, reference counts a map, and the CPU tier an access-ordered
 * {@link LinkedHashMap}. Linear scans everywhere; for tests only.
 */
final class ReferenceVllmPool implements KvBlockPool {
  private final List<Integer> freeQueue = new ArrayList<>();
  private final Map<Long, List<Integer>> cache = new HashMap<>();
  private final Map<Integer, Long> hashOfBlock = new HashMap<>();
  private final Map<Integer, Integer> refs = new HashMap<>();
  private final Map<Integer, List<Integer>> requestBlocks = new HashMap<>();
  private final Map<Integer, Integer> cachedCount = new HashMap<>();
  private final int cpuCapacity;
  private final LinkedHashMap<Long, Boolean> cpu = new LinkedHashMap<>(16, 0.75f, true);
  long evictions;
  long loads;
  long stores;
  long cpuEvictions;

  /** Whether the CPU tier stores a block when it is cached (write-through) instead of when evicted. */
  private final boolean writeThrough;

  ReferenceVllmPool(int blocks, int cpuBlocks) {
    this(blocks, cpuBlocks, false);
  }

  ReferenceVllmPool(int blocks, int cpuBlocks, boolean writeThrough) {
    this.writeThrough = writeThrough;
    for (int b = 0; b < blocks; b++) {
      freeQueue.add(b);
      refs.put(b, 0);
    }
    cpuCapacity = cpuBlocks;
  }

  @Override
  public int cachedBlocks(long[] hashes, int maxBlocks) {
    int n = 0;
    for (int i = 0; i < maxBlocks; i++) {
      if (!cache.containsKey(hashes[i])) {
        break;
      }
      n++;
    }
    return n;
  }

  @Override
  public int offloadedBlocks(long[] hashes, int from, int maxBlocks) {
    int n = 0;
    for (int i = from; i < maxBlocks; i++) {
      if (!cpu.containsKey(hashes[i])) { // containsKey does not reorder
        break;
      }
      n++;
    }
    return n;
  }

  @Override
  public boolean allocate(int seq, long[] hashes, int hitBlocks, int loadBlocks, int totalBlocks, int cacheBlocks) {
    List<Integer> mine = requestBlocks.computeIfAbsent(seq, k -> new ArrayList<>());
    int fresh = totalBlocks - mine.size() - hitBlocks;
    if (fresh < 0) {
      fresh = 0;
    }
    int takenFromQueue = fresh;
    for (int i = 0; i < hitBlocks; i++) {
      int block = cache.get(hashes[i]).get(0);
      if (refs.get(block) == 0) {
        takenFromQueue++;
      }
    }
    if (takenFromQueue > freeQueue.size()) {
      return false;
    }
    for (int i = 0; i < hitBlocks; i++) {
      int block = cache.get(hashes[i]).get(0);
      if (refs.get(block) == 0) {
        freeQueue.remove(Integer.valueOf(block));
      }
      refs.put(block, refs.get(block) + 1);
      mine.add(block);
    }
    if (hitBlocks > 0) {
      cachedCount.put(seq, hitBlocks);
    }
    for (int i = hitBlocks; i < hitBlocks + loadBlocks; i++) {
      cpu.get(hashes[i]); // a load makes it most recently used
      loads++;
    }
    for (int k = 0; k < fresh; k++) {
      int block = freeQueue.remove(0);
      Long old = hashOfBlock.remove(block);
      if (old != null) {
        List<Integer> same = cache.get(old);
        same.remove(Integer.valueOf(block));
        if (same.isEmpty()) {
          cache.remove(old);
        }
        evictions++;
        if (!writeThrough) {
          storeToCpu(old);
        }
      }
      refs.put(block, 1);
      mine.add(block);
    }
    int upTo = Math.min(cacheBlocks, mine.size());
    for (int i = cachedCount.getOrDefault(seq, 0); i < upTo; i++) {
      int block = mine.get(i);
      if (!hashOfBlock.containsKey(block)) {
        hashOfBlock.put(block, hashes[i]);
        cache.computeIfAbsent(hashes[i], k -> new ArrayList<>()).add(block);
        if (writeThrough && cpuCapacity > 0 && !cpu.containsKey(hashes[i])) {
          storeToCpu(hashes[i]);
        }
      }
    }
    cachedCount.put(seq, Math.max(cachedCount.getOrDefault(seq, 0), upTo));
    return true;
  }

  private void storeToCpu(long hash) {
    if (cpuCapacity == 0) {
      return;
    }
    stores++;
    if (cpu.containsKey(hash)) {
      cpu.get(hash);
      return;
    }
    if (cpu.size() == cpuCapacity) {
      Long eldest = cpu.keySet().iterator().next();
      cpu.remove(eldest);
      cpuEvictions++;
    }
    cpu.put(hash, Boolean.TRUE);
  }

  @Override
  public void free(int seq) {
    List<Integer> mine = requestBlocks.getOrDefault(seq, new ArrayList<>());
    for (int i = mine.size() - 1; i >= 0; i--) {
      int block = mine.get(i);
      int r = refs.get(block) - 1;
      refs.put(block, r);
      if (r == 0) {
        freeQueue.add(block);
      }
    }
    mine.clear();
    cachedCount.put(seq, 0);
  }

  @Override
  public int freeBlocks() {
    return freeQueue.size();
  }

  @Override
  public void counters(long[] out) {
    out[0] = evictions;
    out[1] = loads;
    out[2] = stores;
    out[3] = cpuEvictions;
  }

  /** The free queue, head first (for hand-worked tests). */
  List<Integer> freeQueue() {
    return List.copyOf(freeQueue);
  }
}
