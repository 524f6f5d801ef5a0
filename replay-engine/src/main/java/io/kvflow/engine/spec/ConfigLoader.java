package io.kvflow.engine.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvflow.common.BadInputException;
import io.kvflow.common.FileKind;
import io.kvflow.common.InputCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads a {@link ReplayConfig} from a file or a shipped preset, reporting errors by JSON path. */
public final class ConfigLoader {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private ConfigLoader() {}

  /**
   * A config file path, or the name of a shipped config ({@link Presets#CONFIGS}); a shipped name
   * wins over a file of the same name unless the argument has a path separator or ends in .json.
   */
  public static LoadedConfig load(String fileOrPreset) {
    Path p = Path.of(fileOrPreset);
    boolean looksLikePath = fileOrPreset.contains("/") || fileOrPreset.contains(java.io.File.separator)
        || fileOrPreset.endsWith(".json");
    JsonNode preset = looksLikePath ? null : Presets.resource("configs", fileOrPreset);
    if (preset == null && Files.isRegularFile(p)) {
      return fromFile(p);
    }
    if (preset != null) {
      return new LoadedConfig(ReplayConfig.bind(new ConfigNode("config " + fileOrPreset, "$", preset)), preset);
    }
    if (Files.isDirectory(p)) {
      throw new BadInputException(fileOrPreset + ": is a directory; expected a JSON config file");
    }
    throw new BadInputException(fileOrPreset + ": no such config file or shipped config (shipped: "
        + String.join(", ", Presets.CONFIGS) + ")");
  }

  public static LoadedConfig fromFile(Path file) {
    JsonNode tree = readJson(file);
    return new LoadedConfig(ReplayConfig.bind(new ConfigNode(file.toString(), "$", tree)), tree);
  }

  /**
   * A hardware preset name ({@link Presets#HARDWARE}) or a hardware JSON file (an object as in the
   * shipped {@code presets/hardware/*.json}); a preset name wins over a file of the same name unless
   * the argument has a path separator or ends in .json. A file must be a regular file.
   */
  public static LoadedHardware loadHardware(String fileOrPreset) {
    boolean looksLikePath = fileOrPreset.contains("/") || fileOrPreset.contains(java.io.File.separator)
        || fileOrPreset.endsWith(".json");
    JsonNode preset = looksLikePath ? null : Presets.resource("hardware", fileOrPreset);
    if (preset != null) {
      return new LoadedHardware(HardwareSpec.bind(new ConfigNode("hardware " + fileOrPreset, "$", preset)), preset, null);
    }
    Path p;
    try {
      p = Path.of(fileOrPreset);
    } catch (java.nio.file.InvalidPathException e) {
      p = null;
    }
    if (p == null || FileKind.of(p) == FileKind.ABSENT) {
      throw new BadInputException(fileOrPreset + ": no such hardware file or preset (presets: "
          + String.join(", ", Presets.HARDWARE) + ")");
    }
    InputCheck.requireRegularFile(p, "hardware");
    JsonNode tree = readJson(p);
    return new LoadedHardware(HardwareSpec.bind(new ConfigNode(p.toString(), "$", tree)), tree, p);
  }

  private static JsonNode readJson(Path file) {
    JsonNode tree;
    try {
      tree = JSON.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": no such file");
    } catch (JsonProcessingException e) {
      throw new ConfigException(file + ": not valid JSON (line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage() + ")");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")");
    }
    if (tree == null || tree.isMissingNode()) {
      throw new ConfigException(file + ": empty file; expected a JSON object");
    }
    return tree;
  }

  /** Binds a config given as JSON ({@code source} names it in errors). */
  public static LoadedConfig fromJson(String source, JsonNode tree) {
    return new LoadedConfig(ReplayConfig.bind(new ConfigNode(source, "$", tree)), tree);
  }

  /** A bound config with the JSON it came from (hashed into the report's manifest). */
  public record LoadedConfig(ReplayConfig config, JsonNode json) {}

  /** Bound hardware with the JSON it came from and its file (null for a preset). */
  public record LoadedHardware(HardwareSpec hardware, JsonNode json, Path file) {}
}
