package io.kvflow.engine.residency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.ReplayConfig;

/** Configurations for residency tests, written as JSON and bound by the project's loader. */
final class TestConfigs {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** 2 layers, 1 KV head of dim 4, fp16, 4-token blocks: 16 B a token a layer, 64 B a layer-block, 128 B a block. */
  static final String TINY_MODEL = "{\"name\": \"tiny\", \"layers\": 2, \"kv_heads\": 1, \"head_dim\": 4, "
      + "\"kv_dtype_bytes\": 2, \"block_tokens\": 4}";

  private TestConfigs() {}

  static ReplayConfig bind(String json) {
    try {
      return ConfigLoader.fromJson("test config", JSON.readTree(json)).config();
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("test config is not JSON: " + json, e);
    }
  }

  /** The tiny model over {@code tiers} (JSON objects), under {@code hierarchy}. */
  static ReplayConfig tiny(String hierarchy, String... tiers) {
    return bind("{\"model\": " + TINY_MODEL + ", \"hierarchy\": \"" + hierarchy + "\", \"tiers\": ["
        + String.join(", ", tiers) + "]}");
  }

  /** A tier object: name, kind, capacity in blocks, policy and admission (a JSON value). */
  static String tier(String name, int blocks, String policy, String admission) {
    return "{\"name\": \"" + name + "\", \"kind\": \"" + name + "\", \"capacity_blocks\": " + blocks
        + ", \"policy\": \"" + policy + "\", \"admission\": " + admission + "}";
  }
}
