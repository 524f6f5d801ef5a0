package io.kvflow.engine.route;

import io.kvflow.trace.batch.RequestBatch;

/**
 * The instance holding the longest resident prefix of the request's prompt; among instances with
 * the same prefix the least loaded (queued + running tokens), then the lowest index. An upper bound
 * on what prefix-aware routing can reuse: load only breaks ties, so it may still pile load on the
 * instance that holds a popular prefix.
 */
final class OracleRouter implements Router {
  @Override
  public int route(RequestBatch rows, int row, InstanceView[] instances) {
    int best = 0;
    int bestOverlap = instances[0].residentPrefixBlocks(rows, row);
    long bestLoad = instances[0].loadTokens();
    for (int i = 1; i < instances.length; i++) {
      int overlap = instances[i].residentPrefixBlocks(rows, row);
      if (overlap < bestOverlap) {
        continue;
      }
      long load = instances[i].loadTokens();
      if (overlap > bestOverlap || load < bestLoad) {
        best = i;
        bestOverlap = overlap;
        bestLoad = load;
      }
    }
    return best;
  }
}
