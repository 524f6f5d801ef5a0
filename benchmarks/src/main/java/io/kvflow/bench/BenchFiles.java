package io.kvflow.bench;

import io.kvflow.common.Progress;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.generate.Params;
import io.kvflow.trace.generate.Workload;
import io.kvflow.trace.generate.WorkloadGenerator;
import io.kvflow.trace.imports.ImportFormat;
import io.kvflow.trace.imports.ImportOptions;
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

  /** The original study's scenario: {@code kvflow generate decode --preset kvflow-seed} (8.5M accesses). */
  static Path seedDecode() {
    return generated("seed-decode.parquet", Workload.DECODE, Map.of("preset", "kvflow-seed"));
  }

  /**
   * The Mooncake conversation trace shipped under sample-traces/, as {@code kvflow import mooncake}
   * writes it (default 512 tokens per block).
   */
  static Path mooncakeConversation() {
    Path f = dataDir().resolve("mooncake-conversation.parquet");
    if (!Files.exists(f)) {
      createDataDir();
      ImportFormat.MOONCAKE.create().importTrace(Path.of("sample-traces/real/mooncake/conversation_trace.jsonl.gz"),
          f, ImportOptions.DEFAULT, Progress.NONE);
    }
    return f;
  }

  static Path generated(String name, Workload w, Map<String, String> params) {
    Path f = dataDir().resolve(name);
    if (!Files.exists(f)) {
      createDataDir();
      WorkloadGenerator g = w.create();
      g.generate(new Params(w.cliName(), g.params(), params), f, Progress.NONE);
    }
    return f;
  }

  private static Path dataDir() {
    return Path.of(System.getProperty("kvflow.bench.data", "benchmarks/data"));
  }

  private static void createDataDir() {
    try {
      Files.createDirectories(dataDir());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
