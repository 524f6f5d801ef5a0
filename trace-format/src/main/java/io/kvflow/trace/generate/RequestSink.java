package io.kvflow.trace.generate;

import io.kvflow.common.Progress;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.nio.file.Path;

/** Where the requests workloads put their rows: a writer with generator metadata and progress. */
final class RequestSink implements AutoCloseable {
  private final RequestTraceWriter writer;
  private final Progress progress;
  private final long total;
  private long[] hashes = new long[256];

  RequestSink(String workload, Params params, int blockTokens, Path out, Progress progress, long total) {
    TraceMetadata meta = TraceMetadata.of(TraceKind.REQUESTS, blockTokens,
            "kvflow generate " + workload + " " + params.canonical())
        .withGenerator(workload, params.getLong("seed"));
    this.writer = RequestTraceWriter.open(out, meta);
    this.progress = progress;
    this.total = total;
  }

  /** Writes one request whose input is the hasher's whole sequence. */
  void write(long requestId, long arrivalNs, String tenant, long sessionId, boolean hasSession, PrefixHasher input,
      int outputTokens) {
    if (input.tokens() > Integer.MAX_VALUE) {
      throw new io.kvflow.common.BadInputException("request " + requestId + ": its input reaches " + input.tokens()
          + " tokens, more than a trace row holds (2^31-1); lower the workload's token options");
    }
    hashes = input.copyHashes(hashes);
    writer.append(requestId, arrivalNs, tenant, hasSession, sessionId, (int) input.tokens(), outputTokens, hashes, 0,
        input.blockCount());
    if ((writer.rows() & 1023) == 0) {
      progress.update(writer.rows(), total);
    }
  }

  long commit() {
    writer.commit();
    progress.update(writer.rows(), total);
    return writer.rows();
  }

  @Override
  public void close() {
    writer.close();
  }
}
