package io.kvflow.analysis.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.kvflow.common.AtomicOutput;
import io.kvflow.trace.parquet.TraceCodecFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Writes a sweep's table as Parquet for DuckDB, pandas or Spark: one row per point; parameter and
 * text columns as strings, numeric metrics as doubles (null when absent). Atomic, like every output.
 */
public final class TableWriter {
  private TableWriter() {}

  public static void write(Path target, List<String> textColumns, List<String> numberColumns, List<? extends JsonNode> rows) {
    Types.MessageTypeBuilder b = Types.buildMessage();
    for (String c : textColumns) {
      b.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(c);
    }
    for (String c : numberColumns) {
      b.optional(PrimitiveTypeName.DOUBLE).named(c);
    }
    MessageType schema = b.named("kvflow_sweep");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (AtomicOutput out = AtomicOutput.create(target)) {
      try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(out.temporary()))
          .withConf(new PlainParquetConfiguration())
          .withType(schema)
          .withCodecFactory(new TraceCodecFactory())
          .withCompressionCodec(CompressionCodecName.ZSTD)
          .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
          .build()) {
        for (JsonNode row : rows) {
          Group g = groups.newGroup();
          for (String c : textColumns) {
            JsonNode v = row.get(c);
            if (v != null && !v.isNull()) {
              g.append(c, v.isTextual() ? v.asText() : v.toString());
            }
          }
          for (String c : numberColumns) {
            JsonNode v = row.get(c);
            if (v != null && v.isNumber()) {
              g.append(c, v.asDouble());
            }
          }
          w.write(g);
        }
      }
      out.commit();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }
}
