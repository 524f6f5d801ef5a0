package io.kvflow.analysis.reuse;

import io.kvflow.common.Progress;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The block-reference stream a reuse study analyses. Requests trace: each request's input blocks in
 * order, one reference each, requests in file (arrival) order; a request without hashes gets keys of
 * its own (no sharing is invented). Accesses trace: the block of every READ and WRITE row.
 */
public final class BlockStream {
  private BlockStream() {}

  /** Feeds every reference to {@code sink}; returns the number of references. */
  public static long forEach(Path trace, LongConsumer sink, Progress progress) {
    TraceKind kind = TraceReader.readMetadata(trace).kind();
    long n = 0;
    if (kind == TraceKind.REQUESTS) {
      try (TraceReader r = TraceReader.open(trace, List.of(TraceSchema.REQUEST_ID, TraceSchema.INPUT_TOKENS,
          TraceSchema.BLOCK_HASHES)); RequestBatch b = r.newRequestBatch(4096)) {
        int bt = r.metadata().blockTokens();
        long rows = 0;
        while (r.next(b)) {
          for (int i = 0; i < b.size(); i++) {
            int s = b.hashStart(i);
            int e = b.hashEnd(i);
            if (e > s) {
              for (int k = s; k < e; k++) {
                sink.accept(b.hash(k));
              }
              n += e - s;
            } else {
              long blocks = (b.inputTokens(i) + (long) bt - 1) / bt;
              for (long k = 0; k < blocks; k++) {
                sink.accept(io.kvflow.common.Hashing.chain(io.kvflow.common.Hashing.chain(0x7072_6976L, b.requestId(i)), k));
              }
              n += blocks;
            }
          }
          rows += b.size();
          progress.update(rows, r.rowCount());
        }
      }
    } else {
      try (TraceReader r = TraceReader.open(trace, List.of(TraceSchema.BLOCK, TraceSchema.OP));
          AccessBatch b = r.newAccessBatch(1 << 16)) {
        long rows = 0;
        while (r.next(b)) {
          int size = b.size();
          for (int i = 0; i < size; i++) {
            int op = b.op(i);
            if (op == AccessOp.READ.code() || op == AccessOp.WRITE.code()) {
              sink.accept(b.block(i));
              n++;
            }
          }
          rows += size;
          progress.update(rows, r.rowCount());
        }
      }
    }
    return n;
  }
}
