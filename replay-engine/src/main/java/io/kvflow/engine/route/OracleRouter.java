package io.kvflow.engine.route;

import io.kvflow.trace.batch.RequestBatch;

/**
 * The instance holding the longest resident prefix of the request's prompt, ignoring load; ties to
 * the lowest index. An upper bound on what prefix-aware routing can reuse (it may pile load on one
 * instance).
 */
final class OracleRouter implements Router {
  @Override
  public int route(RequestBatch rows, int row, InstanceView[] instances) {
    int best = 0;
    int bestOverlap = instances[0].residentPrefixBlocks(rows, row);
    for (int i = 1; i < instances.length; i++) {
      int overlap = instances[i].residentPrefixBlocks(rows, row);
      if (overlap > bestOverlap) {
        best = i;
        bestOverlap = overlap;
      }
    }
    return best;
  }
}
