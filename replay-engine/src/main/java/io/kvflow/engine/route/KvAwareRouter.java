package io.kvflow.engine.route;

import io.kvflow.trace.batch.RequestBatch;

/**
 * Prefix overlap against load, as NVIDIA Dynamo's KV router scores instances: score =
 * {@code overlapWeight} x (leading prompt blocks resident in the instance's first tier) -
 * {@code loadWeight} x (the instance's queued + running tokens over the largest such load among
 * the instances, 0 when all are idle); the highest score wins; equal scores go to the least loaded,
 * then to the lowest index. With {@code loadWeight} 0 it is the oracle (same ties).
 */
final class KvAwareRouter implements Router {
  private final double overlapWeight;
  private final double loadWeight;
  private long[] loads = new long[0];

  KvAwareRouter(double overlapWeight, double loadWeight) {
    this.overlapWeight = overlapWeight;
    this.loadWeight = loadWeight;
  }

  @Override
  public int route(RequestBatch rows, int row, InstanceView[] instances) {
    if (loads.length != instances.length) {
      loads = new long[instances.length];
    }
    long maxLoad = 0;
    for (int i = 0; i < instances.length; i++) {
      loads[i] = instances[i].loadTokens();
      maxLoad = Math.max(maxLoad, loads[i]);
    }
    int best = -1;
    double bestScore = 0;
    for (int i = 0; i < instances.length; i++) {
      double load = maxLoad == 0 ? 0 : (double) loads[i] / maxLoad;
      double score = overlapWeight * instances[i].residentPrefixBlocks(rows, row) - loadWeight * load;
      if (best < 0 || score > bestScore || (score == bestScore && loads[i] < loads[best])) {
        best = i;
        bestScore = score;
      }
    }
    return best;
  }
}
