package io.kvflow.bench;

import io.kvflow.common.Progress;
import io.kvflow.trace.imports.ImportFormat;
import io.kvflow.trace.imports.ImportOptions;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
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
 * Import of a 20M-record libCacheSim oracleGeneral file (480 MB, Zipf keys) into Parquet: the
 * {@code records} counter is records/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "--add-opens=java.base/java.nio=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class OracleGeneralImportBenchmark {
  static final int RECORDS = 20_000_000;
  private Path input;
  private Path output;

  /** Records imported, reported per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Records {
    public long records;

    @Setup(Level.Iteration)
    public void reset() {
      records = 0;
    }
  }

  @Setup
  public void setUp() throws IOException {
    Path dir = Path.of(System.getProperty("kvflow.bench.data", "benchmarks/data"));
    Files.createDirectories(dir);
    input = dir.resolve("zipf-20m.oracleGeneral");
    output = dir.resolve("zipf-20m-imported.parquet");
    if (!Files.exists(input) || Files.size(input) != 24L * RECORDS) {
      io.kvflow.trace.generate.ZipfSampler zipf = new io.kvflow.trace.generate.ZipfSampler(1_000_000, 1.0);
      io.kvflow.trace.generate.Rng rng = new io.kvflow.trace.generate.Rng(42);
      SplittableRandom sizes = new SplittableRandom(1);
      ByteBuffer b = ByteBuffer.allocate(24 * 4096).order(ByteOrder.LITTLE_ENDIAN);
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(input), 1 << 20)) {
        for (int i = 0; i < RECORDS; i++) {
          b.putInt(i / 1000).putLong(zipf.sample(rng)).putInt(1 + sizes.nextInt(1 << 16)).putLong(-1);
          if (!b.hasRemaining()) {
            out.write(b.array(), 0, b.position());
            b.clear();
          }
        }
        out.write(b.array(), 0, b.position());
      }
    }
  }

  @Benchmark
  public long importFile(Records counter) {
    long n = ImportFormat.ORACLE_GENERAL.create().importTrace(input, output, ImportOptions.DEFAULT, Progress.NONE);
    counter.records += n;
    return n;
  }
}
