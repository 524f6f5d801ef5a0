package io.kvflow.analysis.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.engine.spec.ConfigException;
import org.junit.jupiter.api.Test;

/** Grids: points counted before they are made, paths with bad indices refused by path. */
class GridTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  @Test
  void aGridOfMoreThanTenThousandPointsIsRefusedBeforeItsPointsAreMade() throws Exception {
    StringBuilder values = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      values.append(i == 0 ? "" : ", ").append(i);
    }
    String axes = "{\"axes\": {\"$.seed\": [" + values + "], \"$.max_batch\": [" + values + "], \"$.max_batched_tokens\": ["
        + values + "]}}";
    ConfigException e = assertThrows(ConfigException.class, () -> Grid.parse("g.json", json(axes)));
    assertEquals("g.json: $: the grid has 1000000000 points (1000 x 1000 x 1000 values); a sweep runs at most 10000 "
        + "replays; split it or shorten the lists", e.getMessage());
    Grid ok = Grid.parse("g.json", json("{\"axes\": {\"$.seed\": [" + values + "]}, \"zip\": [{\"$.max_batch\": [1, 2], "
        + "\"$.max_batched_tokens\": [0, 8]}]}"));
    assertEquals(2000, ok.size());
    assertEquals(2000, ok.points().size());
  }

  @Test
  void aNegativeOrHugeIndexIsRefusedNamingThePath() throws Exception {
    ObjectNode config = (ObjectNode) json("{\"tiers\": [{\"policy\": \"lru\"}]}");
    for (String path : new String[] {"$.tiers[-1].policy", "$.tiers[99999999999].policy", "$.tiers[x].policy",
        "$.tiers[].policy", "$.tiers[+0].policy"}) {
      ConfigException e = assertThrows(ConfigException.class, () -> Grid.set("g.json", config, path, IntNode.valueOf(1)));
      assertTrue(e.getMessage().startsWith("g.json: " + path + ": '"), e.getMessage());
      assertTrue(e.getMessage().contains("is not an index (a whole number from 0)"), e.getMessage());
    }
    ConfigException e = assertThrows(ConfigException.class,
        () -> Grid.set("g.json", config, "$.tiers[1].policy", IntNode.valueOf(1)));
    assertEquals("g.json: $.tiers[1].policy: no element [1] in the config", e.getMessage());
    assertEquals("fifo", Grid.set("g.json", config, "$.tiers[0].policy", json("\"fifo\"")).get("tiers").get(0)
        .get("policy").asText());
  }
}
