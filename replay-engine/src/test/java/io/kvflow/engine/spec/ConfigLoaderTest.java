package io.kvflow.engine.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad configurations are refused naming the JSON path; shipped presets load. */
class ConfigLoaderTest {
  @TempDir
  Path dir;

  private static final String TIER = "{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 10}";

  private String fails(String json) throws Exception {
    Path f = Files.writeString(dir.resolve("c.json"), json);
    BadInputException e = assertThrows(BadInputException.class, () -> ConfigLoader.load(f.toString()));
    assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
    return e.getMessage();
  }

  @Test
  void shippedConfigsAndModelsLoad() {
    for (String name : Presets.CONFIGS) {
      if (Presets.resource("configs", name) != null) {
        ConfigLoader.load(name);
      }
    }
    for (String m : Presets.MODELS) {
      ModelSpec s = Presets.model(m, "test", "$");
      assertTrue(s.layers() > 0);
    }
    ModelSpec seed = Presets.model("kvflow-seed", "t", "$");
    assertEquals(32, seed.layers());
    assertEquals(32, seed.kvHeads());
    assertEquals(128, seed.headDim());
    assertEquals(16, seed.blockTokens());
    assertEquals(2L * 32 * 128 * 2 * 16, seed.blockBytesPerLayer(16));
  }

  @Test
  void errorsNameTheJsonPath() throws Exception {
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 10, \"policy\": \"nope\"}]}")
        .contains("$.tiers[0].policy: 'nope' is not one of"));
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 0}]}")
        .contains("$.tiers[0].capacity_blocks: 0 must be"));
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_bytes\": -5}]}")
        .contains("$.tiers[0].capacity_bytes: -5 must be"));
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"d\", \"kind\": \"dram\", \"capacity_blocks\": 10}, " + TIER + "]}")
        .contains("$.tiers[1].kind: tiers out of order"));
    assertTrue(fails("{\"model\": \"gpt-9\", \"tiers\": [" + TIER + "]}").contains("$.model: unknown model preset 'gpt-9'"));
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [" + TIER + "], \"hierachy\": \"exclusive\"}")
        .contains("$.hierachy: unknown field"));
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 1, \"colour\": 1}]}")
        .contains("$.tiers[0].colour: unknown field"));
    assertTrue(fails("{\"model\": {\"layers\": 0, \"kv_heads\": 8, \"head_dim\": 128}, \"tiers\": [" + TIER + "]}")
        .contains("$.model.layers: 0 must be"));
    assertTrue(fails("{\"tiers\": [" + TIER + "]}").contains("$.model: missing"));
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": []}").contains("$.tiers: at least one tier"));
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [" + TIER + "], \"max_batch\": \"x\"}")
        .contains("$.max_batch: expected an integer"));
    assertTrue(fails("{\"model\": ").contains("not valid JSON"));
    assertTrue(fails("").contains("empty file"));
  }

  private static final String HBM_DRAM = "\"tiers\": [" + TIER + ", {\"name\": \"d\", \"kind\": \"dram\", \"capacity_blocks\": 10}]";

  private static String hw(String link) {
    return "{\"model\": \"llama-3-8b\", " + HBM_DRAM + ", \"hardware\": {\"hbm_bandwidth_bps\": 3e12, \"peak_flops\": 1e15, "
        + "\"links\": [" + link + "]}}";
  }

  @Test
  void timingErrorsNameTheJsonPath() throws Exception {
    assertTrue(fails(hw("{\"name\": \"p\", \"from\": \"dram\", \"to\": \"hbm\", \"bandwidth_bps\": -5}"))
        .contains("$.hardware.links[0].bandwidth_bps: -5.0 must be in [1000000, "));
    assertTrue(fails(hw("{\"name\": \"p\", \"from\": \"dram\", \"to\": \"hbm\", \"bandwidth_bps\": 5e10, \"dma_engines\": 0}"))
        .contains("$.hardware.links[0].dma_engines: 0 must be"));
    assertTrue(fails(hw("{\"name\": \"p\", \"from\": \"ssd\", \"to\": \"hbm\", \"bandwidth_bps\": 5e10}"))
        .contains("$.hardware.links[0].from: no tier of kind 'ssd'"));
    assertTrue(fails(hw("{\"name\": \"p\", \"from\": \"dram\", \"to\": \"gpu\", \"bandwidth_bps\": 5e10}"))
        .contains("$.hardware.links[0].to: no tier of kind 'gpu'"));
    assertTrue(fails("{\"model\": \"llama-3-8b\", " + HBM_DRAM + ", \"hardware\": \"h100-sxm\", "
        + "\"prefetch\": {\"policy\": \"layer-ahead\", \"depth\": -1}}").contains("$.prefetch.depth: -1 must be"));
    assertTrue(fails("{\"model\": \"llama-3-8b\", " + HBM_DRAM + ", \"hardware\": \"tpu\"}")
        .contains("$.hardware: unknown hardware preset 'tpu'"));
    assertTrue(fails("{\"model\": \"llama-3-8b\", " + HBM_DRAM + ", \"prefetch\": {\"policy\": \"none\"}}")
        .contains("$.prefetch: applies to the timing model only"));
    assertTrue(fails("{\"model\": \"llama-3-8b\", \"tiers\": [" + TIER + ", {\"name\": \"s\", \"kind\": \"ssd\", "
        + "\"capacity_blocks\": 10}], \"hardware\": {\"hbm_bandwidth_bps\": 3e12, \"peak_flops\": 1e15, \"links\": []}}")
        .contains("$.tiers[1]: no link from ssd to hbm"));
  }

  @Test
  void missingConfigIsBadInput() {
    BadInputException e = assertThrows(BadInputException.class, () -> ConfigLoader.load(dir.resolve("none.json").toString()));
    assertTrue(e.getMessage().contains("no such config file or shipped config"));
  }
}
