package io.kvflow.trace.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.BadInputException;
import io.kvflow.common.Progress;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.inspect.TraceInspector;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Contract of every registered workload, plus what each one must model. */
class WorkloadGeneratorTest {
  @TempDir
  Path dir;

  private static final Map<Workload, Map<String, String>> SMALL = Map.of(
      Workload.CHAT, Map.of("requests", "300"),
      Workload.RAG, Map.of("requests", "300"),
      Workload.AGENT, Map.of("requests", "300"),
      Workload.LONG_CONTEXT, Map.of("requests", "10"),
      Workload.ZIPF, Map.of("accesses", "20000", "keys", "1000"),
      Workload.DECODE, Map.of("requests", "2", "context", "100", "steps", "5", "layers", "3"));

  private Path generate(Workload w, Map<String, String> extra, String name) {
    WorkloadGenerator g = w.create();
    Map<String, String> given = new HashMap<>(SMALL.get(w));
    given.putAll(extra);
    Path out = dir.resolve(name);
    g.generate(new Params(w.cliName(), g.params(), given), out, Progress.NONE);
    return out;
  }

  @ParameterizedTest
  @EnumSource(Workload.class)
  void sameSeedSameBytesOtherSeedOtherBytes(Workload w) throws Exception {
    byte[] a = Files.readAllBytes(generate(w, Map.of("seed", "7"), "a.parquet"));
    byte[] b = Files.readAllBytes(generate(w, Map.of("seed", "7"), "b.parquet"));
    byte[] c = Files.readAllBytes(generate(w, Map.of("seed", "8"), "c.parquet"));
    assertArrayEquals(a, b);
    assertFalse(java.util.Arrays.equals(a, c));
    ObjectNode stats = TraceInspector.inspect(dir.resolve("a.parquet"), Progress.NONE);
    assertEquals("7", stats.get("seed").asText());
    assertTrue(stats.get("rows").asLong() > 0);
  }

  @ParameterizedTest
  @EnumSource(Workload.class)
  void everyParameterHasADefaultThatParses(Workload w) {
    WorkloadGenerator g = w.create();
    assertTrue(g.params().contains(ParamSpec.SEED));
    Params p = new Params(w.cliName(), g.params(), Map.of());
    assertFalse(p.canonical().isEmpty());
  }

  @Test
  void unknownAndMalformedOptionsAreRejected() {
    WorkloadGenerator g = Workload.CHAT.create();
    assertTrue(assertThrows(BadInputException.class, () -> new Params("chat", g.params(), Map.of("keys", "3")))
        .getMessage().contains("--keys does not apply to workload chat"));
    assertTrue(assertThrows(BadInputException.class, () -> new Params("chat", g.params(), Map.of("requests", "x")))
        .getMessage().contains("--requests: 'x' is not an integer"));
    Params p = new Params("chat", g.params(), Map.of("requests", "0"));
    assertThrows(BadInputException.class, () -> g.generate(p, dir.resolve("x.parquet"), Progress.NONE));
    assertFalse(Files.exists(dir.resolve("x.parquet")));
  }

  @Test
  void chatTurnsShareTheirPrefix() {
    ObjectNode s = TraceInspector.inspect(generate(Workload.CHAT, Map.of(), "chat.parquet"), Progress.NONE);
    // every turn after the first re-sends its session's history: most block references repeat
    assertTrue(s.get("ideal_block_hit_ratio").asDouble() > 0.5, s.toString());
    assertEquals(4, s.get("tenants").asInt());
  }

  @Test
  void ragSharesLessThanChatButMoreThanNothing() {
    ObjectNode s = TraceInspector.inspect(generate(Workload.RAG, Map.of(), "rag.parquet"), Progress.NONE);
    double h = s.get("ideal_block_hit_ratio").asDouble();
    assertTrue(h > 0.05 && h < 0.9, s.toString());
  }

  @Test
  void longContextPromptsAreLong() {
    ObjectNode s = TraceInspector.inspect(generate(Workload.LONG_CONTEXT, Map.of(), "lc.parquet"), Progress.NONE);
    assertTrue(s.get("input_tokens").get("min").asInt() >= 32768 - 10_000, s.toString());
    assertTrue(s.get("input_tokens").get("max").asInt() <= 131072);
  }

