package io.kvflow.trace.parquet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Writes arbitrary Parquet files with parquet-java's example Group API, bypassing the project's
 * writers: for files that break schema v1 and for files laid out as other engines do (optional
 * columns, dictionary encoding, V2 pages).
 */
public final class RawParquet {
  private RawParquet() {}

  /** One row: top-level field name to value (Long, Integer, Float, String, long[] for a list, null). */
  public static void write(Path out, MessageType schema, Map<String, String> metadata, List<Map<String, Object>> rows,
      boolean dictionary, WriterVersion version, int pageRows) throws IOException {
    write(out, schema, metadata, rows, dictionary, version, pageRows, CompressionCodecName.SNAPPY, true);
  }

  /** As above, with the page codec and whether pages carry CRC32 checksums (many writers write none). */
  public static void write(Path out, MessageType schema, Map<String, String> metadata, List<Map<String, Object>> rows,
      boolean dictionary, WriterVersion version, int pageRows, CompressionCodecName codec, boolean pageChecksums)
      throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(out))
        .withConf(new PlainParquetConfiguration())
        .withType(schema)
        .withExtraMetaData(metadata)
        .withCodecFactory(new TraceCodecFactory())
        .withCompressionCodec(codec)
        .withPageWriteChecksumEnabled(pageChecksums)
        .withDictionaryEncoding(dictionary)
        .withWriterVersion(version)
        .withPageRowCountLimit(pageRows)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .build()) {
      for (Map<String, Object> row : rows) {
        Group g = groups.newGroup();
        for (var e : row.entrySet()) {
          Object v = e.getValue();
          if (v == null) {
            continue;
          }
          String name = e.getKey();
          if (v instanceof long[] list) {
            Group l = g.addGroup(name);
            for (long x : list) {
              if (schema.getType(name).asGroupType().getType(0).isPrimitive()) {
                l.append(schema.getType(name).asGroupType().getType(0).getName(), x);
              } else {
                l.addGroup(0).append("element", x);
              }
            }
          } else if (v instanceof Long x) {
            g.append(name, x);
          } else if (v instanceof Integer x) {
            g.append(name, x);
          } else if (v instanceof Float x) {
            g.append(name, x);
          } else if (v instanceof String x) {
            g.append(name, x);
          } else {
            throw new IllegalArgumentException("unsupported value " + v);
          }
        }
        w.write(g);
      }
    }
  }
}
