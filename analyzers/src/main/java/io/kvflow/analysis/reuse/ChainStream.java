package io.kvflow.analysis.reuse;

import io.kvflow.common.BadInputException;
import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The request chains of a requests trace, for prefix studies: each request's blocks in order with
 * their raw keys (the stream {@link BlockStream} gives, reference for reference), their path keys
 * and their tokens. A block's <em>path key</em> chains the raw keys of the whole prefix, so a block
 * has one parent in the prefix tree whatever the trace's hashes are (for traces whose hashes
 * already chain the prefix it is a renaming). A block holds the trace's block size in tokens except
 * a request's last, which holds the rest of the input, clamped to [1, block size].
 *
 * <p>Decoding runs on a second thread and hands over chunks of whole requests (primitive arrays,
 * refilled in place), so a consumer's work overlaps the Parquet decoding.
 */
public final class ChainStream {
  /** Seed of the path-key chain (the root of every prefix tree). */
  static final long PATH_ROOT = 0x7061_7468_726f_6f74L;

  private ChainStream() {}

  /** A chunk of whole requests; valid only during {@link ChunkSink#accept}. */
  public static final class Chunk {
    /** Raw block keys, path keys and tokens of references {@code 0..references-1}. */
    public long[] rawKeys;
    public long[] pathKeys;
    public int[] tokens;
    /** Scratch of the same length for a decoder stage (e.g. the raw keys' previous positions). */
    public long[] scratch;
    /** Request {@code r} holds references {@code [requestEnd[r-1], requestEnd[r])} (0 for r = 0). */
    public int[] requestEnd;
    public int references;
    public int requests;

    Chunk(int refs, int reqs) {
      rawKeys = new long[refs];
      pathKeys = new long[refs];
      tokens = new int[refs];
      scratch = new long[refs];
      requestEnd = new int[reqs];
    }

    void ensure(int refs) {
      if (refs > rawKeys.length) {
        int n = Math.max(refs, rawKeys.length * 2);
        rawKeys = java.util.Arrays.copyOf(rawKeys, n);
        pathKeys = java.util.Arrays.copyOf(pathKeys, n);
        tokens = java.util.Arrays.copyOf(tokens, n);
        scratch = new long[n];
      }
    }

    public int requestStart(int r) {
      return r == 0 ? 0 : requestEnd[r - 1];
    }
  }

  /** Receives chunks in trace order. */
  @FunctionalInterface
  public interface ChunkSink {
    void accept(Chunk chunk);
  }

  /** The trace's block size in tokens; refuses a trace that is not a requests trace. */
  public static int blockTokens(Path trace) {
    var meta = TraceReader.readMetadata(trace);
    if (meta.kind() != TraceKind.REQUESTS) {
      throw new BadInputException(trace + ": prefix studies (--prefix-aware, --opt) need a requests trace (request block "
          + "chains); this is an accesses trace");
    }
    return meta.blockTokens();
  }

  /** Feeds every request's chain to {@code sink}, in trace order; returns the number of references. */
  public static long forEach(Path trace, ChunkSink sink, Progress progress) {
    return forEach(trace, null, sink, progress);
  }

  /**
   * As {@link #forEach(Path, ChunkSink, Progress)}, with {@code decoderStage} (or null) applied to
   * every chunk on the decoding thread before {@code sink} gets it: work split over two cores.
   */
  public static long forEach(Path trace, ChunkSink decoderStage, ChunkSink sink, Progress progress) {
    final int chunkRefs = 1 << 16;
    final int chunkRequests = 4096;
    ArrayBlockingQueue<Chunk> full = new ArrayBlockingQueue<>(3);
    ArrayBlockingQueue<Chunk> empty = new ArrayBlockingQueue<>(4);
    for (int i = 0; i < 4; i++) {
      empty.add(new Chunk(chunkRefs, chunkRequests));
    }
    Chunk endMarker = new Chunk(0, 0);
    Throwable[] failure = {null};
    Thread producer = new Thread(() -> {
      try {
        decode(trace, chunkRefs, chunkRequests, decoderStage, empty, full, progress);
      } catch (Throwable t) {
        failure[0] = t;
      } finally {
        try {
          full.put(endMarker);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }, "kvflow-chain-decoder");
    producer.setDaemon(true);
    producer.start();
    long total = 0;
    try {
      while (true) {
        Chunk c = full.take();
        if (c == endMarker) {
          break;
        }
        sink.accept(c);
        total += c.references;
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

  private static void decode(Path trace, int chunkRefs, int chunkRequests, ChunkSink stage, ArrayBlockingQueue<Chunk> empty,
      ArrayBlockingQueue<Chunk> full, Progress progress) throws InterruptedException {
    try (TraceReader r = TraceReader.open(trace, List.of(TraceSchema.REQUEST_ID, TraceSchema.INPUT_TOKENS,
        TraceSchema.BLOCK_HASHES)); RequestBatch b = r.newRequestBatch(4096)) {
      if (r.kind() != TraceKind.REQUESTS) {
        throw new IllegalArgumentException(trace + ": not a requests trace (prefix studies need request block chains)");
      }
      int bt = r.metadata().blockTokens();
      long rows = 0;
      Chunk c = empty.take();
      c.references = 0;
      c.requests = 0;
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          int s = b.hashStart(i);
          int e = b.hashEnd(i);
          long inputTokens = b.inputTokens(i);
          int blocks = e > s ? e - s : (int) Math.min(Integer.MAX_VALUE - 8, (inputTokens + bt - 1) / bt);
          if (c.requests == c.requestEnd.length || (c.references > 0 && c.references + blocks > chunkRefs)) {
            handOver(c, stage, full);
            c = empty.take();
            c.references = 0;
            c.requests = 0;
          }
          c.ensure(c.references + blocks);
          long privateBase = Hashing.chain(0x7072_6976L, b.requestId(i));
          long path = PATH_ROOT;
          int at = c.references;
          for (int k = 0; k < blocks; k++) {
            long raw = e > s ? b.hash(s + k) : Hashing.chain(privateBase, k);
            path = Hashing.chain(path, raw);
            c.rawKeys[at + k] = raw;
            c.pathKeys[at + k] = path;
            c.tokens[at + k] = bt;
          }
          if (blocks > 0) {
            long rest = inputTokens - (long) (blocks - 1) * bt;
            c.tokens[at + blocks - 1] = (int) Math.max(1, Math.min(bt, rest));
          }
          c.references += blocks;
          c.requestEnd[c.requests++] = c.references;
        }
        rows += b.size();
        progress.update(rows, r.rowCount());
      }
      handOver(c, stage, full);
    }
  }

  private static void handOver(Chunk c, ChunkSink stage, ArrayBlockingQueue<Chunk> full) throws InterruptedException {
    if (stage != null) {
      stage.accept(c);
    }
    full.put(c);
  }
}
