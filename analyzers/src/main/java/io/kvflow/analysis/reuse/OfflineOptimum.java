package io.kvflow.analysis.reuse;

import java.util.Arrays;

/**
 * Clairvoyant caches of C blocks over a {@link RecordedChains}, one simulation per size.
 *
 * <p><b>Flat OPT</b> (Belady 1966, with optional admission): blocks by raw key, a reference hits if
 * its block is cached; on a miss with a full cache the block whose next use is farthest among the
 * cached blocks and the incoming one leaves (the incoming one: it is not admitted).
 *
 * <p><b>Tree-OPT</b>: blocks by path key, prefix-closed (a block is cached only with its parent),
 * so a cached block is always part of a cached prefix and the hits of a request are the longest
 * cached prefix of its chain; only a leaf may be evicted, and a block whose parent is not cached is
 * not admitted. The rule: the farthest next use among the cached blocks and the incoming one, ties
 * among blocks never used again broken deepest first. That block is always a leaf (or the incoming
 * one), because any use of a block is preceded, in the same request, by uses of all its ancestors:
 * a cached descendant's next use is strictly later, and a never-used block's descendants are never
 * used and deeper. So tree-OPT makes exactly the choices of flat OPT on the path-keyed stream, which
 * is optimal over every cache of C blocks, prefix-closed or not: tree-OPT is the optimum among
 * prefix-respecting caches, and on a trace whose hashes already chain the prefix it equals flat OPT
 * (docs/reuse.md). The simulation checks the leaf property at every eviction (STYLE 14).
 *
 * <p>Cost O(references log C) a size: an indexed binary heap of the cached blocks keyed by next use.
 */
public final class OfflineOptimum {
  /** Which cache. */
  public enum Kind {
    FLAT,
    TREE
  }

  /** Hits of one size, in blocks and tokens. */
  public record Result(long capacityBlocks, long hitBlocks, long hitTokens) {}

  private static final long NEVER_KEY = 1L << 40;

  private OfflineOptimum() {}

  public static Result run(RecordedChains trace, Kind kind, long capacityBlocks) {
    boolean tree = kind == Kind.TREE;
    int[] ids = tree ? trace.treeIds() : trace.flatIds();
    int[] next = tree ? trace.treeNextUse() : trace.flatNextUse();
    int blocks = tree ? trace.treeBlocks() : trace.flatBlocks();
    int[] parents = trace.parents();
    int[] depths = trace.depths();
    int[] tokens = trace.tokens();
    int capacity = (int) Math.min(capacityBlocks, blocks);
    Heap heap = new Heap(blocks, Math.max(capacity, 1));
    int[] cachedChildren = tree ? new int[blocks] : null;
    long hitBlocks = 0;
    long hitTokens = 0;
    for (int j = 0, n = trace.references(); j < n; j++) {
      int id = ids[j];
      long key = next[j] == RecordedChains.NEVER ? NEVER_KEY + (tree ? depths[id] : 0) : next[j];
      if (heap.contains(id)) {
        hitBlocks++;
        hitTokens += tokens[j];
        heap.update(id, key);
        continue;
      }
      if (capacity == 0) {
        continue;
      }
      int up = tree ? parents[id] : -1;
      if (up >= 0 && !heap.contains(up)) {
        continue; // its prefix is not cached: the rest of the chain misses and stays out
      }
      if (heap.size() == capacity) {
        int victim = heap.top();
        if (heap.key(victim) <= key) {
          continue; // the incoming block is used last: not admitted
        }
        heap.remove(victim);
        if (tree) {
          if (cachedChildren[victim] != 0) {
            throw new IllegalStateException("tree-OPT evicted block " + victim + " with " + cachedChildren[victim]
                + " cached children at reference " + j);
          }
          if (parents[victim] >= 0) {
            cachedChildren[parents[victim]]--;
          }
        }
      }
      heap.add(id, key);
      if (tree && up >= 0) {
        cachedChildren[up]++;
      }
    }
    return new Result(capacityBlocks, hitBlocks, hitTokens);
  }

  /** A binary max-heap of block ids by a long key, with each id's place for updates. */
  private static final class Heap {
    private final int[] ids;
    private final long[] keys;
    private final int[] place;
    private int size;

    Heap(int blocks, int capacity) {
      ids = new int[capacity];
      keys = new long[capacity];
      place = new int[blocks];
      Arrays.fill(place, -1);
    }

    int size() {
      return size;
    }

    boolean contains(int id) {
      return place[id] >= 0;
    }

    int top() {
      return ids[0];
    }

    long key(int id) {
      return keys[place[id]];
    }

    void add(int id, long key) {
      ids[size] = id;
      keys[size] = key;
      place[id] = size;
      up(size++);
    }

    void update(int id, long key) {
      int i = place[id];
      long old = keys[i];
      keys[i] = key;
      if (key > old) {
        up(i);
      } else {
        down(i);
      }
    }

    void remove(int id) {
      int i = place[id];
      place[id] = -1;
      size--;
      if (i != size) {
        ids[i] = ids[size];
        keys[i] = keys[size];
        place[ids[i]] = i;
        up(i);
        down(place[ids[i]]);
      }
    }

    private void up(int i) {
      while (i > 0) {
        int p = (i - 1) >>> 1;
        if (keys[p] >= keys[i]) {
          return;
        }
        swap(i, p);
        i = p;
      }
    }

    private void down(int i) {
      while (true) {
        int l = 2 * i + 1;
        if (l >= size) {
          return;
        }
        int c = l + 1 < size && keys[l + 1] > keys[l] ? l + 1 : l;
        if (keys[i] >= keys[c]) {
          return;
        }
        swap(i, c);
        i = c;
      }
    }

    private void swap(int a, int b) {
      int ia = ids[a];
      long ka = keys[a];
      ids[a] = ids[b];
      keys[a] = keys[b];
      ids[b] = ia;
      keys[b] = ka;
      place[ids[a]] = a;
      place[ids[b]] = b;
    }
  }
}
