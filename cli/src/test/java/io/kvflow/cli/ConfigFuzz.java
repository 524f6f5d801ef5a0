package io.kvflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Hostile configs made from the shipped ones: seeded mutations of the configs in {@code
 * presets/configs/} and {@code docs/examples/} (each also with its model and hardware presets
 * written inline, so their fields are mutated too) for {@link ConfigFuzzTest}. A config that places
 * single block layers ({@code "placement": "block-layer"}: baseline, kvflow, the docs examples) is
 * fuzzed with {@code "placement": "block"}: on the requests trace the fuzz replays, block layers are
 * 32 times the units and take 1-2 minutes a replay (2 cores), past the time guard of a case.
 *
 * <p>Case {@code i} is a pure function of {@code i}: its kind is {@code i} modulo the kinds, its
 * seed config and mutation come from a random source seeded with {@code i}, so a case reproduces
 * from its number alone.
 */
final class ConfigFuzz {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** How a case damages its seed. */
  enum Kind {
    /** A value replaced by an extreme number: 0, -1, 2^31, 2^63, 2^64, 1e308, 1e400, 10^100, -0.0, 5e-324... */
    EXTREME_NUMBER,
    /** A number multiplied by 10^k (k in -30..30) or moved to a power of two, an integer limit or its negation. */
    SCALED_NUMBER,
    /** A value replaced by one of another type (string, boolean, null, array, object). */
    WRONG_TYPE,
    /** A field removed, or a field added (unknown, or one that belongs elsewhere). */
    FIELD_ADDED_OR_REMOVED,
    /** An array grown to 17..200,000 elements (tiers, links, curve points), or a value replaced by one. */
    HUGE_ARRAY,
    /** A value wrapped in 10..100,000 levels of arrays or objects. */
    DEEP_NESTING,
    /** Invalid UTF-8 bytes (stray continuation, overlong, surrogate, truncated sequence, 0xFF) put in the text. */
    BAD_UTF8,
    /** The text cut short or a byte replaced by punctuation. */
    DAMAGED_TEXT,
    /** A string replaced by text with control characters, escape sequences, line separators or 100,000 characters. */
    HOSTILE_STRING,
    /** Two to four of the tree mutations above together. */
    COMBINED
  }

  /** A config to start from: its name and its JSON. */
  record Seed(String name, ObjectNode json) {}

  /** One fuzz case: its number, kind, seed, what it did, and the bytes of the config file. */
  record Case(int index, Kind kind, String seed, String mutation, byte[] bytes) {
    String describe() {
      return "case " + index + " (" + kind + " of " + seed + ": " + mutation + ")";
    }
  }

  private static final String[] EXTREME = {"0", "-1", "1", "2147483647", "2147483648", "-2147483649",
      "4294967296", "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
      "18446744073709551616", "1e308", "-1e308", "1e400", "-1e400", "5e-324", "1e-320", "-0.0", "0.5", "1.5e19",
      "123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012",
      "0.000000000000000000000000000000000000000000000001", "1E+2147483647"};

  private static final String[] HOSTILE = {"\u001b[31mred\u001b[0m", "a\nb", "a\rb", "line\u2028separator",
      "para\u2029graph", "bidi\u202eoverride", "nul\u0000byte", "bell\u0007", "tab\there", "\ud800lone", "\ufeffbom",
      "zero\u200bwidth", "c1\u0085next", "", " ", "\\", "\"", "$.tiers[0]", "../../etc/passwd", "lru\u0000"};

  private ConfigFuzz() {}

