package io.kvflow.trace.imports;

import io.kvflow.common.Hashing;

/**
 * Re-chunks a coarse-hash prompt (Mooncake's 512-token {@code hash_ids}) into smaller blocks. Fine
 * block {@code i} lies in coarse block {@code j = i / (coarse / fine)} at sub-index {@code k}; its hash
 * is {@code chain(chain(chain(MARK, parent), coarse[j]), k)}, {@code parent} being the previous fine
 * block's hash ({@link TokenBlockHash#NONE_HASH} before the first). So it depends on the whole parent
 * chain, the coarse id and the sub-index: two prompts share fine block {@code i} exactly when they
 * share coarse ids {@code 0..j} (up to a 64-bit accident). A partial last fine block gets an id
 * unique to the request, never shared.
 */
final class Rechunk {
  private static final long MARK = 0x7265_6368_756e_6b01L;

  private Rechunk() {}

  /** Refuses a fine size that does not divide the coarse one; {@code what} names the file. */
  static void check(String what, int coarseTokens, int fineTokens) {
    if (fineTokens < 1 || fineTokens > coarseTokens || coarseTokens % fineTokens != 0) {
      throw new ImportException(what + ": --rechunk-tokens " + fineTokens + " must divide the source's block size "
          + coarseTokens + " (e.g. 16 or 32 for 512-token Mooncake blocks)");
    }
  }

  /**
   * Writes the fine hashes of a prompt of {@code inputTokens} tokens, whose coarse ids are {@code
   * coarse[0, coarseCount)}, into {@code out} (grown when short) and returns it; the count is {@code
   * ceil(inputTokens / fine)}.
   */
  static long[] apply(long[] coarse, int coarseCount, long inputTokens, int coarseTokens, int fineTokens,
      long requestKey, long[] out) {
    int per = coarseTokens / fineTokens;
    int blocks = Math.toIntExact((inputTokens + fineTokens - 1) / fineTokens);
    int full = Math.toIntExact(inputTokens / fineTokens);
    long[] h = out.length >= blocks ? out : new long[Math.max(blocks, out.length * 2)];
    long parent = TokenBlockHash.NONE_HASH;
    for (int i = 0; i < full; i++) {
      int j = i / per;
      if (j >= coarseCount) {
        throw new IllegalArgumentException("coarse ids " + coarseCount + " for " + inputTokens + " tokens");
      }
      parent = Hashing.chain(Hashing.chain(Hashing.chain(MARK, parent), coarse[j]), i % per);
      h[i] = parent;
    }
    if (full < blocks) {
      h[full] = HashList.partialTailId(requestKey);
    }
    return h;
  }
}
