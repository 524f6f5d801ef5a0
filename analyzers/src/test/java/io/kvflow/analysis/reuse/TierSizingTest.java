package io.kvflow.analysis.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.engine.policy.PolicyKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The LRU surface from the curve equals a direct two-tier simulation; the cheapest point is right. */
class TierSizingTest {
  @Test
  void lruSurfaceFromTheCurveEqualsTwoTierSimulation() {
    long[] trace = ReuseDistanceTest.randomTrace(9, 40_000, 3000);
    ObjectNode s = TierSizing.surface(trace, trace.length, PolicyKind.LRU, List.of(10L, 100L, 500L),
        List.of(0L + 1, 200L, 1000L), 1, null, Double.NaN);
    for (JsonNode p : s.get("grid")) {
      double[] sim = TierSizing.simulate(trace, trace.length, PolicyKind.LRU, p.get("first_blocks").asLong(),
          p.get("second_blocks").asLong());
      assertEquals(sim[0], p.get("first_hit_ratio").asDouble(), 1e-12, p.toString());
      assertEquals(sim[1], p.get("combined_hit_ratio").asDouble(), 1e-12, p.toString());
    }
  }

  @Test
  void cheapestConfigurationMeetingTheTarget() {
    long[] trace = ReuseDistanceTest.randomTrace(3, 30_000, 2000);
    ObjectNode s = TierSizing.surface(trace, trace.length, PolicyKind.S3FIFO, List.of(50L, 200L, 800L),
        List.of(100L, 1000L, 3000L), 1_000_000, new double[] {10.0, 1.0}, 0.6);
    JsonNode best = s.get("cheapest");
    double bestCost = Double.MAX_VALUE;
    for (JsonNode p : s.get("grid")) {
      assertTrue(p.get("combined_hit_ratio").asDouble() >= p.get("first_hit_ratio").asDouble());
      if (p.get("combined_hit_ratio").asDouble() >= 0.6) {
        bestCost = Math.min(bestCost, p.get("cost").asDouble());
      }
    }
    assertEquals(bestCost, best.get("cost").asDouble(), 1e-9);
    assertTrue(best.get("combined_hit_ratio").asDouble() >= 0.6);
  }
}
