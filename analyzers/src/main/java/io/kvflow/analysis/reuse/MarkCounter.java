package io.kvflow.analysis.reuse;

/**
 * A set of marked positions 0..capacity-1 that counts the marks after a position fast: a bitmap of
 * 64-bit words, and a Fenwick tree over superblocks of 16 words (1,024 positions) holding their
 * mark counts. Counting the marks after {@code p} pops at most 16 words of p's superblock and walks
 * the small tree (a few KB for millions of positions, so it stays in cache). Setting or clearing a
 * mark flips one bit and updates the tree.
 */
final class MarkCounter {
  private static final int WORDS_PER_SUPER = 16;
  private static final int SUPER_SHIFT = 10; // 1,024 positions per superblock

  private final long[] words;
  private final int[] tree; // Fenwick over superblock counts, 1-based
  private final int supers;
  private int marks;

  MarkCounter(int capacity) {
    int positions = ((capacity + 1023) >>> SUPER_SHIFT) << SUPER_SHIFT;
    words = new long[positions >>> 6];
    supers = positions >>> SUPER_SHIFT;
    tree = new int[supers + 1];
  }

  int capacity() {
    return words.length << 6;
  }

  void set(int p) {
    words[p >>> 6] |= 1L << p;
    marks++;
    for (int i = (p >>> SUPER_SHIFT) + 1; i <= supers; i += i & -i) {
      tree[i]++;
    }
  }

  void clear(int p) {
    words[p >>> 6] &= ~(1L << p);
    marks--;
    for (int i = (p >>> SUPER_SHIFT) + 1; i <= supers; i += i & -i) {
      tree[i]--;
    }
  }

  /** Marks {@code p} without updating the tree; call {@link #rebuildTree()} after a run of these. */
  void setBitOnly(int p) {
    words[p >>> 6] |= 1L << p;
    marks++;
  }

  /** Rebuilds the superblock tree from the bitmap in O(superblocks). */
  void rebuildTree() {
    java.util.Arrays.fill(tree, 0);
    for (int s = 0; s < supers; s++) {
      int c = 0;
      for (int w = s * WORDS_PER_SUPER; w < (s + 1) * WORDS_PER_SUPER; w++) {
        c += Long.bitCount(words[w]);
      }
      tree[s + 1] += c;
      int parent = (s + 1) + ((s + 1) & -(s + 1));
      if (parent <= supers) {
        tree[parent] += tree[s + 1];
      }
    }
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
    // superblocks after s: all marks minus those in superblocks 0..s
    int upTo = 0;
    for (int i = s + 1; i > 0; i -= i & -i) {
      upTo += tree[i];
    }
    return count + marks - upTo;
  }

  int marks() {
    return marks;
  }
}
