package io.kvflow.engine.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each vLLM block-pool rule worked by hand, on the engine's pool and on the reference. */
class VllmRulesTest {
  static final long H0 = 100;
  static final long H1 = 101;
  static final long H2 = 102;
  static final long H3 = 103;
  static final long[] PREFIX = {H0, H1, H2, H3};
  static final long[] OTHER = {900, 901, 902, 903, 904};

  static Stream<BiFunction<Integer, Integer, KvBlockPool>> pools() {
    return Stream.of(VllmBlockPool::new, ReferenceVllmPool::new);
  }

  static long counter(KvBlockPool p, int i) {
    long[] c = new long[4];
    p.counters(c);
    return c[i];
  }

  /** A finished request's blocks join the free queue last block first, so its last block is evicted first. */
  @ParameterizedTest
  @MethodSource("pools")
  void tailFirstEviction(BiFunction<Integer, Integer, KvBlockPool> make) {
    KvBlockPool p = make.apply(4, 0);
    assertTrue(p.allocate(0, PREFIX, 0, 0, 4, 4));
    p.free(0);
    assertEquals(4, p.freeBlocks());
    assertEquals(4, p.cachedBlocks(PREFIX, 4));
    assertTrue(p.allocate(1, OTHER, 0, 0, 1, 0));
    assertEquals(3, p.cachedBlocks(PREFIX, 4), "the last block went first");
    assertTrue(p.allocate(1, OTHER, 0, 0, 2, 0));
    assertEquals(2, p.cachedBlocks(PREFIX, 4));
    assertEquals(2, counter(p, 0));
    if (p instanceof ReferenceVllmPool r) {
      assertEquals(List.of(1, 0), r.freeQueue(), "blocks 3 and 2 left from the head");
    }
  }

  /** Blocks of a running request are pinned: an allocation that would need them fails, and they stay cached. */
  @ParameterizedTest
  @MethodSource("pools")
  void runningRequestsPinTheirBlocks(BiFunction<Integer, Integer, KvBlockPool> make) {
    KvBlockPool p = make.apply(4, 0);
    assertTrue(p.allocate(0, PREFIX, 0, 0, 3, 3));
    assertFalse(p.allocate(1, OTHER, 0, 0, 2, 2), "one block free, two asked for");
    assertEquals(1, p.freeBlocks());
    assertEquals(3, p.cachedBlocks(PREFIX, 4));
    // a second request shares the pinned prefix: its hits cost no free block
    assertTrue(p.allocate(1, PREFIX, 2, 0, 3, 2));
    assertEquals(0, p.freeBlocks());
    p.free(0);
    assertEquals(1, p.freeBlocks(), "H0 and H1 are still held by request 1");
    assertEquals(0, counter(p, 0));
  }

  /** A freed cached block stays reusable from the free queue; a hit takes it out of the queue. */
  @ParameterizedTest
  @MethodSource("pools")
  void freeQueueReuse(BiFunction<Integer, Integer, KvBlockPool> make) {
    KvBlockPool p = make.apply(4, 0);
    assertTrue(p.allocate(0, PREFIX, 0, 0, 2, 2));
    p.free(0);
    assertEquals(4, p.freeBlocks());
    assertEquals(2, p.cachedBlocks(PREFIX, 4));
    assertTrue(p.allocate(1, PREFIX, 2, 0, 3, 3));
    assertEquals(1, p.freeBlocks(), "two hits out of the queue, one new block");
    assertEquals(0, counter(p, 0), "nothing evicted");
    // hits on free blocks count against the free queue: 2 hits + 3 new > 4 free
    p.free(1);
    assertFalse(p.allocate(2, PREFIX, 3, 0, 6, 6));
  }

  /** A block computed again (the last-token rule) is cached twice; evicting one copy leaves the other. */
  @ParameterizedTest
  @MethodSource("pools")
  void duplicateBlockOfOneHash(BiFunction<Integer, Integer, KvBlockPool> make) {
    KvBlockPool p = make.apply(4, 0);
    assertTrue(p.allocate(0, PREFIX, 0, 0, 2, 2)); // blocks 0, 1
    assertTrue(p.allocate(1, PREFIX, 1, 0, 2, 2)); // hit block 0, computes H1 again into block 2
    p.free(0); // queue: 3, 1
    p.free(1); // queue: 3, 1, 2, 0
    assertTrue(p.allocate(2, OTHER, 0, 0, 2, 0)); // evicts 3 (never cached) and 1 (H1's first copy)
    assertEquals(2, p.cachedBlocks(PREFIX, 4), "H1's second copy is found");
    assertEquals(1, counter(p, 0));
  }

  /** A block evicted from the GPU is stored to the CPU tier, LRU there; a GPU miss that the CPU holds is a load. */
  @ParameterizedTest
  @MethodSource("pools")
  void cpuTierStoresEvictedBlocks(BiFunction<Integer, Integer, KvBlockPool> make) {
    KvBlockPool p = make.apply(2, 3);
    assertTrue(p.allocate(0, PREFIX, 0, 0, 2, 2));
    p.free(0);
    assertTrue(p.allocate(1, OTHER, 0, 0, 2, 2)); // evicts H1 then H0, both stored
    assertEquals(0, p.cachedBlocks(PREFIX, 4));
    assertEquals(2, p.offloadedBlocks(PREFIX, 0, 4));
    assertEquals(2, counter(p, 2));
    p.free(1);
    assertTrue(p.allocate(2, PREFIX, 0, 2, 2, 2)); // loads both from CPU, evicting OTHER's two blocks to CPU
    assertEquals(2, counter(p, 1));
    assertEquals(4, counter(p, 2));
    assertEquals(1, counter(p, 3), "the CPU tier of 3 evicted its least recently used (OTHER's first stored)");
    assertEquals(2, p.cachedBlocks(PREFIX, 4));
  }

