package io.kvflow.trace.parquet;

import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.AccessBatch;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Writes an accesses trace row by row (no object per row), checking the value rules as it goes;
 * the file appears under its name only on {@link #commit()}.
 */
public final class AccessTraceWriter implements AutoCloseable {
  private final RowParquetWriter<Row> writer;
  private final Row row = new Row();
  private final int blockTokens;
  private long rows;
  private long previousTimeNs = Long.MIN_VALUE;

  private AccessTraceWriter(Path target, TraceMetadata metadata, WriterOptions options) {
    if (metadata.kind() != TraceKind.ACCESSES) {
      throw new IllegalArgumentException("metadata kind must be accesses");
    }
    this.blockTokens = metadata.blockTokens();
    this.writer = new RowParquetWriter<>(target, TraceSchema.ACCESSES, metadata.toKeyValues(),
        AccessTraceWriter::writeFields, options, List.of());
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
    row.timeNs = timeNs;
    row.requestId = requestId;
    row.step = step;
    row.layer = layer;
    row.block = block;
    row.op = op;
    row.tokens = tokens;
    row.attnMass = attnMass;
    writer.write(row);
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

  private static void writeFields(Row r, RecordConsumer c) {
    c.startField(TraceSchema.TIME_NS, 0);
    c.addLong(r.timeNs);
    c.endField(TraceSchema.TIME_NS, 0);
    c.startField(TraceSchema.REQUEST_ID, 1);
    c.addLong(r.requestId);
    c.endField(TraceSchema.REQUEST_ID, 1);
    c.startField(TraceSchema.STEP, 2);
    c.addInteger(r.step);
    c.endField(TraceSchema.STEP, 2);
    c.startField(TraceSchema.LAYER, 3);
    c.addInteger(r.layer);
    c.endField(TraceSchema.LAYER, 3);
    c.startField(TraceSchema.BLOCK, 4);
    c.addLong(r.block);
    c.endField(TraceSchema.BLOCK, 4);
    c.startField(TraceSchema.OP, 5);
    c.addInteger(r.op);
    c.endField(TraceSchema.OP, 5);
    c.startField(TraceSchema.TOKENS, 6);
    c.addInteger(r.tokens);
    c.endField(TraceSchema.TOKENS, 6);
    if (!Float.isNaN(r.attnMass)) {
      c.startField(TraceSchema.ATTN_MASS, 7);
      c.addFloat(r.attnMass);
      c.endField(TraceSchema.ATTN_MASS, 7);
    }
  }

  private static final class Row {
    long timeNs;
    long requestId;
    int step;
    int layer;
    long block;
    int op;
    int tokens;
    float attnMass;
  }
}
