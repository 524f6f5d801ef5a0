package io.kvflow.trace.imports;

import io.kvflow.common.Progress;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.AccessTraceWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * libCacheSim's oracleGeneral binary format: little-endian 24-byte records {@code uint32 timestamp
 * (s), uint64 obj_id, uint32 obj_size, int64 next_access_vtime}, plain or zstd-compressed
 * ({@code .zst}). One READ per record, {@code block = obj_id} (the 64 bits as a signed long),
 * {@code time_ns = timestamp * 10^9}, request 0, step 0, layer -1. The object size and the
 * next-access time are not kept: a block's size comes from the model, and OPT recomputes next uses.
 * Timestamps must not decrease.
 */
final class OracleGeneralImporter implements TraceImporter {
  static final int RECORD_BYTES = 24;
  private static final int RECORDS_PER_READ = 1 << 14;

  @Override
  public String description() {
    return "libCacheSim oracleGeneral binary (24-byte records, .zst accepted) -> accesses, one READ per record";
  }

  @Override
  public long importTrace(Path input, Path output, ImportOptions options, Progress progress) {
    String file = input.toString();
    int blockTokens = options.blockTokensOr(16);
    TraceMetadata meta = TraceMetadata.of(TraceKind.ACCESSES, blockTokens, "oracle-general: " + input.getFileName());
    byte[] chunk = new byte[RECORD_BYTES * RECORDS_PER_READ];
    ByteBuffer buf = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
    long offset = 0;
    long previous = Long.MIN_VALUE;
    try (InputStream in = InputFiles.open(input); AccessTraceWriter w = AccessTraceWriter.open(output, meta)) {
      while (true) {
        int n;
        try {
          n = in.readNBytes(chunk, 0, chunk.length);
        } catch (IOException e) {
          throw ImportException.atOffset(file, offset, null, "unreadable (" + e.getMessage() + ")");
        }
        if (n == 0) {
          break;
        }
        int whole = n / RECORD_BYTES;
        for (int r = 0; r < whole; r++) {
          int p = r * RECORD_BYTES;
          long ts = buf.getInt(p) & 0xFFFF_FFFFL;
          long obj = buf.getLong(p + 4);
          if (ts < previous) {
            throw ImportException.atOffset(file, offset + p, "timestamp", ts + " is before the previous record's "
                + previous + "; records must be in time order");
          }
          previous = ts;
          w.append(ts * 1_000_000_000L, 0, 0, -1, obj, AccessOp.READ.code(), blockTokens, Float.NaN);
        }
        int rest = n - whole * RECORD_BYTES;
        if (rest != 0) {
          String field = rest < 4 ? "timestamp" : rest < 12 ? "obj_id" : rest < 16 ? "obj_size" : "next_access_vtime";
          throw ImportException.atOffset(file, offset + (long) whole * RECORD_BYTES, field, "truncated record ("
              + rest + " of " + RECORD_BYTES + " bytes)");
        }
        offset += n;
        progress.update(offset / RECORD_BYTES, 0);
        if (n < chunk.length) {
          break;
        }
      }
      if (w.rows() == 0) {
        throw new ImportException(file + ": no records; expected 24-byte oracleGeneral records");
      }
      w.commit();
      return w.rows();
    } catch (IOException e) {
      throw ImportException.atOffset(file, offset, null, "unreadable (" + e.getMessage() + ")");
    }
  }
}
