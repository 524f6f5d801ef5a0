package io.kvflow.bench;

import io.kvflow.common.Hashing;
import io.kvflow.engine.vllm.VllmBlockPool;
import io.kvflow.engine.vllm.VllmObserver;
import io.kvflow.engine.vllm.VllmScheduler;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The vllm mode's scheduler and block pool from memory: 20,000 requests of 16-token blocks sharing
 * prefixes (64 prefixes of up to 64 blocks, up to 32 blocks of their own, 1 to 64 output tokens),
 * {@code max_batch} 64, 8,192-token budget, a GPU pool of {@code gpuBlocks} and a CPU tier of four
 * times as many. The {@code steps} counter is scheduler steps per second; run with {@code -prof gc}
 * to see the allocation per step (the per-request hash arrays are reused with the request's slot).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class VllmPoolBenchmark {
  private static final int REQUESTS = 20_000;
  private static final int BLOCK_TOKENS = 16;

  @Param({"4096", "32768"})
  public int gpuBlocks;

  private long[][] hashes;
  private int[] prompt;
  private int[] output;

  /** Scheduler steps, reported per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Steps {
    public long steps;

    @Setup(Level.Iteration)
    public void reset() {
      steps = 0;
    }
  }

  @Setup
  public void setUp() {
    SplittableRandom rnd = new SplittableRandom(42);
    long[][] prefixes = new long[64][64];
    for (int p = 0; p < prefixes.length; p++) {
      long h = p;
      for (int k = 0; k < 64; k++) {
        h = Hashing.chain(h, k);
        prefixes[p][k] = h;
      }
    }
    hashes = new long[REQUESTS][];
    prompt = new int[REQUESTS];
    output = new int[REQUESTS];
    for (int r = 0; r < REQUESTS; r++) {
      int shared = rnd.nextInt(65);
      int own = 1 + rnd.nextInt(32);
      long[] h = new long[shared + own];
      long[] prefix = prefixes[rnd.nextInt(prefixes.length)];
      long last = 0;
      for (int k = 0; k < shared; k++) {
        last = prefix[k];
        h[k] = last;
      }
      for (int k = shared; k < h.length; k++) {
        last = Hashing.chain(last, 1L << 40 | (long) r << 8 | k);
        h[k] = last;
      }
      hashes[r] = h;
      prompt[r] = h.length * BLOCK_TOKENS - rnd.nextInt(BLOCK_TOKENS);
      output[r] = 1 + rnd.nextInt(64);
    }
  }

  @Benchmark
  public long schedule(Steps counter) {
    VllmBlockPool pool = new VllmBlockPool(gpuBlocks, 4 * gpuBlocks);
    VllmScheduler s = new VllmScheduler(pool, gpuBlocks, BLOCK_TOKENS, 64, 8192, VllmObserver.NONE);
    int[] next = {0};
    s.run(sched -> {
      int r = next[0];
      if (r == REQUESTS) {
        return false;
      }
      next[0] = r + 1;
      sched.enqueue(r, prompt[r], output[r], hashes[r], 0, hashes[r].length);
      return true;
    });
    var c = s.counts(4L * gpuBlocks);
    counter.steps += c.steps();
    return c.gpuHitTokens();
  }
}
