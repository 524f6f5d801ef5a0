package io.kvflow.engine.route;

import io.kvflow.trace.batch.RequestBatch;

/** Instances in turn: request {@code k} (in arrival order) goes to instance {@code k mod N}. */
final class RoundRobinRouter implements Router {
  private int next;

  @Override
  public int route(RequestBatch rows, int row, InstanceView[] instances) {
    int i = next;
    next = (next + 1) % instances.length;
    return i;
  }
}
