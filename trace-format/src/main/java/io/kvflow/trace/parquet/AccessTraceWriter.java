package io.kvflow.trace.parquet;

import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.AccessBatch;
import java.nio.file.Path;

/**
 * Writes an accesses trace row by row (no object per row), checking the value rules as it goes;
 * the file appears under its name only on {@link #commit()}.
 */
public final class AccessTraceWriter implements AutoCloseable {
  private final ColumnStoreWriter writer;
  private final int blockTokens;
  private long rows;
  private long previousTimeNs = Long.MIN_VALUE;

  private AccessTraceWriter(Path target, TraceMetadata metadata, WriterOptions options) {
    if (metadata.kind() != TraceKind.ACCESSES) {
      throw new IllegalArgumentException("metadata kind must be accesses");
    }
    this.blockTokens = metadata.blockTokens();
    this.writer = new ColumnStoreWriter(target, TraceSchema.ACCESSES, metadata.toKeyValues(), options);
  }

  public static AccessTraceWriter open(Path target, TraceMetadata metadata) {
    return new AccessTraceWriter(target, metadata, WriterOptions.DEFAULT);
  }

  public static AccessTraceWriter open(Path target, TraceMetadata metadata, WriterOptions options) {
    return new AccessTraceWriter(target, metadata, options);
  }

  /** Appends one access; {@code attnMass} NaN writes a null. */
  public void append(long timeNs, long requestId, int step, int layer, long block, int op, int tokens,
      float attnMass) {
    check(TraceSchema.TIME_NS, RowRules.nonDecreasing(previousTimeNs, timeNs));
    check(TraceSchema.STEP, RowRules.stepOrLayer(step));
    check(TraceSchema.LAYER, layer > Short.MAX_VALUE ? "value " + layer + " exceeds int16" : RowRules.stepOrLayer(layer));
    check(TraceSchema.OP, RowRules.op(op));
    check(TraceSchema.TOKENS, RowRules.tokens(tokens, blockTokens));
    check(TraceSchema.ATTN_MASS, RowRules.attnMass(attnMass));
    previousTimeNs = timeNs;
    ColumnStoreWriter w = writer;
    w.column(0).write(timeNs, 0, 0);
    w.column(1).write(requestId, 0, 0);
    w.column(2).write(step, 0, 0);
    w.column(3).write(layer, 0, 0);
    w.column(4).write(block, 0, 0);
    w.column(5).write(op, 0, 0);
    w.column(6).write(tokens, 0, 0);
    if (Float.isNaN(attnMass)) {
      w.column(7).writeNull(0, 0);
    } else {
      w.column(7).write(attnMass, 0, 1);
    }
    w.endRow();
    rows++;
  }

  /** Appends the rows of a batch. */
  public void append(AccessBatch batch) {
    for (int i = 0; i < batch.size(); i++) {
      append(batch.timeNs(i), batch.requestId(i), batch.step(i), batch.layer(i), batch.block(i), batch.op(i),
          batch.tokens(i), batch.attnMass(i));
    }
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
}
