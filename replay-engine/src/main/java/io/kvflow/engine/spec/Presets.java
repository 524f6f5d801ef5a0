package io.kvflow.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Named presets shipped as JSON resources under {@code presets/} (models, configs, hardware). */
public final class Presets {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final List<String> MODELS = List.of("llama-3-8b", "llama-3-70b", "qwen2.5-7b", "mistral-7b", "kvflow-seed",
      "kvflow-small");
  public static final List<String> CONFIGS = List.of("default", "counts", "baseline", "kvflow", "h100-8b", "h100-70b-tp8");
  public static final List<String> HARDWARE = List.of("h100-sxm", "h200", "kvflow-seed");

  private Presets() {}

  public static String modelNames() {
    return String.join(", ", MODELS);
  }

  /** The JSON text of preset {@code kind/name}, or null. */
  public static JsonNode resource(String kind, String name) {
    if (!name.matches("[a-z0-9][a-z0-9._-]*")) {
      return null;
    }
    try (InputStream in = Presets.class.getResourceAsStream("/presets/" + kind + "/" + name + ".json")) {
      return in == null ? null : JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("preset " + kind + "/" + name + " is unreadable", e);
    }
  }

  /** The hardware preset {@code name}, or null. */
  public static HardwareSpec hardware(String name) {
    JsonNode n = resource("hardware", name);
    return n == null ? null : HardwareSpec.bind(new ConfigNode("preset hardware/" + name, "$", n));
  }

  public static ModelSpec model(String name, String source, String path) {
    JsonNode n = resource("models", name);
    if (n == null) {
      throw new ConfigException(source + ": " + path + ": unknown model preset '" + name + "'; presets are " + modelNames()
          + io.kvflow.common.DidYouMean.hint(name, MODELS));
    }
    return ModelSpec.bind(new ConfigNode("preset models/" + name, "$", n));
  }
}
