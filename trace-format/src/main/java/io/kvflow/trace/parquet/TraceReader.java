package io.kvflow.trace.parquet;

import io.kvflow.common.BadInputException;
import io.kvflow.common.LongHashSet;
import io.kvflow.trace.TraceFormatException;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.batch.RequestBatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Streams a schema v1 trace as column batches refilled in place, validating the footer, the
 * column types and every value rule on the way; memory is one row group plus one batch.
 *
 * <p>Usage: {@code try (var r = TraceReader.open(path); var b = r.newAccessBatch(65536)) { while
 * (r.next(b)) { ... } }}.
 */
public final class TraceReader implements AutoCloseable {
  private static final byte[] MAGIC = {'P', 'A', 'R', '1'};

  private final Path path;
  private final String file;
  private final ParquetFileReader reader;
  private final TraceMetadata metadata;
  private final Map<String, ColumnCursor> cursors = new LinkedHashMap<>();
  private final Map<String, ColumnDescriptor> projected = new LinkedHashMap<>();
  private final BufferAllocator allocator = new RootAllocator();
  private final long rowCount;
  private int rowGroup = -1;
  private long rowsLeftInGroup;
  private long nextRow;
  private long previousTime = Long.MIN_VALUE;
  private final LongHashSet requestIds;

  private TraceReader(Path path, Collection<String> columns) {
    this.path = path;
    this.file = path.toString();
    checkFile();
    try {
      // CRC32 of every page that has one is checked as its row group loads, before any decoding
      ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
          .withCodecFactory(new TraceCodecFactory()).usePageChecksumVerification(true).build();
      this.reader = ParquetFileReader.open(new LocalInputFile(path), options);
    } catch (IOException | RuntimeException e) {
      throw new TraceFormatException(file + ": unreadable Parquet footer (" + Causes.oneLine(e)
          + "); expected a KVFlow trace");
    }
    try {
      this.metadata = SchemaCheck.metadata(file, reader.getFileMetaData().getKeyValueMetaData());
      MessageType schema = reader.getFileMetaData().getSchema();
      List<String> wanted = columns == null ? TraceSchema.REQUEST_COLUMNS : null;
      List<String> all = metadata.kind() == TraceKind.REQUESTS ? TraceSchema.REQUEST_COLUMNS : TraceSchema.ACCESS_COLUMNS;
      wanted = columns == null ? all : List.copyOf(columns);
      Map<String, ColumnDescriptor> descriptors = SchemaCheck.columns(file, metadata.kind(), schema);
      List<ColumnDescriptor> projection = new ArrayList<>();
      for (String c : all) {
        if (wanted.contains(c)) {
          ColumnDescriptor d = descriptors.get(c);
          projection.add(d);
          projected.put(c, d);
          cursors.put(c, new ColumnCursor(file, c, d, TraceSchema.nullable(c)));
        }
      }
      for (String c : wanted) {
        if (!all.contains(c)) {
          throw new BadInputException(file + ": no column " + c + " in a " + metadata.kind().wireName()
              + " trace; columns are " + all);
        }
      }
      reader.setRequestedSchema(projection);
      this.rowCount = reader.getRecordCount();
      this.requestIds = metadata.kind() == TraceKind.REQUESTS && cursors.containsKey(TraceSchema.REQUEST_ID)
          ? new LongHashSet((int) Math.min(1 << 24, Math.max(16, rowCount)))
          : null;
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  /** Opens {@code path} reading every column. */
  public static TraceReader open(Path path) {
    return new TraceReader(path, null);
  }

  /** Opens {@code path} reading only {@code columns} (names of schema v1). */
  public static TraceReader open(Path path, Collection<String> columns) {
    return new TraceReader(path, columns);
  }

  /** Reads only the footer: kind, metadata and row count. */
  public static TraceMetadata readMetadata(Path path) {
    try (TraceReader r = new TraceReader(path, List.of())) {
      return r.metadata();
    }
  }

  public TraceMetadata metadata() {
    return metadata;
  }

  public TraceKind kind() {
    return metadata.kind();
  }

  public Path path() {
    return path;
  }

  public long rowCount() {
    return rowCount;
  }

  public int rowGroupCount() {
    return reader.getRowGroups().size();
  }

  /**
   * The pages decoded so far and how many carried a verified CRC32; after a full read, the whole
   * file's (of the columns read).
   */
  public PageChecksums pageChecksums() {
    long pages = 0;
    long verified = 0;
    for (ColumnCursor c : cursors.values()) {
      pages += c.pagesRead();
      verified += c.pagesWithChecksum();
    }
    return new PageChecksums(pages, verified);
  }

  /** Bytes of the file's column chunks as stored (compressed). */
  public long storedBytes() {
    long total = 0;
    for (var rg : reader.getRowGroups()) {
      total += rg.getCompressedSize();
    }
    return total;
  }

  public AccessBatch newAccessBatch(int capacity) {
    return new AccessBatch(allocator, capacity);
  }

  public RequestBatch newRequestBatch(int capacity) {
    return new RequestBatch(allocator, capacity);
  }

  /** Refills {@code batch} with the next rows; false (and an empty batch) at the end. */
  public boolean next(AccessBatch batch) {
    requireKind(TraceKind.ACCESSES);
    if (!ensureRows()) {
      batch.setSize(0);
      return false;
    }
    int n = (int) Math.min(batch.capacity(), rowsLeftInGroup);
    batch.setLocation(rowGroup, nextRow);
    for (ColumnCursor c : cursors.values()) {
      try {
        switch (c.name()) {
          case TraceSchema.TIME_NS -> c.readInt64(batch.timeNsVector(), n);
          case TraceSchema.REQUEST_ID -> c.readInt64(batch.requestIdVector(), n);
          case TraceSchema.STEP -> c.readInt32(batch.stepVector(), n);
          case TraceSchema.LAYER -> c.readInt16(batch.layerVector(), n);
          case TraceSchema.BLOCK -> c.readInt64(batch.blockVector(), n);
          case TraceSchema.OP -> c.readInt8(batch.opVector(), n);
          case TraceSchema.TOKENS -> c.readInt16(batch.tokensVector(), n);
          case TraceSchema.ATTN_MASS -> c.readFloat(batch.attnMassVector(), n);
          default -> throw new IllegalStateException(c.name());
        }
      } catch (TraceFormatException e) {
        throw e;
      } catch (RuntimeException e) {
        throw c.undecodable(e);
      }
    }
    batch.setSize(n);
    validateAccesses(batch, n);
    finishBatch(n);
    return true;
  }

  /** Refills {@code batch} with the next requests; false (and an empty batch) at the end. */
  public boolean next(RequestBatch batch) {
    requireKind(TraceKind.REQUESTS);
    batch.clear();
    if (!ensureRows()) {
      return false;
    }
    int n = (int) Math.min(batch.capacity(), rowsLeftInGroup);
    batch.setLocation(rowGroup, nextRow);
    int hashes = 0;
    for (ColumnCursor c : cursors.values()) {
      try {
        switch (c.name()) {
          case TraceSchema.REQUEST_ID -> c.readInt64(batch.requestIdVector(), n);
          case TraceSchema.ARRIVAL_NS -> c.readInt64(batch.arrivalNsVector(), n);
          case TraceSchema.TENANT -> c.readString(batch.tenantVector(), n);
          case TraceSchema.SESSION_ID -> c.readInt64(batch.sessionIdVector(), n);
          case TraceSchema.INPUT_TOKENS -> c.readInt32(batch.inputTokensVector(), n);
          case TraceSchema.OUTPUT_TOKENS -> c.readInt32(batch.outputTokensVector(), n);
          case TraceSchema.BLOCK_HASHES -> hashes = c.readLongLists(batch, n);
          default -> throw new IllegalStateException(c.name());
        }
      } catch (TraceFormatException e) {
        throw e;
      } catch (RuntimeException e) {
        throw c.undecodable(e);
      }
    }
    if (!cursors.containsKey(TraceSchema.BLOCK_HASHES)) {
      for (int i = 0; i <= n; i++) {
        batch.hashOffsets().setInt((long) i * Integer.BYTES, 0);
      }
    }
    batch.sealRows(n, hashes);
    validateRequests(batch, n);
    finishBatch(n);
    return true;
  }

  private void finishBatch(int n) {
    rowsLeftInGroup -= n;
    nextRow += n;
    for (ColumnCursor c : cursors.values()) {
      c.advance(n);
      if (rowsLeftInGroup == 0) {
        c.finishRowGroup();
      }
    }
  }

  private boolean ensureRows() {
    while (rowsLeftInGroup == 0) {
      if (cursors.isEmpty()) {
        return false;
      }
      PageReadStore store;
      try {
        store = reader.readNextRowGroup();
      } catch (IOException | RuntimeException e) {
        throw RowGroupDiagnosis.unreadable(path, reader, rowGroup + 1, projected, e);
      }
      if (store == null) {
        return false;
      }
      rowGroup++;
      rowsLeftInGroup = store.getRowCount();
      for (ColumnCursor c : cursors.values()) {
        c.startRowGroup(store, rowGroup, nextRow);
      }
    }
    return true;
  }

  private void validateAccesses(AccessBatch b, int n) {
    int bt = metadata.blockTokens();
    if (cursors.containsKey(TraceSchema.TIME_NS)) {
      long prev = previousTime;
      for (int i = 0; i < n; i++) {
        long t = b.timeNs(i);
        if (t < prev) {
          fail(b, i, TraceSchema.TIME_NS, RowRules.nonDecreasing(prev, t));
        }
        prev = t;
      }
      previousTime = prev;
    }
    if (cursors.containsKey(TraceSchema.STEP)) {
      for (int i = 0; i < n; i++) {
        if (b.step(i) < -1) {
          fail(b, i, TraceSchema.STEP, RowRules.stepOrLayer(b.step(i)));
        }
      }
    }
    if (cursors.containsKey(TraceSchema.LAYER)) {
      for (int i = 0; i < n; i++) {
        if (b.layer(i) < -1) {
          fail(b, i, TraceSchema.LAYER, RowRules.stepOrLayer(b.layer(i)));
        }
      }
    }
    if (cursors.containsKey(TraceSchema.OP)) {
      for (int i = 0; i < n; i++) {
        int op = b.op(i);
        if (op < 0 || op > 3) {
          fail(b, i, TraceSchema.OP, RowRules.op(op));
        }
      }
    }
    if (cursors.containsKey(TraceSchema.TOKENS)) {
      for (int i = 0; i < n; i++) {
        int t = b.tokens(i);
        if (t < 0 || t > bt) {
          fail(b, i, TraceSchema.TOKENS, RowRules.tokens(t, bt));
        }
      }
    }
    if (cursors.containsKey(TraceSchema.ATTN_MASS)) {
      for (int i = 0; i < n; i++) {
        if (b.hasAttnMass(i)) {
          String p = RowRules.attnMass(b.attnMass(i));
          if (p != null) {
            fail(b, i, TraceSchema.ATTN_MASS, p);
          }
        }
      }
    }
  }

  private void validateRequests(RequestBatch b, int n) {
    if (requestIds != null) {
      for (int i = 0; i < n; i++) {
        if (!requestIds.add(b.requestId(i))) {
          fail(b, i, TraceSchema.REQUEST_ID, "duplicate request id " + b.requestId(i) + "; ids must be unique in the file");
        }
      }
    }
    if (cursors.containsKey(TraceSchema.ARRIVAL_NS)) {
      long prev = previousTime;
      for (int i = 0; i < n; i++) {
        long t = b.arrivalNs(i);
        String p = t < 0 ? RowRules.nonNegative(t) : RowRules.nonDecreasing(prev, t);
        if (p != null) {
          fail(b, i, TraceSchema.ARRIVAL_NS, p);
        }
        prev = t;
      }
      previousTime = prev;
    }
    boolean haveInput = cursors.containsKey(TraceSchema.INPUT_TOKENS);
    if (haveInput) {
      for (int i = 0; i < n; i++) {
        String p = RowRules.inputTokens(b.inputTokens(i));
        if (p != null) {
          fail(b, i, TraceSchema.INPUT_TOKENS, p);
        }
      }
    }
    if (cursors.containsKey(TraceSchema.OUTPUT_TOKENS)) {
      for (int i = 0; i < n; i++) {
        String p = RowRules.outputTokens(b.outputTokens(i));
        if (p != null) {
          fail(b, i, TraceSchema.OUTPUT_TOKENS, p);
        }
      }
    }
    if (haveInput && cursors.containsKey(TraceSchema.BLOCK_HASHES)) {
      for (int i = 0; i < n; i++) {
        String p = RowRules.blockHashCount(b.hashEnd(i) - b.hashStart(i), b.inputTokens(i), metadata.blockTokens());
        if (p != null) {
          fail(b, i, TraceSchema.BLOCK_HASHES, p);
        }
      }
    }
  }

  private void fail(AccessBatch b, int i, String column, String problem) {
    throw TraceFormatException.atCell(file, b.rowGroup(), b.firstRow() + i, column, problem);
  }

  private void fail(RequestBatch b, int i, String column, String problem) {
    throw TraceFormatException.atCell(file, b.rowGroup(), b.firstRow() + i, column, problem);
  }

  private void requireKind(TraceKind kind) {
    if (metadata.kind() != kind) {
      throw new BadInputException(file + ": is a " + metadata.kind().wireName() + " trace; this step needs a "
          + kind.wireName() + " trace");
    }
  }

  private void checkFile() {
    if (Files.isDirectory(path)) {
      throw new BadInputException(file + ": is a directory; expected a Parquet trace file");
    }
    if (!Files.exists(path)) {
      throw new BadInputException(file + ": no such file");
    }
    if (!Files.isReadable(path)) {
      throw new BadInputException(file + ": not readable (check permissions)");
    }
    try (SeekableByteChannel ch = Files.newByteChannel(path)) {
      long size = ch.size();
      if (size == 0) {
        throw new TraceFormatException(file + ": empty file; expected a Parquet trace");
      }
      byte[] head = new byte[4];
      try (InputStream in = Files.newInputStream(path)) {
        if (in.readNBytes(head, 0, 4) < 4 || !java.util.Arrays.equals(head, MAGIC)) {
          throw new TraceFormatException(file + ": not a Parquet file (no PAR1 magic at the start); expected a "
              + "KVFlow trace; import other formats with 'kvflow import'");
        }
      }
      if (size < 12) {
        throw new TraceFormatException(file + ": truncated Parquet file (" + size + " bytes, no footer)");
      }
      ch.position(size - 4);
      java.nio.ByteBuffer tail = java.nio.ByteBuffer.allocate(4);
      while (tail.hasRemaining() && ch.read(tail) > 0) {
        // read the last four bytes
      }
      if (!java.util.Arrays.equals(tail.array(), MAGIC)) {
        throw new TraceFormatException(file + ": truncated or corrupt Parquet file (no PAR1 magic at the end; "
            + "was its write interrupted?)");
      }
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": no such file");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")");
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (RuntimeException ignored) {
      // already failing
    }
  }

  @Override
  public void close() {
    try {
      if (reader != null) {
        reader.close();
      }
    } catch (IOException ignored) {
      // read-only
    }
    allocator.close();
  }
}
