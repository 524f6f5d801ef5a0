package io.kvflow.analysis.reuse;

import io.kvflow.common.LongIntHashMap;
import java.util.Arrays;

/**
 * A whole requests trace held for the offline optimum: every reference as a dense block id (raw
 * keys for the flat cache, path keys for the prefix tree), its tokens, each tree block's parent and
 * depth, and each reference's next use (the position of the next reference to the same block, or
 * {@link #NEVER}). Memory: about 16 bytes a reference plus 12 a distinct block.
 */
public final class RecordedChains {
  /** Next use of a block never referenced again. */
  public static final int NEVER = Integer.MAX_VALUE;

  /** The most references held (the offline optimum needs the whole trace in memory). */
  public static final int MAX_REFERENCES = 1 << 28;

  private final LongIntHashMap flatIdOf = new LongIntHashMap(1 << 12);
  private final LongIntHashMap treeIdOf = new LongIntHashMap(1 << 12);
  private int[] flatIds = new int[1 << 12];
  private int[] treeIds = new int[1 << 12];
  private int[] tokens = new int[1 << 12];
  private int[] parent = new int[1 << 10];
  private int[] depth = new int[1 << 10];
  private int references;
  private int[] flatNext;
  private int[] treeNext;

  /** One request: raw and path keys and tokens of its chain, {@code [from, to)}. */
  public void request(long[] rawKeys, long[] pathKeys, int[] blockTokens, int from, int to) {
    int n = to - from;
    if ((long) references + n > MAX_REFERENCES) {
      throw new IllegalArgumentException("the offline optimum holds at most " + MAX_REFERENCES
          + " references in memory; this trace has more (cut it with kvflow inspect/generate, or leave out --opt)");
    }
    if (references + n > flatIds.length) {
      int size = Math.max(references + n, flatIds.length * 2);
      flatIds = Arrays.copyOf(flatIds, size);
      treeIds = Arrays.copyOf(treeIds, size);
      tokens = Arrays.copyOf(tokens, size);
    }
    int up = -1;
    for (int i = from; i < to; i++) {
      int f = flatIdOf.get(rawKeys[i]);
      if (f < 0) {
        f = flatIdOf.size();
        flatIdOf.put(rawKeys[i], f);
      }
      int t = treeIdOf.get(pathKeys[i]);
      if (t < 0) {
        t = treeIdOf.size();
        treeIdOf.put(pathKeys[i], t);
        if (t == parent.length) {
          parent = Arrays.copyOf(parent, t * 2);
          depth = Arrays.copyOf(depth, t * 2);
        }
        parent[t] = up;
        depth[t] = i - from;
      }
      flatIds[references] = f;
      treeIds[references] = t;
      tokens[references] = blockTokens[i];
      references++;
      up = t;
    }
    flatNext = null;
    treeNext = null;
  }

  public int references() {
    return references;
  }

  public int flatBlocks() {
    return flatIdOf.size();
  }

  public int treeBlocks() {
    return treeIdOf.size();
  }

  int[] flatIds() {
    return flatIds;
  }

  int[] treeIds() {
    return treeIds;
  }

  int[] tokens() {
    return tokens;
  }

  /** Parent tree block of tree block {@code id}, -1 for the first block of a chain. */
  int[] parents() {
    return parent;
  }

  int[] depths() {
    return depth;
  }

  int[] flatNextUse() {
    if (flatNext == null) {
      flatNext = nextUse(flatIds, flatIdOf.size());
    }
    return flatNext;
  }

  int[] treeNextUse() {
    if (treeNext == null) {
      treeNext = nextUse(treeIds, treeIdOf.size());
    }
    return treeNext;
  }

  private int[] nextUse(int[] ids, int blocks) {
    int[] seen = new int[blocks];
    Arrays.fill(seen, NEVER);
    int[] out = new int[references];
    for (int j = references - 1; j >= 0; j--) {
      out[j] = seen[ids[j]];
      seen[ids[j]] = j;
    }
    return out;
  }
}
