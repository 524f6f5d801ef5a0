package io.kvflow.trace.parquet;

import io.kvflow.common.AtomicOutput;
import io.kvflow.trace.TraceSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory.BytesInputCompressor;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Writes a flat schema column by column through parquet-java's column writers, skipping the
 * record-assembly layer (RecordConsumer) that costs most of the time of the usual write path. The
 * file appears under its name only on {@link #commit()}.
 */
final class ColumnStoreWriter implements AutoCloseable {
  private static final int SIZE_CHECK_ROWS = 4096;

  private final AtomicOutput output;
  private final MessageType schema;
  private final Map<String, String> metadata;
  private final ParquetProperties properties;
  private final BytesInputCompressor compressor;
  private final ParquetFileWriter file;
  private final long rowGroupBytes;
  private final List<ColumnDescriptor> columns;
  private final ColumnWriter[] writers;
  private ColumnChunkPageWriteStore pageStore;
  private ColumnWriteStore store;
  private long rowsInGroup;
  private boolean finished;

  ColumnStoreWriter(Path target, MessageType schema, Map<String, String> metadata, WriterOptions options) {
    this.output = AtomicOutput.create(target);
    this.schema = schema;
    this.metadata = metadata;
    this.rowGroupBytes = options.rowGroupBytes();
    this.columns = schema.getColumns();
    this.writers = new ColumnWriter[columns.size()];
    this.properties = ParquetProperties.builder()
        .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
        .withDictionaryEncoding(false)
        .withPageSize(options.pageBytes())
        .withSizeStatisticsEnabled(false)
        .withPageWriteChecksumEnabled(true) // CRC32 of every page; readers verify it
        .withStatisticsEnabled(TraceSchema.BLOCK, false)
        .withStatisticsEnabled(TraceSchema.REQUEST_ID, false)
        .build();
    this.compressor = new TraceCodecFactory(options.zstdLevel()).getCompressor(options.codec());
    try {
      this.file = new ParquetFileWriter(new LocalOutputFile(output.temporary()), schema, ParquetFileWriter.Mode.OVERWRITE,
          rowGroupBytes, 0, null, properties);
      file.start();
    } catch (IOException e) {
      output.close();
      throw new UncheckedIOException("cannot start writing " + target, e);
    }
    startRowGroup();
  }

  private void startRowGroup() {
    pageStore = new ColumnChunkPageWriteStore(compressor, schema, properties.getAllocator(),
        properties.getColumnIndexTruncateLength(), properties.getPageWriteChecksumEnabled());
    store = properties.newColumnWriteStore(schema, pageStore);
    for (int i = 0; i < writers.length; i++) {
      writers[i] = store.getColumnWriter(columns.get(i));
    }
  }

  /** The writer of column {@code index} (schema order) for the current row group. */
  ColumnWriter column(int index) {
    return writers[index];
  }

  /** Ends the current row (every column has had its value or null written). */
  void endRow() {
    store.endRecord();
    if (++rowsInGroup % SIZE_CHECK_ROWS == 0 && store.getBufferedSize() >= rowGroupBytes) {
      flushRowGroup();
    }
  }

  private void flushRowGroup() {
    if (rowsInGroup == 0) {
      return;
    }
    try {
      file.startBlock(rowsInGroup);
      store.flush();
      pageStore.flushToFileWriter(file);
      file.endBlock();
    } catch (IOException e) {
      throw new UncheckedIOException("write failed for " + output.target(), e);
    }
    store.close();
    pageStore.close();
    rowsInGroup = 0;
    startRowGroup();
  }

  void commit() {
    flushRowGroup();
    try {
      file.end(metadata);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot finish " + output.target(), e);
    } finally {
      finished = true;
      store.close();
      pageStore.close();
    }
    output.commit();
  }

  @Override
  public void close() {
    if (!finished) {
      finished = true;
      store.close();
      pageStore.close();
      try {
        file.abort();
      } catch (RuntimeException ignored) {
        // the temporary file is deleted below either way
      }
    }
    output.close();
  }
}
