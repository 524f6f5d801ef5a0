package io.kvflow.bench;

import io.kvflow.analysis.reuse.ReuseDistanceAnalyzer;
import io.kvflow.analysis.reuse.ReuseStudy;
import io.kvflow.common.Progress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Exact reuse distances of the 20M-access Zipf trace (1M keys, alpha 1.0), seconds per pass:
 * {@code oneThread} feeds the keys from memory to one analyzer (both halves on one core);
 * {@code study} is {@code kvflow reuse}'s whole study from the Parquet file, the key half on the
 * decoding thread and the counting half on another, histogram and full curve included.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "-Darrow.enable_unsafe_memory_access=true", "-Darrow.enable_null_check_for_get=false"})
@State(Scope.Benchmark)
public class ReuseDistanceBenchmark {
  private long[] keys;

  @Setup
  public void setUp() {
    keys = BenchFiles.zipf20mKeys();
  }

  @Benchmark
  public double oneThread() {
    ReuseDistanceAnalyzer a = new ReuseDistanceAnalyzer();
    for (int off = 0; off < keys.length; off += 1 << 16) {
      a.access(keys, off, Math.min(1 << 16, keys.length - off));
    }
    return a.histogram().total();
  }

  @Benchmark
  public Object study() {
    return ReuseStudy.run(BenchFiles.zipf20m(), new ReuseStudy.Options(ReuseStudy.Sampling.EXACT, 1, 0, 1,
        List.of(1000L, 10000L, 100000L), null), Progress.NONE);
  }
}
