package io.kvflow.analysis.reuse;

import io.kvflow.common.LongIntHashMap;

/**
 * Exact stack distances of the prefix-aware LRU cache, every cache size in one pass.
 *
 * <p>The cache (docs/reuse.md): a request looks up its chain b0..b(n-1) and hits the longest cached
 * prefix; it then touches the chain in order (b0 first, so the tail is the most recent) and admits
 * the blocks it missed; to make room it evicts the least recently touched <em>leaf</em> (a block no
 * cached block extends), never the parent of the block being admitted; with no such leaf the block
 * and the rest of the chain are not admitted. This is a stack algorithm: rank the blocks by the
 * last request whose chain contained them, then shallower first; the cache of C blocks holds exactly
 * the C highest-ranked blocks (the proof is in docs/reuse.md: cached leaves are pairwise unrelated,
 * so the least recently touched leaf is the lowest-ranked cached block). A block's distance is the
 * number of blocks ranked above it when its request starts (its ancestors in the chain were above it
 * already); it hits in a cache of C blocks iff its distance is below C, and distances grow along a
 * chain, so a request's hits are a prefix of its chain.
 *
 * <p>Counting: as {@link ReuseDistanceAnalyzer}, marks at positions over a {@link MarkCounter}
 * (bitmap plus Fenwick tree), one live mark per block at its latest position; a request first
 * counts the marks after each of its blocks' positions, then moves its blocks to fresh positions,
 * tail first so the head ends highest. Positions are renumbered in order when they run out, so
 * memory follows the distinct blocks. Histograms are kept in blocks and in tokens.
 */
public final class PrefixLruAnalyzer {
  private static final int LOOK_AHEAD = 12;
  private long sink;
  private final LongIntHashMap positionOf = new LongIntHashMap(1 << 12);
  private long[] keyAt;
  private MarkCounter marks;
  private int next;
  private int[] lasts = new int[256];
  private long references;
  private long tokens;
  private long coldBlocks;
  private final DistanceHistogram blockHistogram = new DistanceHistogram();
  private final DistanceHistogram tokenHistogram = new DistanceHistogram();

  public PrefixLruAnalyzer() {
    marks = new MarkCounter(1 << 12);
    keyAt = new long[marks.capacity()];
  }

  /**
   * One request: path keys {@code keys[from..to)} of its chain in order, tokens per block in
   * {@code blockTokens[from..to)}; distances go to {@code distances[from..to)} when not null (-1:
   * first use).
   */
  public void request(long[] keys, int[] blockTokens, int from, int to, long[] distances) {
    int n = to - from;
    if (n == 0) {
      return;
    }
    if (next + n > marks.capacity()) {
      compact(n);
    }
    if (lasts.length < n) {
      lasts = new int[Math.max(n, lasts.length * 2)];
    }
    // touching the map slot a few blocks ahead lets the lookups' cache misses overlap
    long touched = 0;
    for (int i = 0; i < Math.min(n, LOOK_AHEAD); i++) {
      touched += positionOf.touch(keys[from + i]);
    }
    for (int i = 0; i < n; i++) {
      if (i + LOOK_AHEAD < n) {
        touched += positionOf.touch(keys[from + i + LOOK_AHEAD]);
      }
      lasts[i] = positionOf.get(keys[from + i]);
    }
    sink ^= touched;
    for (int i = 0; i < n; i++) {
      int last = lasts[i];
      int w = blockTokens[from + i];
      long d;
      if (last < 0) {
        coldBlocks++;
        blockHistogram.addCold(1);
        tokenHistogram.addCold(w);
        d = -1;
      } else {
        d = marks.countAfter(last);
        blockHistogram.add(d, 1);
        tokenHistogram.add(d, w);
      }
      if (distances != null) {
        distances[from + i] = d;
      }
      tokens += w;
    }
    references += n;
    // tail first, so the head gets the highest position (ranks first)
    for (int i = to - 1; i >= from; i--) {
      int old = positionOf.put(keys[i], next);
      if (old >= 0) {
        marks.clear(old);
      }
      marks.set(next);
      keyAt[next] = keys[i];
      next++;
    }
  }

  /** Renumbers the live positions in order, with room for at least {@code incoming} more. */
  private void compact(int incoming) {
    int live = marks.marks();
    int size = PositionAssigner.grownSize(live + incoming, marks.capacity());
    while (size < live + incoming) {
      size = MarkCounter.positionsFor(size * 2);
    }
    MarkCounter fresh = new MarkCounter(size);
    long[] freshKeys = new long[fresh.capacity()];
    int r = 0;
    for (int w = 0; w < (next + 63) >>> 6; w++) {
      long bits = marks.word(w);
      while (bits != 0) {
        int p = (w << 6) + Long.numberOfTrailingZeros(bits);
        bits &= bits - 1;
        freshKeys[r] = keyAt[p];
        positionOf.put(keyAt[p], r);
        fresh.setBitOnly(r);
        r++;
      }
    }
    fresh.rebuild(r);
    marks = fresh;
    keyAt = freshKeys;
    next = r;
  }

  public long references() {
    return references;
  }

  public long tokens() {
    return tokens;
  }

  public long coldBlocks() {
    return coldBlocks;
  }

  public long distinctBlocks() {
    return marks.marks();
  }

  /** Distances weighted by blocks: the block miss-ratio curve. */
  public DistanceHistogram blockHistogram() {
    return blockHistogram;
  }

  /** Distances weighted by tokens: the token miss-ratio curve. */
  public DistanceHistogram tokenHistogram() {
    return tokenHistogram;
  }

  /**
   * Checks the model's invariants (STYLE 14): one mark per distinct block, every block's position
   * marked and holding it.
   */
  public void checkInvariants() {
    if (marks.marks() != positionOf.size()) {
      throw new IllegalStateException("prefix LRU: " + marks.marks() + " marks for " + positionOf.size() + " blocks");
    }
  }
}