  @Test
  void zipfRankZeroHasItsShare() {
    Path f = generate(Workload.ZIPF, Map.of("accesses", "200000", "keys", "1000", "alpha", "1.0"), "z.parquet");
    double harmonic = 0;
    for (int k = 1; k <= 1000; k++) {
      harmonic += 1.0 / k;
    }
    long zero = 0;
    long total = 0;
    try (TraceReader r = TraceReader.open(f); AccessBatch b = r.newAccessBatch(4096)) {
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          zero += b.block(i) == 0 ? 1 : 0;
          total++;
        }
      }
    }
    double expected = 1 / harmonic;
    assertEquals(expected, (double) zero / total, 0.005);
  }

  @Test
  void decodeHasExactRowsAndMassesSumToOne() {
    int requests = 2;
    int context = 100;
    int steps = 5;
    int layers = 3;
    int bt = 16;
    Path f = generate(Workload.DECODE, Map.of(), "d.parquet");
    long expected = (long) requests * layers * ((context + bt - 1) / bt);
    for (int s = 0; s < steps; s++) {
      expected += (long) layers * requests * ((context + s + bt - 1) / bt + 1);
    }
    Map<Long, Double> massByStep = new HashMap<>();
    long rows = 0;
    try (TraceReader r = TraceReader.open(f); AccessBatch b = r.newAccessBatch(1000)) {
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          rows++;
          if (b.hasAttnMass(i)) {
            long key = ((long) b.requestId(i) << 40) | ((long) b.step(i) << 20) | b.layer(i);
            massByStep.merge(key, (double) b.attnMass(i), Double::sum);
          }
        }
      }
    }
    assertEquals(expected, rows);
    assertEquals(requests * steps * layers, massByStep.size());
    massByStep.values().forEach(m -> assertEquals(1.0, m, 1e-4));
  }

  @Test
  void zipfSamplerMatchesItsDistribution() {
    ZipfSampler z = new ZipfSampler(10, 1.2);
    Rng rng = new Rng(3);
    long[] counts = new long[10];
    int n = 1_000_000;
    for (int i = 0; i < n; i++) {
      counts[z.sample(rng)]++;
    }
    double norm = 0;
    for (int k = 1; k <= 10; k++) {
      norm += Math.pow(k, -1.2);
    }
    for (int k = 0; k < 10; k++) {
      assertEquals(Math.pow(k + 1, -1.2) / norm, (double) counts[k] / n, 0.003, "rank " + k);
    }
  }

  @Test
  void prefixHasherSharesExactlyTheCommonPrefix() {
    PrefixHasher a = new PrefixHasher(4);
    PrefixHasher b = new PrefixHasher(4);
    a.append(1, 10);
    b.append(1, 10);
    a.append(2, 3);
    b.append(3, 3);
    long[] ha = a.copyHashes(new long[0]);
    long[] hb = b.copyHashes(new long[0]);
    assertEquals(4, a.blockCount());
    assertEquals(ha[0], hb[0]);
    assertEquals(ha[1], hb[1]);
    assertFalse(ha[2] == hb[2]); // block 2 holds tokens 8..11: two of segment 1, then different segments
    PrefixHasher partial = new PrefixHasher(4);
    partial.append(1, 10);
    long[] hp = partial.copyHashes(new long[0]);
    assertEquals(3, partial.blockCount());
    assertFalse(hp[2] == ha[2], "a partial block differs from the full block it becomes");
  }

  /** The shipped sample traces are what their documented commands make, byte for byte (sample-traces/regenerate). */
  @Test
  void sampleTracesAreReproducible() throws Exception {
    Object[][] samples = {
        {"chat-small.parquet", Workload.CHAT, Map.of("requests", "300", "seed", "7")},
        {"rag-small.parquet", Workload.RAG, Map.of("requests", "200", "seed", "7")},
        {"zipf-small.parquet", Workload.ZIPF, Map.of("accesses", "100000", "keys", "10000", "alpha", "1.0", "seed", "42")},
        {"decode-small.parquet", Workload.DECODE,
            Map.of("requests", "2", "context", "512", "steps", "16", "layers", "4", "seed", "1")}};
    for (Object[] s : samples) {
      Workload w = (Workload) s[1];
      WorkloadGenerator g = w.create();
      @SuppressWarnings("unchecked")
      Map<String, String> params = (Map<String, String>) s[2];
      Path out = dir.resolve("again-" + s[0]);
      g.generate(new Params(w.cliName(), g.params(), params), out, Progress.NONE);
      assertArrayEquals(Files.readAllBytes(Path.of("..", "sample-traces", (String) s[0])), Files.readAllBytes(out),
          s[0] + " differs from what sample-traces/regenerate makes");
    }
  }
}
