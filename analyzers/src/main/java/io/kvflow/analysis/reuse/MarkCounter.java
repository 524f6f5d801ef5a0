package io.kvflow.analysis.reuse;

/**
 * A set of marked positions 0..capacity-1 that counts the marks after a position fast: a bitmap of
 * 64-bit words, and a Fenwick tree over superblocks of 16 words (1,024 positions) holding their
 * mark counts. Counting the marks after {@code p} pops at most 16 words of p's superblock and walks
 * the small tree (a few KB for millions of positions, so it stays in cache).
 *
 * <p>New marks only ever go at or after the highest position marked so far (positions are access
 * times), so the newest ("open") superblock keeps its count in a plain field and enters the tree
 * once, when the next superblock opens: a new mark costs no tree walk.
 */
final class MarkCounter {
  private static final int WORDS_PER_SUPER = 16;
  private static final int SUPER_SHIFT = 10; // 1,024 positions per superblock

  private final long[] words;
  private final int[] tree; // Fenwick over closed superblock counts, 1-based
  private final int supers;
  private int marks;
  private int closedMarks;
  private int openSuper;
  private int openCount;

  /** The positions a counter made for {@code capacity} holds: whole superblocks. */
  static int positionsFor(int capacity) {
    return Math.max(1, (capacity + 1023) >>> SUPER_SHIFT) << SUPER_SHIFT;
  }

  MarkCounter(int capacity) {
    int positions = positionsFor(capacity);
    words = new long[positions >>> 6];
    supers = positions >>> SUPER_SHIFT;
    tree = new int[supers + 1];
  }

  int capacity() {
    return words.length << 6;
  }

  private void treeAdd(int superblock, int delta) {
    for (int i = superblock + 1; i <= supers; i += i & -i) {
      tree[i] += delta;
    }
  }

  /** Marks {@code p}, which must not be below the open superblock. */
  void set(int p) {
    words[p >>> 6] |= 1L << p;
    int s = p >>> SUPER_SHIFT;
    if (s != openSuper) {
      if (s < openSuper) {
        throw new IllegalArgumentException("marks must not go back to a closed superblock");
      }
      treeAdd(openSuper, openCount);
      closedMarks += openCount;
      openSuper = s;
      openCount = 0;
    }
    openCount++;
    marks++;
  }

  void clear(int p) {
    words[p >>> 6] &= ~(1L << p);
    int s = p >>> SUPER_SHIFT;
    if (s == openSuper) {
      openCount--;
    } else {
      treeAdd(s, -1);
      closedMarks--;
    }
    marks--;
  }

  /** The 64 marks of word {@code w}: positions {@code 64 w} to {@code 64 w + 63}. */
  long word(int w) {
    return words[w];
  }

  boolean marked(int p) {
    return (words[p >>> 6] & (1L << p)) != 0;
  }

  /** Number of marks at positions greater than {@code p}. */
  int countAfter(int p) {
    int s = p >>> SUPER_SHIFT;
    int w = p >>> 6;
    int count = Long.bitCount(words[w] & (-2L << (p & 63)));
    int end = (s + 1) * WORDS_PER_SUPER;
    for (int i = w + 1; i < end; i++) {
      count += Long.bitCount(words[i]);
    }
    if (s == openSuper) {
      return count;
    }
    // closed superblocks after s, then the open one
    int upTo = 0;
    for (int i = s + 1; i > 0; i -= i & -i) {
      upTo += tree[i];
    }
    return count + closedMarks - upTo + openCount;
  }

  int marks() {
    return marks;
  }

  /**
   * Rebuilds the counters from a bitmap whose marks were set with {@link #setBitOnly}; positions
   * after {@code nextPosition} are unmarked.
   */
  void rebuild(int nextPosition) {
    java.util.Arrays.fill(tree, 0);
    openSuper = nextPosition >>> SUPER_SHIFT;
    closedMarks = 0;
    openCount = 0;
    for (int s = 0; s < supers; s++) {
      int c = 0;
      for (int w = s * WORDS_PER_SUPER; w < (s + 1) * WORDS_PER_SUPER; w++) {
        c += Long.bitCount(words[w]);
      }
      if (s == openSuper) {
        openCount = c;
        c = 0;
      } else if (s > openSuper) {
        c = 0;
      }
      closedMarks += c;
      tree[s + 1] += c;
      int parent = (s + 1) + ((s + 1) & -(s + 1));
      if (parent <= supers) {
        tree[parent] += tree[s + 1];
      }
    }
  }

  /** Marks {@code p} in the bitmap only (compaction); call {@link #rebuild} after. */
  void setBitOnly(int p) {
    words[p >>> 6] |= 1L << p;
    marks++;
  }
}
