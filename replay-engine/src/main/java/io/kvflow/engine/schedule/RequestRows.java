package io.kvflow.engine.schedule;

import io.kvflow.trace.batch.RequestBatch;

/** The rows of a requests trace in file order, a batch at a time ({@code TraceReader::next}). */
@FunctionalInterface
public interface RequestRows {
  /** Refills {@code batch} with the next rows; false, and an empty batch, at the end. */
  boolean next(RequestBatch batch);
}
