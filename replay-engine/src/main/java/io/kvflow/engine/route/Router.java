package io.kvflow.engine.route;

import io.kvflow.trace.batch.RequestBatch;

/**
 * Picks the engine instance of each request, at its arrival, from what the instances hold then.
 * Deterministic: the same requests and instance states give the same choices. Called once per
 * request, in arrival order.
 */
public interface Router {
  /** The index, in {@code instances}, of the instance that serves row {@code row} of {@code rows}. */
  int route(RequestBatch rows, int row, InstanceView[] instances);
}
