package io.kvflow.trace.parquet;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Parquet page codecs without Hadoop: ZSTD through zstd-jni, SNAPPY through snappy-java, GZIP
 * through the JDK. The default parquet-java factory builds a Hadoop Configuration; this one never does.
 */
public final class TraceCodecFactory implements CompressionCodecFactory {
  /** zstd level used for writing; 3 is zstd's own default. */
  private final int zstdLevel;

  public TraceCodecFactory(int zstdLevel) {
    this.zstdLevel = zstdLevel;
  }

  public TraceCodecFactory() {
    this(3);
  }

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    return new Compressor(codec);
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    return new Decompressor(codec);
  }

  @Override
  public void release() {}

  private static void requireSupported(CompressionCodecName codec) {
    switch (codec) {
      case UNCOMPRESSED, ZSTD, SNAPPY, GZIP -> { }
      default -> throw new UnsupportedCodecException(codec);
    }
  }

  /** Thrown for a page codec this build does not read; the reader turns it into a clear message. */
  public static final class UnsupportedCodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnsupportedCodecException(CompressionCodecName codec) {
      super("compression codec " + codec + " is not supported (use ZSTD, SNAPPY, GZIP or none)");
    }
  }

  private final class Compressor implements BytesInputCompressor {
    private final CompressionCodecName codec;

    Compressor(CompressionCodecName codec) {
      requireSupported(codec);
      this.codec = codec;
    }

    @Override
    public BytesInput compress(BytesInput bytes) throws IOException {
      byte[] in = bytes.toByteArray();
      return switch (codec) {
        case UNCOMPRESSED -> BytesInput.from(in);
        case ZSTD -> BytesInput.from(Zstd.compress(in, zstdLevel));
        case SNAPPY -> BytesInput.from(Snappy.compress(in));
        case GZIP -> {
          ByteArrayOutputStream out = new ByteArrayOutputStream(in.length / 2 + 64);
          try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(in);
          }
          yield BytesInput.from(out.toByteArray());
        }
        default -> throw new UnsupportedCodecException(codec);
      };
    }

    @Override
    public CompressionCodecName getCodecName() {
      return codec;
    }

    @Override
    public void release() {}
  }

  private static final class Decompressor implements BytesInputDecompressor {
    private final CompressionCodecName codec;

    Decompressor(CompressionCodecName codec) {
      requireSupported(codec);
      this.codec = codec;
    }

    @Override
    public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
      requireSize(uncompressedSize);
      if (codec == CompressionCodecName.UNCOMPRESSED) {
        return bytes;
      }
      // the page's bytes in place when they sit in a heap buffer (the usual case): a copy of every
      // compressed page would be fresh memory the JVM has to fault in
      ByteBuffer src = bytes.toByteBuffer();
      byte[] out = new byte[uncompressedSize];
      if (src.hasArray()) {
        decompressArrays(src.array(), src.arrayOffset() + src.position(), src.remaining(), out, 0, uncompressedSize);
      } else {
        byte[] in = new byte[src.remaining()];
        src.duplicate().get(in);
        decompressArrays(in, 0, in.length, out, 0, uncompressedSize);
      }
      return BytesInput.from(out);
    }

    @Override
    public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
        throws IOException {
      requireSize(uncompressedSize);
      byte[] in = new byte[compressedSize];
      input.duplicate().get(in);
      byte[] out = new byte[uncompressedSize];
      if (codec == CompressionCodecName.UNCOMPRESSED) {
        System.arraycopy(in, 0, out, 0, Math.min(compressedSize, uncompressedSize));
      } else {
        decompressArrays(in, 0, compressedSize, out, 0, uncompressedSize);
      }
      output.put(out);
      output.flip();
    }

    private static void requireSize(int uncompressedSize) throws IOException {
      if (uncompressedSize < 0) {
        throw new IOException("page header gives a negative uncompressed size (" + uncompressedSize + ")");
      }
    }

    private void decompressArrays(byte[] in, int inOff, int inLen, byte[] out, int outOff, int outLen)
        throws IOException {
      int n;
      switch (codec) {
        case ZSTD -> {
          long r = Zstd.decompressByteArray(out, outOff, outLen, in, inOff, inLen);
          if (Zstd.isError(r)) {
            throw new IOException("corrupt ZSTD page: " + Zstd.getErrorName(r));
          }
          n = (int) r;
        }
        case SNAPPY -> n = Snappy.uncompress(in, inOff, inLen, out, outOff);
        case GZIP -> {
          try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(in, inOff, inLen))) {
            n = gz.readNBytes(out, outOff, outLen);
          }
        }
        default -> throw new UnsupportedCodecException(codec);
      }
      if (n != outLen) {
        throw new IOException("page decompressed to " + n + " bytes, header says " + outLen);
      }
    }

    @Override
    public void release() {}
  }
}
