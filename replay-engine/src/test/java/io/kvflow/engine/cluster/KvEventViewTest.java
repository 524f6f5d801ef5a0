package io.kvflow.engine.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.Progress;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.spec.ConfigException;
import io.kvflow.trace.generate.Params;
import io.kvflow.trace.generate.Workload;
import io.kvflow.trace.generate.WorkloadGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lagging KV-event view: with lag 0 the routers make exactly the live view's choices (and the
 * events' record of every first tier matches it at the end, which every replay checks); a lag
 * longer than the trace hides every prefix, so kv-aware routes by load alone; a lag in between
 * changes the choices.
 */
class KvEventViewTest {
  @TempDir
  static Path dir;
  static Path chat;
  static Path rows;

  @BeforeAll
  static void traces() {
    WorkloadGenerator g = Workload.CHAT.create();
    chat = dir.resolve("chat.parquet");
    g.generate(new Params("chat", g.params(), Map.of("requests", "300", "sessions", "24",
        "system-prompt-tokens", "128", "user-tokens", "40", "output-tokens", "30", "max-context", "1024",
        "rate", "100", "seed", "3")), chat, Progress.NONE);
    rows = ClusterReplayTest.randomRows(dir.resolve("rows.parquet"), 3000, 11);
  }

  private static String cluster(String router, String more) {
    return "{\"instances\": 3, \"router\": \"" + router + "\"" + more + "}";
  }

  @ParameterizedTest
  @ValueSource(strings = {"kv-aware", "oracle"})
  void lagZeroIsTheLiveView(String router) {
    for (Path trace : List.of(chat, rows)) {
      List<ReplayResult> r = new ArrayList<>();
      var live = ClusterReplayTest.assignment(trace, ClusterReplayTest.config(60, "", cluster(router, "")), r);
      var events = ClusterReplayTest.assignment(trace, ClusterReplayTest.config(60, "",
          cluster(router, ", \"kv_events\": {\"lag_ns\": 0}")), r);
      assertEquals(live, events);
      ClusterReplayTest.assertSameResult(r.get(0), r.get(1));
    }
  }

  @Test
  void aLagLongerThanTheTraceRoutesByLoadAlone() {
    List<ReplayResult> r = new ArrayList<>();
    var blind = ClusterReplayTest.assignment(chat, ClusterReplayTest.config(60, "",
        cluster("kv-aware", ", \"kv_events\": {\"lag_ns\": 1000000000000}")), r);
    var loadOnly = ClusterReplayTest.assignment(chat, ClusterReplayTest.config(60, "",
        cluster("kv-aware", ", \"kv_aware\": {\"overlap_weight\": 0, \"load_weight\": 1}")), r);
    assertEquals(loadOnly, blind);
    var live = ClusterReplayTest.assignment(chat, ClusterReplayTest.config(60, "", cluster("kv-aware", "")), r);
    assertNotEquals(live, blind, "the live view routes by prefix too");
  }

  @Test
  void aLagInBetweenChangesTheChoices() {
    List<ReplayResult> r = new ArrayList<>();
    var live = ClusterReplayTest.assignment(chat, ClusterReplayTest.config(60, "", cluster("kv-aware", "")), r);
    var lagged = ClusterReplayTest.assignment(chat, ClusterReplayTest.config(60, "",
        cluster("kv-aware", ", \"kv_events\": {\"lag_ns\": 200000000}")), r);
    assertNotEquals(live, lagged);
    assertEquals(300, lagged.size());
  }

  @Test
  void aLagWithoutARouterThatReadsResidencyIsRefused() {
    String e = assertThrows(ConfigException.class, () -> ClusterReplayTest.config(60, "",
        cluster("least-loaded", ", \"kv_events\": {\"lag_ns\": 5}"))).getMessage();
    assertTrue(e.contains("$.cluster.kv_events"), e);
    e = assertThrows(ConfigException.class, () -> ClusterReplayTest.config(60, "",
        cluster("oracle", ", \"kv_events\": {\"lag_ns\": -5}"))).getMessage();
    assertTrue(e.contains("$.cluster.kv_events.lag_ns"), e);
  }
}
