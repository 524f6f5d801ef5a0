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

  /**
   * As {@link #forEach}, but decoding the trace on a second thread while {@code sink} runs on the
   * caller's: references arrive in the same order, so results are identical; memory is a few chunks.
   */
  public static long forEachPipelined(Path trace, LongConsumer sink, Progress progress) {
    return forEachChunkPipelined(trace, (keys, from, to) -> {
      for (int i = from; i < to; i++) {
        sink.accept(keys[i]);
      }
    }, progress);
  }

  /** Receives references in chunks: {@code keys[from..to)}, valid only during the call. */
  @FunctionalInterface
  public interface ChunkSink {
    void accept(long[] keys, int from, int to);
  }

  /** As {@link #forEachPipelined}, a chunk of references per call. */
  public static long forEachChunkPipelined(Path trace, ChunkSink sink, Progress progress) {
    return forEachChunkPipelined(trace, null, sink, progress);
  }

  /**
   * As {@link #forEachChunkPipelined(Path, ChunkSink, Progress)}, with {@code decoderStage} (or
   * null) applied to every chunk on the decoding thread before {@code sink} gets it: work split
   * over two cores, the chunks still in stream order.
   */
  public static long forEachChunkPipelined(Path trace, ChunkSink decoderStage, ChunkSink sink, Progress progress) {
    final int chunk = 1 << 16;
    java.util.concurrent.ArrayBlockingQueue<long[]> full = new java.util.concurrent.ArrayBlockingQueue<>(4);
    java.util.concurrent.ArrayBlockingQueue<long[]> empty = new java.util.concurrent.ArrayBlockingQueue<>(6);
    for (int i = 0; i < 6; i++) {
      empty.add(new long[chunk + 1]);
    }
    long[] endMarker = new long[0];
    Throwable[] failure = {null};
    Thread producer = new Thread(() -> {
      long[][] cur = {null};
      int[] n = {0};
      try {
        cur[0] = empty.take();
        forEach(trace, key -> {
          cur[0][++n[0]] = key;
          if (n[0] == chunk) {
            cur[0][0] = n[0];
            if (decoderStage != null) {
              decoderStage.accept(cur[0], 1, n[0] + 1);
            }
            try {
              full.put(cur[0]);
              cur[0] = empty.take();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException("interrupted");
            }
            n[0] = 0;
          }
        }, progress);
        cur[0][0] = n[0];
        if (decoderStage != null) {
          decoderStage.accept(cur[0], 1, n[0] + 1);
        }
        full.put(cur[0]);
      } catch (Throwable t) {
        failure[0] = t;
      } finally {
        try {
          full.put(endMarker);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }, "kvflow-trace-decoder");
    producer.setDaemon(true);
    producer.start();
    long total = 0;
    try {
      while (true) {
        long[] c = full.take();
        if (c == endMarker) {
          break;
        }
        int n = (int) c[0];
        sink.accept(c, 1, n + 1);
        total += n;
        empty.put(c);
      }
      producer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    if (failure[0] instanceof RuntimeException re) {
      throw re;
    }
    if (failure[0] instanceof Error er) {
      throw er;
    }
    return total;
  }

  /** Receives one reference of a requests trace with the row of the request it belongs to. */
  @FunctionalInterface
  public interface RequestRefSink {
    void accept(long key, RequestBatch batch, int row);
  }

  /** Feeds every reference to {@code sink}; returns the number of references. */
  public static long forEach(Path trace, LongConsumer sink, Progress progress) {
    TraceKind kind = TraceReader.readMetadata(trace).kind();
    long n = 0;
    if (kind == TraceKind.REQUESTS) {
      n = forEachRequestRef(trace, false, (key, batch, row) -> sink.accept(key), progress);
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

  /**
   * The references of a requests trace with their request's row (tenant, session...): the stream of
   * {@link #forEach}, in the same order.
   */
  public static long forEachRequestRef(Path trace, RequestRefSink sink, Progress progress) {
    return forEachRequestRef(trace, true, sink, progress);
  }

  private static long forEachRequestRef(Path trace, boolean tenants, RequestRefSink sink, Progress progress) {
    long n = 0;
    List<String> columns = tenants
        ? List.of(TraceSchema.REQUEST_ID, TraceSchema.TENANT, TraceSchema.INPUT_TOKENS, TraceSchema.BLOCK_HASHES)
        : List.of(TraceSchema.REQUEST_ID, TraceSchema.INPUT_TOKENS, TraceSchema.BLOCK_HASHES);
    try (TraceReader r = TraceReader.open(trace, columns); RequestBatch b = r.newRequestBatch(4096)) {
      if (r.kind() != TraceKind.REQUESTS) {
        throw new IllegalArgumentException(trace + ": not a requests trace");
      }
      int bt = r.metadata().blockTokens();
      long rows = 0;
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          int s = b.hashStart(i);
          int e = b.hashEnd(i);
          if (e > s) {
            for (int k = s; k < e; k++) {
              sink.accept(b.hash(k), b, i);
            }
            n += e - s;
          } else {
            long blocks = (b.inputTokens(i) + (long) bt - 1) / bt;
            for (long k = 0; k < blocks; k++) {
              sink.accept(io.kvflow.common.Hashing.chain(io.kvflow.common.Hashing.chain(0x7072_6976L, b.requestId(i)), k), b, i);
            }
            n += blocks;
          }
        }
        rows += b.size();
        progress.update(rows, r.rowCount());
      }
    }
    return n;
  }
}
