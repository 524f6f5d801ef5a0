package io.kvflow.trace.batch;

import io.kvflow.trace.TraceSchema;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * Up to {@link #capacity()} rows of a requests trace as Arrow vectors, refilled in place. The block
 * hashes of row {@code i} are {@code hash(hashStart(i)) .. hash(hashEnd(i) - 1)}.
 */
public final class RequestBatch implements AutoCloseable {
  private final int capacity;
  private final BigIntVector requestId;
  private final BigIntVector arrivalNs;
  private final VarCharVector tenant;
  private final BigIntVector sessionId;
  private final IntVector inputTokens;
  private final IntVector outputTokens;
  private final ListVector blockHashes;
  private final VectorSchemaRoot root;
  private BigIntVector hashes;
  private int size;
  private int rowGroup;
  private long firstRow;
  private int hashCount;

  public RequestBatch(BufferAllocator allocator, int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
    requestId = new BigIntVector(TraceSchema.REQUEST_ID, allocator);
    arrivalNs = new BigIntVector(TraceSchema.ARRIVAL_NS, allocator);
    tenant = new VarCharVector(TraceSchema.TENANT, allocator);
    sessionId = new BigIntVector(TraceSchema.SESSION_ID, allocator);
    inputTokens = new IntVector(TraceSchema.INPUT_TOKENS, allocator);
    outputTokens = new IntVector(TraceSchema.OUTPUT_TOKENS, allocator);
    blockHashes = ListVector.empty(TraceSchema.BLOCK_HASHES, allocator);
    blockHashes.addOrGetVector(FieldType.notNullable(new ArrowType.Int(64, true)));
    List<FieldVector> vectors =
        List.of(requestId, arrivalNs, tenant, sessionId, inputTokens, outputTokens, blockHashes);
    for (FieldVector v : vectors) {
      v.setInitialCapacity(capacity);
      v.allocateNew();
    }
    for (FieldVector v : List.of(requestId, arrivalNs, inputTokens, outputTokens, blockHashes)) {
      Vectors.markAllValid(v, capacity);
    }
    hashes = (BigIntVector) blockHashes.getDataVector();
    root = new VectorSchemaRoot(vectors);
    clear();
  }

  public int capacity() {
    return capacity;
  }

  public int size() {
    return size;
  }

  /** Empties the batch before refilling it row by row with {@link #add}. */
  public void clear() {
    size = 0;
    hashCount = 0;
    blockHashes.getOffsetBuffer().setInt(0, 0);
    tenant.reset();
    sessionId.reset();
  }

  public boolean isFull() {
    return size == capacity;
  }

  /**
   * Appends one row. {@code tenantName} may be null; {@code session} is null-able via
   * {@code hasSession}.
   */
  public void add(long request, long arrival, String tenantName, boolean hasSession, long session,
      int input, int output, long[] blockHashValues, int off, int len) {
    int i = size;
    requestId.set(i, request);
    arrivalNs.set(i, arrival);
    if (tenantName == null) {
      tenant.setNull(i);
    } else {
      tenant.setSafe(i, tenantName.getBytes(StandardCharsets.UTF_8));
    }
    if (hasSession) {
      sessionId.set(i, session);
    } else {
      sessionId.setNull(i);
    }
    inputTokens.set(i, input);
    outputTokens.set(i, output);
    ensureHashCapacity(hashCount + len);
    for (int k = 0; k < len; k++) {
      hashes.set(hashCount + k, blockHashValues[off + k]);
    }
    hashCount += len;
    blockHashes.getOffsetBuffer().setInt((i + 1L) * Integer.BYTES, hashCount);
    size = i + 1;
    seal();
  }

  /** Called by readers after filling the vectors directly. */
  public void sealRows(int rows, int totalHashes) {
    size = rows;
    hashCount = totalHashes;
    seal();
  }

  private void seal() {
    hashes.setValueCount(hashCount);
    blockHashes.setLastSet(size - 1);
    root.setRowCount(size);
  }

  /** Grows the hash child vector to hold {@code n} values, keeping its contents. */
  public void ensureHashCapacity(int n) {
    while (hashes.getValueCapacity() < n) {
      hashes.reAlloc();
    }
    Vectors.markAllValid(hashes, hashes.getValueCapacity());
  }

  public int rowGroup() {
    return rowGroup;
  }

  public long firstRow() {
    return firstRow;
  }

  public void setLocation(int rowGroupIndex, long firstRowInFile) {
    this.rowGroup = rowGroupIndex;
    this.firstRow = firstRowInFile;
  }

  public long requestId(int i) {
    return requestId.get(i);
  }

  public long arrivalNs(int i) {
    return arrivalNs.get(i);
  }

  /** The tenant of row {@code i}, or null. Allocates a String: not for hot paths. */
  public String tenant(int i) {
    if (tenant.isNull(i)) {
      return null;
    }
    return new String(tenant.get(i), StandardCharsets.UTF_8);
  }

  public boolean hasSessionId(int i) {
    return !sessionId.isNull(i);
  }

  public long sessionId(int i) {
    return sessionId.get(i);
  }

  public int inputTokens(int i) {
    return inputTokens.get(i);
  }

  public int outputTokens(int i) {
    return outputTokens.get(i);
  }

  public int hashStart(int i) {
    return blockHashes.getOffsetBuffer().getInt((long) i * Integer.BYTES);
  }

  public int hashEnd(int i) {
    return blockHashes.getOffsetBuffer().getInt((i + 1L) * Integer.BYTES);
  }

  public long hash(int index) {
    return hashes.get(index);
  }

  public BigIntVector requestIdVector() {
    return requestId;
  }

  public BigIntVector arrivalNsVector() {
    return arrivalNs;
  }

  public VarCharVector tenantVector() {
    return tenant;
  }

  public BigIntVector sessionIdVector() {
    return sessionId;
  }

  public IntVector inputTokensVector() {
    return inputTokens;
  }

  public IntVector outputTokensVector() {
    return outputTokens;
  }

  public BigIntVector hashValuesVector() {
    return hashes;
  }

  public ArrowBuf hashOffsets() {
    return blockHashes.getOffsetBuffer();
  }

  public VectorSchemaRoot root() {
    return root;
  }

  @Override
  public void close() {
    root.close();
  }
}
