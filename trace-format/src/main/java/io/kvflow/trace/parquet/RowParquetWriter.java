package io.kvflow.trace.parquet;

import io.kvflow.common.AtomicOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * A parquet-java writer of one reusable row holder type, writing to a temporary file that
 * {@link #commit()} renames into place.
 */
final class RowParquetWriter<R> implements AutoCloseable {
  /** Writes one row's fields to the record consumer. */
  interface FieldWriter<R> {
    void write(R row, RecordConsumer consumer);
  }

  private final AtomicOutput output;
  private final ParquetWriter<R> writer;
  private boolean closed;

  RowParquetWriter(java.nio.file.Path target, MessageType schema, Map<String, String> metadata,
      FieldWriter<R> fields, WriterOptions options, Iterable<String> dictionaryColumns) {
    this.output = AtomicOutput.create(target);
    try {
      Support<R> support = new Support<>(schema, metadata, fields);
      Builder<R> builder =
          new Builder<>(new LocalOutputFile(output.temporary()), support)
              .withConf(new PlainParquetConfiguration())
              .withCodecFactory(new TraceCodecFactory(options.zstdLevel()))
              .withCompressionCodec(options.codec())
              .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
              .withRowGroupSize(options.rowGroupBytes())
              .withPageSize(options.pageBytes())
              .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
              .withDictionaryEncoding(false)
              .withPageWriteChecksumEnabled(true) // CRC32 of every page; readers verify it
              .withValidation(false);
      for (String column : dictionaryColumns) {
        builder = builder.withDictionaryEncoding(column, true);
      }
      this.writer = builder.build();
    } catch (IOException e) {
      output.close();
      throw new UncheckedIOException("cannot start writing " + target, e);
    }
  }

  void write(R row) {
    try {
      writer.write(row);
    } catch (IOException e) {
      throw new UncheckedIOException("write failed for " + output.target(), e);
    }
  }

  /** Finishes the file and renames it into place. */
  void commit() {
    try {
      closed = true;
      writer.close();
    } catch (IOException e) {
      output.close();
      throw new UncheckedIOException("cannot finish " + output.target(), e);
    }
    output.commit();
  }

  /** Abandons the file unless committed: no partial output is left behind. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      try {
        writer.close();
      } catch (IOException | RuntimeException ignored) {
        // the temporary file is deleted below either way
      }
    }
    output.close();
  }

  private static final class Support<R> extends WriteSupport<R> {
    private final MessageType schema;
    private final Map<String, String> metadata;
    private final FieldWriter<R> fields;
    private RecordConsumer consumer;

    Support(MessageType schema, Map<String, String> metadata, FieldWriter<R> fields) {
      this.schema = schema;
      this.metadata = metadata;
      this.fields = fields;
    }

    @Override
    public WriteContext init(Configuration configuration) {
      return new WriteContext(schema, metadata);
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
      return new WriteContext(schema, metadata);
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
      this.consumer = recordConsumer;
    }

    @Override
    public void write(R record) {
      consumer.startMessage();
      fields.write(record, consumer);
      consumer.endMessage();
    }

    @Override
    public String getName() {
      return "kvflow";
    }
  }

  private static final class Builder<R> extends ParquetWriter.Builder<R, Builder<R>> {
    private final WriteSupport<R> support;

    Builder(OutputFile file, WriteSupport<R> support) {
      super(file);
      this.support = support;
    }

    @Override
    protected Builder<R> self() {
      return this;
    }

    @Override
    protected WriteSupport<R> getWriteSupport(Configuration conf) {
      return support;
    }

    @Override
    protected WriteSupport<R> getWriteSupport(ParquetConfiguration conf) {
      return support;
    }
  }
}
