package io.kvflow.engine.route;

import io.kvflow.trace.batch.RequestBatch;

/** What a router sees of one engine instance at a request's arrival. */
public interface InstanceView {
  /** Tokens queued for the instance (routed, not admitted) plus the context tokens of its running requests. */
  long loadTokens();

  /**
   * The length, in blocks, of the longest leading run of row {@code row}'s prompt blocks resident in
   * the instance's first tier (0 for a row without block hashes).
   */
  int residentPrefixBlocks(RequestBatch rows, int row);
}
