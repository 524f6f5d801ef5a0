package io.kvflow.trace.generate;

import io.kvflow.common.Hashing;
import java.util.Arrays;

/**
 * Builds the prefix-chained block hashes of a token sequence made of content segments (a system
 * prompt, a document, a user turn...), as vLLM and Mooncake hash KV blocks: the hash of block i
 * names block i's content and, through its parent, everything before it. Two sequences share a
 * block hash exactly when they share the whole prefix up to the end of that block.
 *
 * <p>A segment is identified by a 64-bit content id; the content of a block is the fold of the
 * (segment id, offset, length) pieces that cover it. A trailing partial block gets a hash that
 * differs from the full block it later becomes.
 */
public final class PrefixHasher {
  private static final long PARTIAL_MARK = 0x5a5a_1234_7777_0001L;

  private final int blockTokens;
  private long[] fullHashes = new long[64];
  private int fullCount;
  private long tailContent;
  private int tailTokens;
  private long tokens;

  public PrefixHasher(int blockTokens) {
    this.blockTokens = blockTokens;
  }

  public void reset() {
    fullCount = 0;
    tailContent = 0;
    tailTokens = 0;
    tokens = 0;
  }

  /** Appends {@code length} tokens of the segment whose content id is {@code segmentId}. */
  public void append(long segmentId, int length) {
    int offset = 0;
    while (offset < length) {
      int take = Math.min(length - offset, blockTokens - tailTokens);
      tailContent = Hashing.chain(tailContent, Hashing.chain(segmentId, ((long) offset << 32) | take));
      tailTokens += take;
      offset += take;
      if (tailTokens == blockTokens) {
        long parent = fullCount == 0 ? 0 : fullHashes[fullCount - 1];
        if (fullCount == fullHashes.length) {
          fullHashes = Arrays.copyOf(fullHashes, fullCount * 2);
        }
        fullHashes[fullCount++] = Hashing.chain(parent, tailContent);
        tailContent = 0;
        tailTokens = 0;
      }
    }
    tokens += length;
  }

  public long tokens() {
    return tokens;
  }

  /** Number of hashes {@link #copyHashes} writes: ceil(tokens / block_tokens). */
  public int blockCount() {
    return fullCount + (tailTokens > 0 ? 1 : 0);
  }

  /** Writes the block hashes of the sequence so far into {@code out} (grown if needed); returns it. */
  public long[] copyHashes(long[] out) {
    int n = blockCount();
    long[] dst = out.length >= n ? out : new long[Math.max(n, out.length * 2)];
    System.arraycopy(fullHashes, 0, dst, 0, fullCount);
    if (tailTokens > 0) {
      long parent = fullCount == 0 ? 0 : fullHashes[fullCount - 1];
      dst[fullCount] = Hashing.chain(parent, Hashing.chain(tailContent, PARTIAL_MARK));
    }
    return dst;
  }

  /** Copies another hasher's state into this one. */
  public void copyFrom(PrefixHasher other) {
    if (fullHashes.length < other.fullCount) {
      fullHashes = new long[other.fullHashes.length];
    }
    System.arraycopy(other.fullHashes, 0, fullHashes, 0, other.fullCount);
    fullCount = other.fullCount;
    tailContent = other.tailContent;
    tailTokens = other.tailTokens;
    tokens = other.tokens;
  }
}
