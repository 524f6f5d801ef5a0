package io.kvflow.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvflow.common.Progress;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.spec.AdmissionKind;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.Expansion;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.spec.TierConfig;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.imports.ImportFormat;
import io.kvflow.trace.imports.ImportOptions;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Mooncake conversation trace, one LRU tier, block references replayed one access at a time in
 * request order: the replay's hit ratio equals an independent implementation of the definition.
 */
class MooncakeLruAcceptanceTest {
  @TempDir
  static Path dir;
  static Path trace;

  @BeforeAll
  static void importTrace() {
    trace = dir.resolve("conversation.parquet");
    ImportFormat.MOONCAKE.create().importTrace(Path.of("..", "sample-traces", "real", "mooncake",
        "conversation_trace.jsonl.gz"), trace, ImportOptions.DEFAULT, Progress.NONE);
  }

  /** LRU over the reference stream with java.util's access-ordered LinkedHashMap. */
  static double independentLruHitRatio(Path file, int capacity) {
    LinkedHashMap<Long, Boolean> lru = new LinkedHashMap<>(capacity * 2, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
        return size() > capacity;
      }
    };
    long refs = 0;
    long hits = 0;
    try (TraceReader r = TraceReader.open(file); RequestBatch b = r.newRequestBatch(1024)) {
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          for (int k = b.hashStart(i); k < b.hashEnd(i); k++) {
            refs++;
            if (lru.get(b.hash(k)) != null) {
              hits++;
            } else {
              lru.put(b.hash(k), Boolean.TRUE);
            }
          }
        }
      }
    }
    return (double) hits / refs;
  }

  /**
   * A tier runs its own policy wherever it sits: as the second tier under a first tier that admits
   * nothing it sees exactly the accesses it sees alone, so hits, evictions and evicted_unused are
   * the same (before look-up was split from admission, every lower tier acted as LRU).
   */
  @ParameterizedTest
  @EnumSource(value = PolicyKind.class, names = "OPT", mode = EnumSource.Mode.EXCLUDE)
  void aPolicyBehavesTheSameAsTheFirstTierOrBelowATierThatAdmitsNothing(PolicyKind kind) {
    ReplayConfig base = ConfigLoader.load("counts").config().withExpansion(Expansion.PREFIX);
    TierConfig alone = base.tiers().get(1).withPolicy(kind).withCapacityBlocks(10_000);
    TierConfig hbm = base.tiers().get(0);
    TierConfig closed = new TierConfig(hbm.tier(), 10, PolicyKind.LRU, AdmissionKind.NEVER, 1, 0, 2, hbm.codec());
    ReplayResult one = ReplayEngine.run(trace, base.withTiers(List.of(alone)), List.of(), Progress.NONE);
    ReplayResult two = ReplayEngine.run(trace, base.withTiers(List.of(closed, alone)), List.of(), Progress.NONE);
    TierResult a = one.tiers().get(0);
    TierResult b = two.tiers().get(1);
    assertEquals(a.hits(), b.hits(), kind + ": hits");
    assertEquals(a.evictions(), b.evictions(), kind + ": evictions");
    assertEquals(a.evictedUnused(), b.evictedUnused(), kind + ": evicted_unused");
    assertEquals(0, two.tiers().get(0).hits());
    if (kind == PolicyKind.FIFO) {
      assertEquals(53_812, b.hits()); // the reproduction: 60,921 (LRU's figure) before the fix
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1_000, 10_000, 30_000, 50_000, 100_000})
  void replayHitRatioEqualsTheDefinition(int capacity) {
    ReplayConfig base = ConfigLoader.load("counts").config();
    ReplayConfig c = base.withTiers(List.of(base.tiers().get(0).withCapacityBlocks(capacity)))
        .withExpansion(Expansion.PREFIX);
    ReplayResult r = ReplayEngine.run(trace, c, List.of(), Progress.NONE);
    double expected = independentLruHitRatio(trace, capacity);
    assertEquals(288_500, r.tiers().get(0).accesses());
    assertEquals(String.format("%.4f", expected), String.format("%.4f", r.tiers().get(0).hitRatio()));
    assertEquals(expected, r.tiers().get(0).hitRatio(), 1e-12);
    assertEquals(r.tiers().get(0).hitRatio(), r.prefixBlockHitRatio(), 1e-12);
  }
}
