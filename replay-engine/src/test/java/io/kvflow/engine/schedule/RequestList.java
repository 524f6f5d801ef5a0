package io.kvflow.engine.schedule;

import io.kvflow.trace.batch.RequestBatch;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/** Hand-made rows of a requests trace, handed out {@code rowsPerBatch} at a time as a trace reader would. */
public final class RequestList implements RequestRows, AutoCloseable {
  /** One row; {@code hashes} empty or one per input block. */
  public record Request(long id, long arrivalNs, int inputTokens, int outputTokens, long... hashes) {}

  private final List<Request> requests;
  private final int rowsPerBatch;
  private final BufferAllocator allocator = new RootAllocator();
  private final RequestBatch batch;
  private int next;

  public RequestList(int rowsPerBatch, Request... requests) {
    this.requests = List.of(requests);
    this.rowsPerBatch = rowsPerBatch;
    this.batch = new RequestBatch(allocator, rowsPerBatch);
  }

  /** The batch to pass to the scheduler with this list. */
  public RequestBatch batch() {
    return batch;
  }

  @Override
  public boolean next(RequestBatch b) {
    b.clear();
    while (!b.isFull() && next < requests.size()) {
      Request r = requests.get(next++);
      b.add(r.id(), r.arrivalNs(), null, false, 0, r.inputTokens(), r.outputTokens(), r.hashes(), 0,
          r.hashes().length);
    }
    return b.size() > 0;
  }

  @Override
  public void close() {
    batch.close();
    allocator.close();
  }
}
