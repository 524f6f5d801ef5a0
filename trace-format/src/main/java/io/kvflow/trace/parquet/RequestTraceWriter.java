package io.kvflow.trace.parquet;

import io.kvflow.common.LongHashSet;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.TraceSchema;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Writes a requests trace row by row, checking the value rules (unique ids, non-decreasing
 * arrivals, token counts, hash counts); the file appears only on {@link #commit()}.
 */
public final class RequestTraceWriter implements AutoCloseable {
  private final RowParquetWriter<Row> writer;
  private final Row row = new Row();
  private final int blockTokens;
  private final LongHashSet ids = new LongHashSet(1024);
  private long rows;
  private long previousArrivalNs = Long.MIN_VALUE;

  private RequestTraceWriter(Path target, TraceMetadata metadata, WriterOptions options) {
    if (metadata.kind() != TraceKind.REQUESTS) {
      throw new IllegalArgumentException("metadata kind must be requests");
    }
    this.blockTokens = metadata.blockTokens();
    this.writer = new RowParquetWriter<>(target, TraceSchema.REQUESTS, metadata.toKeyValues(),
        RequestTraceWriter::writeFields, options, List.of(TraceSchema.TENANT));
  }

  public static RequestTraceWriter open(Path target, TraceMetadata metadata) {
    return new RequestTraceWriter(target, metadata, WriterOptions.DEFAULT);
  }

  public static RequestTraceWriter open(Path target, TraceMetadata metadata, WriterOptions options) {
    return new RequestTraceWriter(target, metadata, options);
  }

  /**
   * Appends one request. {@code tenant} may be null; {@code hasSession} false writes a null
   * session id. The hashes are {@code hashes[off .. off+len)}.
   */
  public void append(long requestId, long arrivalNs, String tenant, boolean hasSession, long sessionId,
      int inputTokens, int outputTokens, long[] hashes, int off, int len) {
    check(TraceSchema.ARRIVAL_NS, RowRules.nonNegative(arrivalNs));
    check(TraceSchema.ARRIVAL_NS, RowRules.nonDecreasing(previousArrivalNs, arrivalNs));
    check(TraceSchema.INPUT_TOKENS, RowRules.inputTokens(inputTokens));
    check(TraceSchema.OUTPUT_TOKENS, RowRules.outputTokens(outputTokens));
    check(TraceSchema.BLOCK_HASHES, RowRules.blockHashCount(len, inputTokens, blockTokens));
    if (!ids.add(requestId)) {
      check(TraceSchema.REQUEST_ID, "duplicate request id " + requestId);
    }
    previousArrivalNs = arrivalNs;
    row.requestId = requestId;
    row.arrivalNs = arrivalNs;
    row.tenant = tenant == null ? null : Binary.fromString(tenant);
    row.hasSession = hasSession;
    row.sessionId = sessionId;
    row.inputTokens = inputTokens;
    row.outputTokens = outputTokens;
    row.hashes = hashes;
    row.off = off;
    row.len = len;
    writer.write(row);
    rows++;
  }

  public long rows() {
    return rows;
  }

  public void commit() {
    writer.commit();
  }

  @Override
  public void close() {
    writer.close();
  }

  private void check(String column, String problem) {
    if (problem != null) {
      throw new IllegalArgumentException("row " + rows + ", column " + column + ": " + problem);
    }
  }

  private static void writeFields(Row r, RecordConsumer c) {
    c.startField(TraceSchema.REQUEST_ID, 0);
    c.addLong(r.requestId);
    c.endField(TraceSchema.REQUEST_ID, 0);
    c.startField(TraceSchema.ARRIVAL_NS, 1);
    c.addLong(r.arrivalNs);
    c.endField(TraceSchema.ARRIVAL_NS, 1);
    if (r.tenant != null) {
      c.startField(TraceSchema.TENANT, 2);
      c.addBinary(r.tenant);
      c.endField(TraceSchema.TENANT, 2);
    }
    if (r.hasSession) {
      c.startField(TraceSchema.SESSION_ID, 3);
      c.addLong(r.sessionId);
      c.endField(TraceSchema.SESSION_ID, 3);
    }
    c.startField(TraceSchema.INPUT_TOKENS, 4);
    c.addInteger(r.inputTokens);
    c.endField(TraceSchema.INPUT_TOKENS, 4);
    c.startField(TraceSchema.OUTPUT_TOKENS, 5);
    c.addInteger(r.outputTokens);
    c.endField(TraceSchema.OUTPUT_TOKENS, 5);
    c.startField(TraceSchema.BLOCK_HASHES, 6);
    c.startGroup();
    if (r.len > 0) {
      c.startField("list", 0);
      for (int k = 0; k < r.len; k++) {
        c.startGroup();
        c.startField("element", 0);
        c.addLong(r.hashes[r.off + k]);
        c.endField("element", 0);
        c.endGroup();
      }
      c.endField("list", 0);
    }
    c.endGroup();
    c.endField(TraceSchema.BLOCK_HASHES, 6);
  }

  private static final class Row {
    long requestId;
    long arrivalNs;
    Binary tenant;
    boolean hasSession;
    long sessionId;
    int inputTokens;
    int outputTokens;
    long[] hashes;
    int off;
    int len;
  }
}
