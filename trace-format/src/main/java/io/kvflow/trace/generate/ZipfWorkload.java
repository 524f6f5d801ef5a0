package io.kvflow.trace.generate;

import io.kvflow.common.Progress;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.AccessTraceWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * The classic cache-simulation workload: N reads over M keys with Zipf(alpha) popularity. Key
 * {@code k} is the k-th most popular; rows carry request 0, step 0, layer -1 (all layers).
 */
final class ZipfWorkload implements WorkloadGenerator {
  @Override
  public String description() {
    return "key-only accesses trace: N reads over M keys with Zipf(alpha) popularity";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(
        ParamSpec.SEED,
        ParamSpec.ofLong("accesses", 1_000_000, "reads to generate"),
        ParamSpec.ofInt("keys", 100_000, ParamSpec.MAX_ITEMS, "distinct keys (blocks)"),
        ParamSpec.ofDouble("alpha", 1.0, "Zipf exponent (0 is uniform)"),
        ParamSpec.ofLong("interval-ns", 1000, "simulated time between reads"),
        ParamSpec.ofInt("block-tokens", 16, Short.MAX_VALUE, "tokens per block"));
  }

  @Override
  public long generate(Params params, Path out, Progress progress) {
    long accesses = params.longAtLeast("accesses", 1);
    int keys = params.intAtLeast("keys", 1);
    double alpha = params.doubleIn("alpha", 0, 10);
    long interval = params.longAtLeast("interval-ns", 0);
    if (accesses > 1 && interval > Long.MAX_VALUE / (accesses - 1)) {
      throw new io.kvflow.common.BadInputException("option --interval-ns: " + interval + " ns between " + accesses
          + " reads passes the largest time_ns (2^63-1 ns); at most " + Long.MAX_VALUE / (accesses - 1)
          + " with --accesses " + accesses);
    }
    int blockTokens = params.intAtLeast("block-tokens", 1);
    if (blockTokens > Short.MAX_VALUE) {
      throw new io.kvflow.common.BadInputException("option --block-tokens: " + blockTokens + " must be <= 32767");
    }
    Rng rng = new Rng(params.getLong("seed"));
    ZipfSampler zipf = new ZipfSampler(keys, alpha);
    TraceMetadata meta = TraceMetadata.of(TraceKind.ACCESSES, blockTokens, "kvflow generate zipf " + params.canonical())
        .withGenerator("zipf", params.getLong("seed"));
    try (AccessTraceWriter w = AccessTraceWriter.open(out, meta)) {
      for (long i = 0; i < accesses; i++) {
        w.append(i * interval, 0, 0, -1, zipf.sample(rng), AccessOp.READ.code(), blockTokens, Float.NaN);
        if ((i & 0xFFFFF) == 0) {
          progress.update(i, accesses);
        }
      }
      w.commit();
      progress.update(accesses, accesses);
      return w.rows();
    }
  }
}