  /** The seeds: every shipped config and docs example, as written and with presets inlined. */
  static List<Seed> seeds() {
    List<Seed> seeds = new ArrayList<>();
    for (String name : List.of("default", "baseline", "kvflow", "h100-8b", "h100-70b-tp8")) {
      add(seeds, "presets/configs/" + name, (ObjectNode) resource("configs", name));
    }
    Path examples = Path.of("..", "docs", "examples");
    try (DirectoryStream<Path> d = Files.newDirectoryStream(examples, "*.json")) {
      List<Path> files = new ArrayList<>();
      d.forEach(files::add);
      files.sort(null);
      for (Path p : files) {
        add(seeds, "docs/examples/" + p.getFileName(), (ObjectNode) JSON.readTree(p.toFile()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return seeds;
  }

  private static void add(List<Seed> seeds, String name, ObjectNode json) {
    if (json.path("placement").asText().equals("block-layer")) {
      json.put("placement", "block");
      name += " (placement block)";
    }
    seeds.add(new Seed(name, json));
    ObjectNode inline = json.deepCopy();
    if (inline.path("model").isTextual()) {
      inline.set("model", resource("models", inline.get("model").asText()));
    }
    if (inline.path("hardware").isTextual()) {
      ObjectNode hw = (ObjectNode) resource("hardware", inline.get("hardware").asText());
      // a link written in the config joins kinds of its own tiers
      Set<String> kinds = new HashSet<>();
      inline.get("tiers").forEach(t -> kinds.add(t.path("kind").asText()));
      ArrayNode links = F.arrayNode();
      hw.path("links").forEach(l -> {
        if (kinds.contains(l.path("from").asText()) && kinds.contains(l.path("to").asText())) {
          links.add(l);
        }
      });
      hw.set("links", links);
      inline.set("hardware", hw);
    }
    if (!inline.equals(json)) {
      seeds.add(new Seed(name + " (presets inline)", inline));
    }
  }

  private static JsonNode resource(String kind, String name) {
    try (InputStream in = ConfigFuzz.class.getResourceAsStream("/presets/" + kind + "/" + name + ".json")) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Case {@code index}: kind {@code index % kinds}, everything else from a source seeded with it. */
  static Case make(int index, List<Seed> seeds) {
    Kind kind = Kind.values()[index % Kind.values().length];
    SplittableRandom rnd = new SplittableRandom(0x6b76666c6f77L ^ (index * 0x9E3779B97F4A7C15L));
    Seed seed = seeds.get(rnd.nextInt(seeds.size()));
    ObjectNode json = seed.json().deepCopy();
    Raw raw = new Raw();
    StringBuilder what = new StringBuilder();
    switch (kind) {
      case BAD_UTF8, DAMAGED_TEXT -> {
        byte[] text = text(json, raw);
        byte[] bytes = kind == Kind.BAD_UTF8 ? badUtf8(text, rnd, what) : damaged(text, rnd, what);
        return new Case(index, kind, seed.name(), what.toString(), bytes);
      }
      case COMBINED -> {
        int n = 2 + rnd.nextInt(3);
        for (int k = 0; k < n; k++) {
          Kind one = Kind.values()[rnd.nextInt(Kind.HOSTILE_STRING.ordinal() + 1)];
          if (one == Kind.BAD_UTF8 || one == Kind.DAMAGED_TEXT) {
            one = Kind.SCALED_NUMBER;
          }
          what.append(k == 0 ? "" : "; ").append(one).append(' ');
          mutate(one, json, rnd, raw, what);
        }
      }
      default -> mutate(kind, json, rnd, raw, what);
    }
    return new Case(index, kind, seed.name(), what.toString(), text(json, raw));
  }

  /** Text put in place of placeholder strings after serialising (numbers Jackson would not write, deep nesting). */
  private static final class Raw {
    final List<String> texts = new ArrayList<>();

    JsonNode placeholder(String text) {
      texts.add(text);
      return F.textNode("\u0001raw" + (texts.size() - 1) + "\u0001");
    }
  }

  private static byte[] text(ObjectNode json, Raw raw) {
    String s = json.toString();
    for (int i = 0; i < raw.texts.size(); i++) {
      s = s.replace("\"\\u0001raw" + i + "\\u0001\"", raw.texts.get(i));
    }
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A place in the tree: the container and the field name or index of one of its values. */
  private record Slot(JsonNode parent, String field, int index, String path) {
    JsonNode get() {
      return field != null ? parent.get(field) : parent.get(index);
    }

    void set(JsonNode v) {
      if (field != null) {
        ((ObjectNode) parent).set(field, v);
      } else {
        ((ArrayNode) parent).set(index, v);
      }
    }
  }

  private static void slots(JsonNode node, String path, List<Slot> out) {
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = path + "." + e.getKey();
        out.add(new Slot(node, e.getKey(), -1, p));
        slots(e.getValue(), p, out);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String p = path + "[" + i + "]";
        out.add(new Slot(node, null, i, p));
        slots(node.get(i), p, out);
      }
    }
  }

  private static Slot pick(ObjectNode json, SplittableRandom rnd, java.util.function.Predicate<JsonNode> which) {
    List<Slot> all = new ArrayList<>();
    slots(json, "$", all);
    List<Slot> fit = all.stream().filter(s -> which.test(s.get())).toList();
    List<Slot> from = fit.isEmpty() ? all : fit;
    return from.get(rnd.nextInt(from.size()));
  }

  private static void mutate(Kind kind, ObjectNode json, SplittableRandom rnd, Raw raw, StringBuilder what) {
    switch (kind) {
      case EXTREME_NUMBER -> {
        Slot s = pick(json, rnd, n -> n.isNumber() || rnd.nextInt(4) == 0);
        String v = EXTREME[rnd.nextInt(EXTREME.length)];
        s.set(raw.placeholder(v));
        what.append(s.path()).append(" = ").append(v);
      }
      case SCALED_NUMBER -> {
        Slot s = pick(json, rnd, JsonNode::isNumber);
        JsonNode old = s.get();
        double x = old.isNumber() ? old.asDouble() : 1;
        String v = switch (rnd.nextInt(6)) {
          case 0 -> scaled(x * Math.pow(10, rnd.nextInt(61) - 30));
          case 1 -> Long.toString(1L << rnd.nextInt(63));
          case 2 -> Long.toString((1L << rnd.nextInt(63)) - 1);
          case 3 -> scaled(-x);
          case 4 -> Long.toString(rnd.nextBoolean() ? Integer.MAX_VALUE : Long.MAX_VALUE);
          default -> scaled(x * (1 + rnd.nextInt(1000)));
        };
        s.set(raw.placeholder(v));
        what.append(s.path()).append(" = ").append(v);
      }
      case WRONG_TYPE -> {
        Slot s = pick(json, rnd, n -> true);
        JsonNode v = switch (rnd.nextInt(8)) {
          case 0 -> F.textNode("x");
          case 1 -> F.textNode(s.get().asText());
          case 2 -> F.booleanNode(rnd.nextBoolean());
          case 3 -> F.nullNode();
          case 4 -> F.arrayNode();
          case 5 -> F.objectNode();
          case 6 -> F.arrayNode().add(s.get().deepCopy());
          default -> F.objectNode().set("value", s.get().deepCopy());
        };
        s.set(v);
        what.append(s.path()).append(" = ").append(abbreviate(v.toString()));
      }
      case FIELD_ADDED_OR_REMOVED -> {
        if (rnd.nextBoolean()) {
          Slot s = pick(json, rnd, n -> true);
          if (s.field() != null) {
            ((ObjectNode) s.parent()).remove(s.field());
          } else {
            ((ArrayNode) s.parent()).remove(s.index());
          }
          what.append("removed ").append(s.path());
        } else {
          List<Slot> all = new ArrayList<>();
          slots(json, "$", all);
          Slot from = all.get(rnd.nextInt(all.size()));
          Slot into = pick(json, rnd, JsonNode::isObject);
          JsonNode target = into.get().isObject() ? into.get() : json;
          String name = from.field() != null && rnd.nextBoolean() ? from.field() : "unknown_" + rnd.nextInt(100);
          ((ObjectNode) target).set(name, from.get().deepCopy());
          what.append("added ").append(into.get().isObject() ? into.path() : "$").append('.').append(name);
        }
      }
      case HUGE_ARRAY -> {
        int[] sizes = {17, 65, 257, 1000, 10_000, 200_000};
        int n = sizes[rnd.nextInt(sizes.length)];
        Slot s = pick(json, rnd, n2 -> n2.isArray() || rnd.nextInt(8) == 0);
        ArrayNode grown = F.arrayNode();
        JsonNode old = s.get();
        // past the 16 MiB a config may have, but not so far that the test's own heap fills
        n = (int) Math.min(n, (32 << 20) / Math.max(1, old.toString().length()));
        for (int i = 0; i < n; i++) {
          JsonNode e = old.isArray() && !old.isEmpty() ? old.get(i % old.size()).deepCopy() : old.deepCopy();
          if (e.isObject() && e.has("name")) {
            ((ObjectNode) e).put("name", e.get("name").asText() + i); // tiers and links need unique names
          }
          grown.add(e);
        }
        s.set(grown);
        what.append(s.path()).append(" has ").append(n).append(" elements");
      }
      case DEEP_NESTING -> {
        int[] depths = {10, 63, 64, 65, 100, 1000, 5000, 100_000};
        int depth = depths[rnd.nextInt(depths.length)];
        Slot s = pick(json, rnd, n -> true);
        boolean arrays = rnd.nextBoolean();
        String inner = s.get().toString();
        StringBuilder b = new StringBuilder(depth * 6 + inner.length());
        for (int i = 0; i < depth; i++) {
          b.append(arrays ? "[" : "{\"a\":");
        }
        b.append(inner);
        for (int i = 0; i < depth; i++) {
          b.append(arrays ? "]" : "}");
        }
        s.set(raw.placeholder(b.toString()));
        what.append(s.path()).append(" nested ").append(depth).append(arrays ? " arrays" : " objects").append(" deep");
      }
      case HOSTILE_STRING -> {
        Slot s = pick(json, rnd, JsonNode::isTextual);
        String v = rnd.nextInt(8) == 0 ? "x".repeat(100_000) : HOSTILE[rnd.nextInt(HOSTILE.length)];
        if (rnd.nextBoolean() && s.get().isTextual()) {
          v = s.get().asText() + v;
        }
        s.set(F.textNode(v));
        what.append(s.path()).append(" = ").append(abbreviate(F.textNode(v).toString()));
      }
      default -> throw new IllegalArgumentException(kind.toString());
    }
  }

  private static String scaled(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 9.2e18) {
      return Long.toString((long) v);
    }
    return Double.toString(v); // Infinity is not JSON: a case of its own
  }

  private static byte[] badUtf8(byte[] text, SplittableRandom rnd, StringBuilder what) {
    byte[][] bad = {{(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0x80}, {(byte) 0xBF}, {(byte) 0xC0, (byte) 0x80},
        {(byte) 0xC1, (byte) 0xBF}, {(byte) 0xE0, (byte) 0x80, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80},
        {(byte) 0xE2, (byte) 0x82}, {(byte) 0xC3}};
    byte[] b = bad[rnd.nextInt(bad.length)];
    // inside a string value most of the time (where a lenient reader would keep it), else anywhere
    int at = rnd.nextInt(text.length + 1);
    if (rnd.nextInt(4) != 0) {
      List<Integer> quotes = new ArrayList<>();
      for (int i = 0; i < text.length; i++) {
        if (text[i] == '"') {
          quotes.add(i + 1);
        }
      }
      at = quotes.isEmpty() ? at : quotes.get(rnd.nextInt(quotes.size()));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length + 4);
    out.write(text, 0, at);
    out.write(b, 0, b.length);
    out.write(text, at, text.length - at);
    StringBuilder hex = new StringBuilder();
    for (byte x : b) {
      hex.append(String.format("%02X", x & 0xFF));
    }
    what.append("bytes ").append(hex).append(" at offset ").append(at);
    return out.toByteArray();
  }

  private static byte[] damaged(byte[] text, SplittableRandom rnd, StringBuilder what) {
    if (rnd.nextBoolean()) {
      int at = rnd.nextInt(text.length);
      what.append("cut at byte ").append(at).append(" of ").append(text.length);
      return java.util.Arrays.copyOf(text, at);
    }
    byte[] b = text.clone();
    String punctuation = "{}[],:\"\\0-+.eE ";
    int at = rnd.nextInt(b.length);
    b[at] = (byte) punctuation.charAt(rnd.nextInt(punctuation.length()));
    what.append("byte ").append(at).append(" = '").append((char) b[at]).append('\'');
    return b;
  }

  private static String abbreviate(String s) {
    String t = s.length() <= 60 ? s : s.substring(0, 57) + "...";
    StringBuilder b = new StringBuilder();
    for (char c : t.toCharArray()) {
      b.append(c < 0x20 || (c >= 0x7f && c <= 0x9f) || c > 0x2000 ? String.format("\\u%04X", (int) c) : String.valueOf(c));
    }
    return b.toString();
  }
}
