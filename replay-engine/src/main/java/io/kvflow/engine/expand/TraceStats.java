package io.kvflow.engine.expand;

import io.kvflow.common.LongHashSet;

/**
 * What a source saw of the trace itself: requests, block references and distinct blocks (as
 * {@code kvflow inspect} counts them).
 */
public final class TraceStats {
  private final LongHashSet distinct = new LongHashSet(1 << 12);
  long requests;
  long blockRefs;
  long rows;

  void ref(long block) {
    blockRefs++;
    distinct.add(block);
  }

  public long requests() {
    return requests;
  }

  public long blockRefs() {
    return blockRefs;
  }

  public long distinctBlocks() {
    return distinct.size();
  }

  public long rows() {
    return rows;
  }
}
