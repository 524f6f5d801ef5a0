package io.kvflow.engine.route;

import io.kvflow.trace.batch.RequestBatch;

/** The instance with the fewest queued plus running tokens; ties to the lowest index. */
final class LeastLoadedRouter implements Router {
  @Override
  public int route(RequestBatch rows, int row, InstanceView[] instances) {
    int best = 0;
    long bestLoad = instances[0].loadTokens();
    for (int i = 1; i < instances.length; i++) {
      long load = instances[i].loadTokens();
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    }
    return best;
  }
}
