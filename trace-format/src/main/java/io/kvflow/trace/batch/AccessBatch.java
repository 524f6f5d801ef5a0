package io.kvflow.trace.batch;

import io.kvflow.trace.TraceSchema;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Up to {@link #capacity()} rows of an accesses trace as Arrow vectors, refilled in place by a
 * reader or a producer. Columns not projected by the reader keep stale contents.
 */
public final class AccessBatch implements AutoCloseable {
  private final int capacity;
  private final BigIntVector timeNs;
  private final BigIntVector requestId;
  private final IntVector step;
  private final SmallIntVector layer;
  private final BigIntVector block;
  private final TinyIntVector op;
  private final SmallIntVector tokens;
  private final Float4Vector attnMass;
  private final VectorSchemaRoot root;
  private int size;
  private int rowGroup;
  private long firstRow;

  public AccessBatch(BufferAllocator allocator, int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
    timeNs = new BigIntVector(TraceSchema.TIME_NS, allocator);
    requestId = new BigIntVector(TraceSchema.REQUEST_ID, allocator);
    step = new IntVector(TraceSchema.STEP, allocator);
    layer = new SmallIntVector(TraceSchema.LAYER, allocator);
    block = new BigIntVector(TraceSchema.BLOCK, allocator);
    op = new TinyIntVector(TraceSchema.OP, allocator);
    tokens = new SmallIntVector(TraceSchema.TOKENS, allocator);
    attnMass = new Float4Vector(TraceSchema.ATTN_MASS, allocator);
    List<FieldVector> vectors = List.of(timeNs, requestId, step, layer, block, op, tokens, attnMass);
    for (FieldVector v : vectors) {
      v.setInitialCapacity(capacity);
      v.allocateNew();
      Vectors.markAllValid(v, capacity);
    }
    root = new VectorSchemaRoot(vectors);
  }

  public int capacity() {
    return capacity;
  }

  public int size() {
    return size;
  }

  /** Sets the number of valid rows (after a reader or producer filled them). */
  public void setSize(int rows) {
    if (rows < 0 || rows > capacity) {
      throw new IllegalArgumentException("size " + rows + " outside 0.." + capacity);
    }
    this.size = rows;
    root.setRowCount(rows);
  }

  /** Row group of the first row (for error messages); 0 for produced batches. */
  public int rowGroup() {
    return rowGroup;
  }

  /** Index in the file of the first row of this batch. */
  public long firstRow() {
    return firstRow;
  }

  public void setLocation(int rowGroupIndex, long firstRowInFile) {
    this.rowGroup = rowGroupIndex;
    this.firstRow = firstRowInFile;
  }

  public long timeNs(int i) {
    return timeNs.get(i);
  }

  public long requestId(int i) {
    return requestId.get(i);
  }

  public int step(int i) {
    return step.get(i);
  }

  public int layer(int i) {
    return layer.get(i);
  }

  public long block(int i) {
    return block.get(i);
  }

  public int op(int i) {
    return op.get(i);
  }

  public int tokens(int i) {
    return tokens.get(i);
  }

  public boolean hasAttnMass(int i) {
    return !attnMass.isNull(i);
  }

  /** The attention mass of row {@code i}; NaN when it is null. */
  public float attnMass(int i) {
    return attnMass.isNull(i) ? Float.NaN : attnMass.get(i);
  }

  /** Fills row {@code i}; {@code attn} NaN means null. */
  public void set(int i, long time, long request, int stepIndex, int layerIndex, long blockId, int opCode,
      int tokenCount, float attn) {
    timeNs.set(i, time);
    requestId.set(i, request);
    step.set(i, stepIndex);
    layer.set(i, (short) layerIndex);
    block.set(i, blockId);
    op.set(i, (byte) opCode);
    tokens.set(i, (short) tokenCount);
    if (Float.isNaN(attn)) {
      attnMass.setNull(i);
    } else {
      attnMass.set(i, attn);
    }
  }

  public BigIntVector timeNsVector() {
    return timeNs;
  }

  public BigIntVector requestIdVector() {
    return requestId;
  }

  public IntVector stepVector() {
    return step;
  }

  public SmallIntVector layerVector() {
    return layer;
  }

  public BigIntVector blockVector() {
    return block;
  }

  public TinyIntVector opVector() {
    return op;
  }

  public SmallIntVector tokensVector() {
    return tokens;
  }

  public Float4Vector attnMassVector() {
    return attnMass;
  }

  /** The batch as an Arrow root (row count = {@link #size()}), for Arrow-speaking consumers. */
  public VectorSchemaRoot root() {
    return root;
  }

  @Override
  public void close() {
    root.close();
  }
}
