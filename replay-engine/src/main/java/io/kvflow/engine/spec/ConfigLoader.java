package io.kvflow.engine.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvflow.common.BadInputException;
import io.kvflow.common.FileKind;
import io.kvflow.common.InputCheck;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads a {@link ReplayConfig} from a file or a shipped preset, reporting errors by JSON path. */
public final class ConfigLoader {
  /** The largest JSON file read as a config, hardware profile or sweep grid. */
  public static final long MAX_JSON_BYTES = 16L << 20;

  /** The deepest nesting of objects and arrays in such a file (a config needs 5 levels). */
  public static final int MAX_JSON_DEPTH = 64;

  private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build())
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build());

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
        + String.join(", ", Presets.CONFIGS) + ")" + io.kvflow.common.DidYouMean.hint(fileOrPreset, Presets.CONFIGS));
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
          + String.join(", ", Presets.HARDWARE) + ")" + io.kvflow.common.DidYouMean.hint(fileOrPreset, Presets.HARDWARE));
    }
    InputCheck.requireRegularFile(p, "hardware");
    JsonNode tree = readJson(p);
    return new LoadedHardware(HardwareSpec.bind(new ConfigNode(p.toString(), "$", tree)), tree, p);
  }

  /**
   * The JSON value in {@code file} (a config, a hardware profile, a sweep grid): at most {@link
   * #MAX_JSON_BYTES} bytes of UTF-8, nested at most {@link #MAX_JSON_DEPTH} levels, one value. Every
   * refusal is one line naming the file and where in it (line, column; byte offset for bad UTF-8).
   */
  public static JsonNode readJson(Path file) {
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > MAX_JSON_BYTES) {
        throw new ConfigException(file + ": " + size + " bytes; a JSON config, hardware or grid file is at most "
            + MAX_JSON_BYTES + " bytes (16 MiB)");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": no such file");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")");
    }
    if (bytes.length > MAX_JSON_BYTES) {
      throw new ConfigException(file + ": more than " + MAX_JSON_BYTES + " bytes; a JSON config, hardware or grid file "
          + "is at most 16 MiB");
    }
    String text = utf8(file, bytes);
    JsonNode tree;
    try (JsonParser p = JSON.createParser(text)) {
      try {
        tree = JSON.readTree(p);
        if (tree != null && p.nextToken() != null) {
          throw notJson(file, p.currentTokenLocation(), "text after the JSON value");
        }
      } catch (StreamConstraintsException e) {
        // the location of a limit's error is the parser's, not the exception's
        JsonLocation at = e.getLocation() != null ? e.getLocation() : p.currentLocation();
        String why = e.getOriginalMessage() != null && e.getOriginalMessage().contains("nesting depth")
            ? "objects and arrays nested more than " + MAX_JSON_DEPTH + " levels deep"
            : e.getOriginalMessage();
        throw notJson(file, at, why);
      } catch (JsonProcessingException e) {
        throw notJson(file, e.getLocation() != null ? e.getLocation() : p.currentLocation(), e.getOriginalMessage());
      }
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")");
    }
    if (tree == null || tree.isMissingNode()) {
      throw new ConfigException(file + ": empty file; expected a JSON object");
    }
    return tree;
  }

  private static ConfigException notJson(Path file, JsonLocation at, String why) {
    String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
    return new ConfigException(file + ": not valid JSON (" + where + why + ")");
  }

  /**
   * {@code bytes} decoded as UTF-8, strictly: a malformed sequence is refused naming its line,
   * column and byte offset (a lenient decoder would put U+FFFD in a name or a path unseen).
   */
  private static String utf8(Path file, byte[] bytes) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    java.nio.charset.CoderResult r = decoder.decode(in, out, true);
    if (!r.isError()) {
      r = decoder.flush(out);
    }
    if (r.isError()) {
      int offset = in.position();
      long line = 1;
      int column = 1;
      for (int i = 0; i < offset; i++) {
        if (bytes[i] == '\n') {
          line++;
          column = 1;
        } else if ((bytes[i] & 0xC0) != 0x80) {
          column++; // one character a lead byte
        }
      }
      throw new ConfigException(String.format(java.util.Locale.ROOT,
          "%s: not valid UTF-8 at line %d, column %d (byte offset %d: 0x%02X); save the file as UTF-8", file, line,
          column, offset, bytes[offset] & 0xFF));
    }
    out.flip();
    String s = out.toString();
    return s.startsWith("\uFEFF") ? s.substring(1) : s;
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
