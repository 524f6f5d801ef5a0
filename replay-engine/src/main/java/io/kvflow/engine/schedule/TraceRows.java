package io.kvflow.engine.schedule;

import io.kvflow.common.LongHashSet;
import io.kvflow.common.Progress;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;

/**
 * A requests trace's rows in file order, handed one at a time to an engine mode's scheduler (vllm,
 * sglang), each row's block hashes copied into one reused array; counts the rows, the block
 * references and the distinct hashes as it goes.
 */
public final class TraceRows {
  /** What takes a row: an engine mode's scheduler. */
  public interface Sink {
    /** Queues request {@code id} of {@code prompt} and {@code output} tokens, its hashes at {@code hashes[hashFrom..+hashCount)}. */
    void enqueue(long id, int prompt, int output, long[] hashes, int hashFrom, int hashCount);
  }

  private final TraceReader reader;
  private final RequestBatch batch;
  private final Progress progress;
  private final long total;
  private final LongHashSet distinct = new LongHashSet(1 << 12);
  private long[] scratch = new long[256];
  private int row;
  private long read;
  private long blockRefs;

  public TraceRows(TraceReader reader, RequestBatch batch, Progress progress) {
    this.reader = reader;
    this.batch = batch;
    this.progress = progress;
    this.total = reader.rowCount();
  }

  /** Enqueues the next row into {@code sink}; false, enqueuing nothing, at the end of the trace. */
  public boolean pull(Sink sink) {
    while (row == batch.size()) {
      if (!reader.next(batch)) {
        return false;
      }
      row = 0;
    }
    int start = batch.hashStart(row);
    int n = batch.hashEnd(row) - start;
    if (scratch.length < n) {
      scratch = new long[Math.max(n, scratch.length * 2)];
    }
    for (int k = 0; k < n; k++) {
      long h = batch.hash(start + k);
      scratch[k] = h;
      distinct.add(h);
    }
    blockRefs += n;
    sink.enqueue(batch.requestId(row), batch.inputTokens(row), batch.outputTokens(row), scratch, 0, n);
    row++;
    if ((++read & 1023) == 0) {
      progress.update(read, total);
    }
    return true;
  }

  /** Rows read so far. */
  public long read() {
    return read;
  }

  /** Block references (hashes) of the rows read. */
  public long blockRefs() {
    return blockRefs;
  }

  /** Distinct hashes of the rows read. */
  public long distinctHashes() {
    return distinct.size();
  }
}
