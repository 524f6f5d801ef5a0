package io.kvflow.trace.parquet;

import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * How trace files are written.
 *
 * @param codec page compression (ZSTD by default)
 * @param zstdLevel zstd level when {@code codec} is ZSTD
 * @param rowGroupBytes target row group size; 32-64 MiB keeps reader heaps small
 * @param pageBytes target data page size
 */
public record WriterOptions(CompressionCodecName codec, int zstdLevel, long rowGroupBytes, int pageBytes) {
  public static final WriterOptions DEFAULT = new WriterOptions(CompressionCodecName.ZSTD, 3, 32L << 20, 1 << 20);

  public WriterOptions {
    if (rowGroupBytes < (1 << 16) || pageBytes < 1024) {
      throw new IllegalArgumentException("row group and page sizes are too small");
    }
  }

  public WriterOptions withRowGroupBytes(long bytes) {
    return new WriterOptions(codec, zstdLevel, bytes, pageBytes);
  }

  public WriterOptions withCodec(CompressionCodecName c) {
    return new WriterOptions(c, zstdLevel, rowGroupBytes, pageBytes);
  }
}
