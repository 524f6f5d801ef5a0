package io.kvflow.bench;

import io.kvflow.common.Progress;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.generate.Params;
import io.kvflow.trace.generate.Workload;
import io.kvflow.trace.generate.WorkloadGenerator;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Benchmark inputs, generated once under benchmarks/data/ when missing. */
final class BenchFiles {
  private BenchFiles() {}

  /** The 20M-access Zipf trace of the acceptance criteria (1M keys, alpha 1.0, seed 42). */
  static Path zipf20m() {
    return generated("zipf-20m.parquet", Workload.ZIPF,
        Map.of("accesses", "20000000", "keys", "1000000", "alpha", "1.0", "seed", "42"));
  }

  /** The block column of {@link #zipf20m()} in memory, for benchmarks of the algorithms alone. */
  static long[] zipf20mKeys() {
    try (TraceReader r = TraceReader.open(zipf20m(), List.of(TraceSchema.BLOCK));
        AccessBatch b = r.newAccessBatch(1 << 16)) {
      long[] keys = new long[(int) r.rowCount()];
      int n = 0;
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          keys[n++] = b.block(i);
        }
      }
      return keys;
    }
  }

  static Path generated(String name, Workload w, Map<String, String> params) {
    Path dir = Path.of(System.getProperty("kvflow.bench.data", "benchmarks/data"));
    Path f = dir.resolve(name);
    if (!Files.exists(f)) {
      try {
        Files.createDirectories(dir);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      WorkloadGenerator g = w.create();
      g.generate(new Params(w.cliName(), g.params(), params), f, Progress.NONE);
    }
    return f;
  }
}
