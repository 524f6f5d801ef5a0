package io.kvflow.engine.sglang;

/**
 * The radix-cache rules the SGLang scheduler drives, in pages. A sequence's pages are named by
 * {@code keys}: entry {@code j} names page {@code j} and, chained, everything before it. Nodes are
 * opaque handles (the root included); a handle held by a lock stays valid, a split keeps it on the
 * deeper part. Implemented by {@link RadixTree} and, slowly and obviously, by the reference in the
 * tests; the two must agree call by call.
 */
public interface RadixCache {
  /**
   * SGLang's {@code match_prefix}: the longest prefix of {@code keys[0, maxPages)} in the tree,
   * splitting the node it ends inside, marking every node on the path used now and, with
   * write-through, writing to the host tier the path's nodes it does not hold. Returns the pages on
   * the GPU; {@link #hostPages()} gives the pages after them held only by the host tier.
   */
  int match(long[] keys, int maxPages);

  /** Pages after the GPU part of the last match held only by the host tier. */
  int hostPages();

  /** The deepest GPU node of the last match (the root when none); after {@link #loadBack} the loaded one. */
  int lastDeviceNode();

  /** The node the last match ended at (a host-only node when {@link #hostPages()} is not 0). */
  int lastHostNode();

  /**
   * HiCache's {@code load_back}: loads the host-only nodes from {@code hostNode} up to the GPU part,
   * all or nothing (nothing below the load-back threshold or when the GPU cannot make room), and
   * returns the pages loaded.
   */
  int loadBack(int hostNode);

  /** {@code inc_lock_ref}: pins {@code node} and its ancestors. */
  void lock(int node);

  /** {@code dec_lock_ref}. */
  void unlock(int node);

  /**
   * SGLang's {@code insert} of {@code keys[0, pages)}, whose GPU pages the caller holds: returns the
   * pages the tree held on the GPU already (the caller frees its copies of those); the rest become
   * tree pages (new nodes, or host-only nodes brought back to the GPU).
   */
  int insert(long[] keys, int pages);

  /** Evicts unlocked GPU leaves, least recently used first, until {@code pages} pages are free or none is left. */
  int evict(int pages);

  /** Evicts {@code pages - free} pages when fewer are free; returns whether {@code pages} are free then. */
  boolean ensureFree(int pages);

  /** Takes {@code pages} free pages for a request (the caller checked {@link #ensureFree}). */
  void take(int pages);

  /** Returns {@code pages} of a request's own pages to the free pool. */
  void release(int pages);

  int freePages();

  /** GPU pages in the tree that no lock pins. */
  int evictablePages();

  /** GPU pages in the tree that a lock pins. */
  int protectedPages();

  /** Counters: {GPU pages evicted, pages written to host, pages loaded from host, host pages evicted}. */
  void counters(long[] out);
}
