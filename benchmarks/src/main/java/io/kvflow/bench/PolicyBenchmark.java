package io.kvflow.bench;

import io.kvflow.common.Progress;
import io.kvflow.engine.KeyOnlySimulator;
import io.kvflow.engine.policy.EvictionPolicy;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.policy.PolicyParams;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Key-only cache simulation on the 20M-access Zipf trace (1M keys, alpha 1.0) at 10,000 blocks, one
 * thread: {@code policyOnly} runs the keys from memory (the policy's own speed), {@code fromParquet}
 * reads the trace file too (the key-only fast path as {@code kvflow simulate} runs it). The
 * {@code accesses} counter is accesses/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "-Darrow.enable_unsafe_memory_access=true", "-Darrow.enable_null_check_for_get=false"})
@State(Scope.Benchmark)
public class PolicyBenchmark {
  @Param({"lru", "fifo", "clock", "sieve", "arc", "s3fifo"})
  public String policy;

  @Param({"10000"})
  public int capacity;

  private long[] keys;
  private PolicyKind kind;

  /** Accesses simulated, reported per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Accesses {
    public long accesses;

    @Setup(Level.Iteration)
    public void reset() {
      accesses = 0;
    }
  }

  @Setup
  public void setUp() {
    kind = PolicyKind.fromName(policy);
    keys = BenchFiles.zipf20mKeys();
  }

  @Benchmark
  public long policyOnly(Accesses counter) {
    EvictionPolicy p = kind.create(capacity);
    long[] k = keys;
    for (long key : k) {
      p.access(key);
    }
    counter.accesses += k.length;
    return p.stats().hits();
  }

  @Benchmark
  public long fromParquet(Accesses counter) {
    long hits = KeyOnlySimulator.run(BenchFiles.zipf20m(), kind, capacity, PolicyParams.DEFAULT, Progress.NONE).hits();
    counter.accesses += keys.length;
    return hits;
  }
}
