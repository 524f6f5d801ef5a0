package io.kvflow.bench;

import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the READ and WRITE rows of an accesses trace as libCacheSim's oracleGeneral records, so
 * that {@code cachesim} replays the very key sequence {@code kvflow simulate} does: per record
 * {@code uint32 timestamp} (the row's index / 1000, as seconds), {@code uint64 obj_id} (the block),
 * {@code uint32 obj_size} 1 and {@code int64 next_access_vtime} -1 (cachesim is run with
 * {@code --ignore-obj-size 1}; none of its key-only policies reads the next access).
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.kvflow.bench.OracleGeneralExport IN.parquet OUT}
 */
public final class OracleGeneralExport {
  private OracleGeneralExport() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: OracleGeneralExport ACCESSES.parquet OUT.oracleGeneral");
      System.exit(2);
    }
    Path out = Path.of(args[1]);
    long n = 0;
    ByteBuffer b = ByteBuffer.allocate(24 * 4096).order(ByteOrder.LITTLE_ENDIAN);
    try (TraceReader r = TraceReader.open(Path.of(args[0]), List.of(TraceSchema.BLOCK, TraceSchema.OP));
        AccessBatch batch = r.newAccessBatch(1 << 16);
        OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
      while (r.next(batch)) {
        for (int i = 0; i < batch.size(); i++) {
          int op = batch.op(i);
          if (op != AccessOp.READ.code() && op != AccessOp.WRITE.code()) {
            continue;
          }
          b.putInt((int) (n / 1000)).putLong(batch.block(i)).putInt(1).putLong(-1);
          n++;
          if (!b.hasRemaining()) {
            os.write(b.array(), 0, b.position());
            b.clear();
          }
        }
      }
      os.write(b.array(), 0, b.position());
    }
    System.out.println(n + " records to " + out);
  }
}
