package io.kvflow.engine.vllm;

/**
 * The block-pool rules the vLLM scheduler drives, per request sequence number {@code seq}. A
 * request's blocks are named by {@code hashes}: entry {@code i} is the chained hash of its block
 * {@code i}. Implemented by {@link VllmBlockPool} and, slowly and obviously, by the reference in
 * the tests; the two must agree call by call.
 */
public interface KvBlockPool {
  /**
   * Leading blocks of {@code hashes[0, maxBlocks)} cached in the GPU pool (in use or in the free
   * queue), stopping at the first miss; changes nothing.
   */
  int cachedBlocks(long[] hashes, int maxBlocks);

  /** Blocks from {@code from} on, below {@code maxBlocks}, held by the CPU tier without a gap; changes nothing. */
  int offloadedBlocks(long[] hashes, int from, int maxBlocks);

  /**
   * Makes {@code seq} hold {@code totalBlocks} blocks, or changes nothing and returns false when
   * the free queue is too short. A request holding nothing first takes its {@code hitBlocks} cached
   * blocks (taking one out of the free queue costs a free block) and loads the next {@code
   * loadBlocks} from the CPU tier into new blocks; the rest are new blocks from the head of the free
   * queue (evicting what they cached). Then its blocks below {@code cacheBlocks} are cached under
   * their hashes.
   */
  boolean allocate(int seq, long[] hashes, int hitBlocks, int loadBlocks, int totalBlocks, int cacheBlocks);

  /** Frees {@code seq}'s blocks, last block first; a block no request holds joins the free queue's tail. */
  void free(int seq);

  /** Blocks in the free queue (unused, or cached and reusable). */
  int freeBlocks();

  /** Counters: {evictions of cached GPU blocks, blocks loaded from CPU, blocks stored to CPU, CPU evictions}. */
  void counters(long[] out);
}
