package io.kvflow.bench;

import io.kvflow.analysis.listen.LatencyHistograms;
import io.kvflow.analysis.listen.ShardsMrcListener;
import io.kvflow.common.Progress;
import io.kvflow.engine.ReplayEngine;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.LinkSpec;
import io.kvflow.engine.spec.ReplayConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One whole tiered replay per op, {@code ReplayEngine.run} as {@code kvflow replay} calls it, with
 * simulated timing on; ms per replay:
 * <ul>
 *   <li>{@link #seed}: the original study's scenario, {@code kvflow generate decode --preset kvflow-seed}
 *       (4 requests x 8192 tokens x 128 steps x 32 layers) through the shipped {@code kvflow} config;
 *   <li>{@link #mooncake}: the Mooncake conversation trace
 *       ({@code sample-traces/real/mooncake/conversation_trace.jsonl.gz}, imported once) through the
 *       shipped {@code h100-8b} config.
 * </ul>
 * {@code listeners}: {@code none} attaches nothing; {@code latency} the latency histograms that
 * {@code kvflow replay} attaches when the config has hardware; {@code mrc+latency} adds its SHARDS
 * miss-ratio curve: every listener of {@code kvflow replay} but the CSV export, and no report.
 *
 * <p>The benchmark touches only the engine's entry point, config loading by preset name and
 * {@link Progress}, so the same file measures the engine before and after a rewrite of its
 * internals; only the listeners' constructors come from the analyzers.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "-Darrow.enable_unsafe_memory_access=true", "-Darrow.enable_null_check_for_get=false"})
@State(Scope.Benchmark)
public class FullReplayBenchmark {
  @Param({"none", "latency", "mrc+latency"})
  public String listeners;

  /** A trace and the shipped config it is replayed with. */
  public abstract static class Input {
    Path trace;
    ReplayConfig config;

    void load(Path trace, String preset) {
      this.trace = trace;
      this.config = ConfigLoader.load(preset).config();
    }
  }

  /** {@code kvflow generate decode --preset kvflow-seed}, config {@code kvflow}. */
  @State(Scope.Benchmark)
  public static class Seed extends Input {
    @Setup
    public void setUp() {
      load(BenchFiles.seedDecode(), "kvflow");
    }
  }

  /** The Mooncake conversation trace, config {@code h100-8b}. */
  @State(Scope.Benchmark)
  public static class Mooncake extends Input {
    @Setup
    public void setUp() {
      load(BenchFiles.mooncakeConversation(), "h100-8b");
    }
  }

  /** The seed replay is short and keeps speeding up over its first few runs: more warmup. */
  @Benchmark
  @Warmup(iterations = 5)
  @Measurement(iterations = 8)
  public ReplayResult seed(Seed in) {
    return replay(in);
  }

  @Benchmark
  @Warmup(iterations = 2)
  @Measurement(iterations = 5)
  public ReplayResult mooncake(Mooncake in) {
    return replay(in);
  }

  private ReplayResult replay(Input in) {
    return ReplayEngine.run(in.trace, in.config, listeners(in.config), Progress.NONE);
  }

  /** Fresh listeners per op, as each replay gets its own. */
  private List<ReplayListener> listeners(ReplayConfig config) {
    return switch (listeners) {
      case "none" -> List.of();
      case "latency" -> List.of(latencyHistograms(config));
      // in kvflow replay's order (the export, between the two, is left out)
      case "mrc+latency" -> List.of(new ShardsMrcListener(config.seed()), latencyHistograms(config));
      default -> throw new IllegalArgumentException("listeners " + listeners + ": expected none, latency, mrc+latency");
    };
  }

  /** As {@code kvflow replay} builds it: one transfer histogram per link of the config's hardware. */
  private static LatencyHistograms latencyHistograms(ReplayConfig config) {
    return new LatencyHistograms(config.timing().hardware().links().stream().map(LinkSpec::name).toList());
  }
}