  record Admission(long id, long gpuHitTokens, long cpuHitTokens, boolean resumed) {}

  static List<Admission> schedule(int capacity, int blockTokens, int maxBatch, long[][] hashes, int[] prompt,
      int[] output) {
    List<Admission> seen = new ArrayList<>();
    VllmScheduler s = new VllmScheduler(new VllmBlockPool(capacity, 0), capacity, blockTokens, maxBatch, 0,
        (id, p, gpu, cpu, resumed) -> seen.add(new Admission(id, gpu, cpu, resumed)));
    int[] next = {0};
    s.run(sched -> {
      int i = next[0]++;
      if (i == prompt.length) {
        return false;
      }
      sched.enqueue(i, prompt[i], output[i], hashes[i], 0, hashes[i].length);
      return true;
    });
    return seen;
  }

  /** A fully cached prompt recomputes its last token: the hit stops one token short, rounded down to a block. */
  @Test
  void lastTokenIsAlwaysRecomputed() {
    long[] two = {H0, H1};
    long[] three = {H0, H1, H2};
    // 4-token blocks; request 0 computes H0, H1 (8 tokens); request 1 is the same 8 tokens; request 2 has 9
    List<Admission> a = schedule(16, 4, 1, new long[][] {two, two, three}, new int[] {8, 8, 9}, new int[] {1, 1, 1});
    assertEquals(new Admission(0, 0, 0, false), a.get(0));
    assertEquals(new Admission(1, 4, 0, false), a.get(1), "8 tokens cached, at most 7 may hit: one block");
    assertEquals(new Admission(2, 8, 0, false), a.get(2), "9 tokens: both full blocks hit, the partial one is computed");
  }

  /**
   * Preemption frees the request's blocks last first; on resume it hits what is still cached. By
   * hand: 6 blocks of 4 tokens; A and B join with 2 blocks each and take a third at token 9. At token
   * 13 A needs a fourth block and none is free: B (admitted last) is preempted, its blocks 901-tail,
   * 901, 900 join the queue in that order (its third block is full, cached under B's own hash). A
   * takes B's third block, then at token 17 the block of 901; B resumes once A finishes and finds
   * only 900: 4 tokens.
   */
  @Test
  void preemptedRequestResumesFromItsCachedBlocks() {
    long[] a = {H0, H1};
    long[] b = {900, 901};
    // 4-token blocks, 6 blocks: two requests of 8 prompt tokens growing by 12 output tokens each cannot both fit
    List<Admission> seen = schedule(6, 4, 2, new long[][] {a, b}, new int[] {8, 8}, new int[] {12, 12});
    assertEquals(new Admission(0, 0, 0, false), seen.get(0));
    assertEquals(new Admission(1, 0, 0, false), seen.get(1));
    Admission resumed = seen.get(2);
    assertEquals(1, resumed.id(), "the last admitted request is preempted");
    assertTrue(resumed.resumed());
    assertEquals(4, resumed.gpuHitTokens(), "its first block survived, its last two went first: " + resumed);
  }

  /**
   * Store on compute (write-through, vLLM's OffloadingConnector): a block is on the CPU tier from the
   * moment the GPU caches it, a GPU eviction stores nothing, and a block the CPU holds is not stored
   * again nor refreshed (so it keeps its place in the LRU order).
   */
  @Test
  void storeOnComputeWritesBlocksThroughWhenCached() {
    List<KvBlockPool> pools = List.of(new VllmBlockPool(4, 3, CpuStoreRule.ON_COMPUTE), new ReferenceVllmPool(4, 3, true));
    for (KvBlockPool p : pools) {
      assertTrue(p.allocate(0, PREFIX, 0, 0, 3, 3));
      assertEquals(3, counter(p, 2), "three blocks stored as they were cached");
      assertEquals(3, p.offloadedBlocks(PREFIX, 0, 4), "H0, H1, H2 on the CPU before any GPU eviction");
      p.free(0);
      assertTrue(p.allocate(1, OTHER, 0, 0, 4, 0));
      assertEquals(3, counter(p, 0), "three cached GPU blocks evicted");
      assertEquals(3, counter(p, 2), "evictions store nothing");
      p.free(1);
      assertTrue(p.allocate(2, new long[] {H0, H3}, 0, 0, 2, 2));
      assertEquals(4, counter(p, 2), "H0 is held: not stored again; H3 is stored");
      assertEquals(1, counter(p, 3));
      assertEquals(0, p.offloadedBlocks(new long[] {H0}, 0, 1), "H0 was not refreshed: H3 evicted it, the oldest");
      assertEquals(2, p.offloadedBlocks(PREFIX, 1, 3), "H1, H2 kept");
    }
  }
}
