package io.kvflow.bench;

import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reader throughput on the 20M-row Zipf accesses trace: rows/s reading all eight columns (with
 * validation) and reading the block column alone. The {@code rows} counter is the figure.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "-Darrow.enable_unsafe_memory_access=true", "-Darrow.enable_null_check_for_get=false"})
@State(Scope.Benchmark)
public class TraceReadBenchmark {
  private Path file;

  /** Rows read, reported per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Rows {
    public long rows;

    @Setup(Level.Iteration)
    public void reset() {
      rows = 0;
    }
  }

  @Setup
  public void setUp() {
    file = BenchFiles.zipf20m();
  }

  @Benchmark
  public long allColumns(Rows counter) {
    long checksum = 0;
    try (TraceReader r = TraceReader.open(file); AccessBatch b = r.newAccessBatch(1 << 16)) {
      while (r.next(b)) {
        int n = b.size();
        checksum += b.block(n - 1) + b.timeNs(n - 1) + b.op(n - 1);
        counter.rows += n;
      }
    }
    return checksum;
  }

  @Benchmark
  public long blockColumn(Rows counter) {
    long checksum = 0;
    try (TraceReader r = TraceReader.open(file, List.of(TraceSchema.BLOCK)); AccessBatch b = r.newAccessBatch(1 << 16)) {
      while (r.next(b)) {
        int n = b.size();
        for (int i = 0; i < n; i++) {
          checksum += b.block(i);
        }
        counter.rows += n;
      }
    }
    return checksum;
  }
}
