package io.kvflow.analysis.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.BadInputException;
import io.kvflow.common.Progress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-tenant curves against a direct shared LRU cache that counts each tenant's misses. */
class TenantReuseTest {
  static final Path CHAT = Path.of("..", "sample-traces", "chat-small.parquet");

  /** Misses of each tenant in one LRU cache of {@code capacity} blocks that all tenants share. */
  static Map<String, long[]> sharedLru(int capacity) {
    LinkedHashMap<Long, Boolean> lru = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Boolean> e) {
        return size() > capacity;
      }
    };
    Map<String, long[]> out = new HashMap<>(); // tenant -> {references, misses}
    BlockStream.forEachRequestRef(CHAT, (key, b, row) -> {
      String t = b.tenant(row) == null ? TenantReuse.NO_TENANT : b.tenant(row);
      long[] c = out.computeIfAbsent(t, k -> new long[2]);
      c[0]++;
      if (lru.get(key) == null) {
        c[1]++;
        lru.put(key, Boolean.TRUE);
      }
    }, Progress.NONE);
    return out;
  }

  @Test
  void eachTenantsCurveIsItsMissRatioInTheSharedCache() {
    List<Long> sizes = List.of(10L, 100L, 1000L, 5000L);
    ObjectNode study = ReuseStudy.run(CHAT, new ReuseStudy.Options(ReuseStudy.Sampling.EXACT, 1, 0, 1, sizes, null, true),
        Progress.NONE);
    assertEquals(4, study.get("tenants").size());
    long total = 0;
    for (JsonNode t : study.get("tenants")) {
      total += t.get("accesses").asLong();
    }
    assertEquals(study.get("accesses").asLong(), total);
    for (long c : sizes) {
      Map<String, long[]> direct = sharedLru((int) c);
      for (JsonNode t : study.get("tenants")) {
        long[] d = direct.get(t.get("tenant").asText());
        assertEquals(d[0], t.get("accesses").asLong());
        double ratio = 0;
        for (JsonNode p : t.get("mrc")) {
          if (p.get(0).asLong() == c) {
            ratio = p.get(1).asDouble();
          }
        }
        assertEquals((double) d[1] / d[0], ratio, 1e-12, t.get("tenant").asText() + " at " + c);
      }
    }
    // the whole-trace fields are those of the plain exact study
    ObjectNode plain = ReuseStudy.run(CHAT, new ReuseStudy.Options(ReuseStudy.Sampling.EXACT, 1, 0, 1, sizes, null),
        Progress.NONE);
    assertEquals(plain.get("mrc"), study.get("mrc"));
    assertEquals(plain.get("histogram"), study.get("histogram"));
    assertEquals(plain.get("reuse_time_log2"), study.get("reuse_time_log2"));
  }

  @Test
  void anAccessesTraceHasNoTenants() {
    Path zipf = Path.of("..", "sample-traces", "zipf-small.parquet");
    BadInputException e = assertThrows(BadInputException.class, () -> ReuseStudy.run(zipf,
        new ReuseStudy.Options(ReuseStudy.Sampling.EXACT, 1, 0, 1, List.of(), null, true), Progress.NONE));
    assertEquals(true, e.getMessage().contains("zipf-small.parquet"));
  }
}
