package io.kvflow.analysis.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.engine.spec.ConfigException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sweep grid: {@code {"axes": {"$.tiers[0].policy": ["lru", "arc"], ...}, "zip": [{"$.a": [..],
 * "$.b": [..]}]}}. Points are the cartesian product of the axes and of each zipped group (lists of
 * one group advance together and must have equal lengths). Paths address fields of a replay config
 * ({@code $.field}, {@code .field}, {@code [index]}). An optional {@code "generate"} section adds
 * seeded synthetic traces ({@link GeneratedTraces}).
 */
public final class Grid {
  /**
   * The most replays a sweep runs (grid points times traces): each is a whole replay, so a grid
   * past this is a mistake (a product of long lists) or a study to split.
   */
  public static final long MAX_POINTS = 10_000;

  private final List<List<Map<String, JsonNode>>> dimensions = new ArrayList<>();
  private final List<String> paths = new ArrayList<>();
  private GeneratedTraces generated;

  private Grid() {}

  public static Grid parse(String source, JsonNode json) {
    Grid g = new Grid();
    if (json == null || !json.isObject()) {
      throw new ConfigException(source + ": $: expected an object with \"axes\" and/or \"zip\"");
    }
    Iterator<String> names = json.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!n.equals("axes") && !n.equals("zip") && !n.equals("generate")) {
        throw new ConfigException(source + ": $." + n + ": unknown field; a grid has \"axes\", \"zip\" and \"generate\"");
      }
    }
    g.generated = GeneratedTraces.parse(source, json.get("generate"));
    JsonNode axes = json.get("axes");
    if (axes != null) {
      if (!axes.isObject()) {
        throw new ConfigException(source + ": $.axes: expected an object of path -> list of values");
      }
      axes.fields().forEachRemaining(e -> g.dimensions.add(values(source, "$.axes", e.getKey(), e.getValue(), g)));
    }
    JsonNode zip = json.get("zip");
    if (zip != null) {
      if (!zip.isArray()) {
        throw new ConfigException(source + ": $.zip: expected an array of groups");
      }
      for (int i = 0; i < zip.size(); i++) {
        JsonNode group = zip.get(i);
        String at = "$.zip[" + i + "]";
        if (!group.isObject() || group.isEmpty()) {
          throw new ConfigException(source + ": " + at + ": expected an object of path -> list of values");
        }
        List<Map<String, JsonNode>> points = null;
        Iterator<Map.Entry<String, JsonNode>> it = group.fields();
        int length = -1;
        while (it.hasNext()) {
          Map.Entry<String, JsonNode> e = it.next();
          List<Map<String, JsonNode>> v = values(source, at, e.getKey(), e.getValue(), g);
          if (length >= 0 && v.size() != length) {
            throw new ConfigException(source + ": " + at + "[\"" + e.getKey() + "\"]: " + v.size()
                + " values; the zipped lists of a group must have equal lengths (" + length + ")");
          }
          length = v.size();
          if (points == null) {
            points = v;
          } else {
            for (int k = 0; k < length; k++) {
              points.get(k).putAll(v.get(k));
            }
          }
        }
        g.dimensions.add(points);
      }
    }
    if (g.dimensions.isEmpty()) {
      throw new ConfigException(source + ": $: no axes: give \"axes\" or \"zip\"");
    }
    java.math.BigInteger points = java.math.BigInteger.ONE;
    List<String> sizes = new ArrayList<>();
    for (List<Map<String, JsonNode>> dim : g.dimensions) {
      points = points.multiply(java.math.BigInteger.valueOf(dim.size()));
      sizes.add(Integer.toString(dim.size()));
    }
    if (points.compareTo(java.math.BigInteger.valueOf(MAX_POINTS)) > 0) {
      throw new ConfigException(source + ": $: the grid has " + points + " points (" + String.join(" x ", sizes)
          + " values); a sweep runs at most " + MAX_POINTS + " replays; split it or shorten the lists");
    }
    return g;
  }

  private static List<Map<String, JsonNode>> values(String source, String at, String path, JsonNode list, Grid g) {
    if (!path.startsWith("$.")) {
      throw new ConfigException(source + ": " + at + "[\"" + path + "\"]: a path starts with $. (e.g. $.tiers[0].policy)");
    }
    if (!list.isArray() || list.isEmpty()) {
      throw new ConfigException(source + ": " + at + "[\"" + path + "\"]: expected a non-empty list of values");
    }
    g.paths.add(path);
    List<Map<String, JsonNode>> out = new ArrayList<>();
    for (JsonNode v : list) {
      Map<String, JsonNode> m = new LinkedHashMap<>();
      m.put(path, v);
      out.add(m);
    }
    return out;
  }

  /** The number of points (the product of the dimensions' lengths, at most {@link #MAX_POINTS}). */
  public int size() {
    int n = 1;
    for (List<Map<String, JsonNode>> dim : dimensions) {
      n *= dim.size();
    }
    return n;
  }

  public List<String> paths() {
    return paths;
  }

  /** The synthetic traces the grid asks for (one per seed), or null. */
  public GeneratedTraces generated() {
    return generated;
  }

  /** Every point: path -> value, in a fixed order (the first axis varies slowest). */
  public List<Map<String, JsonNode>> points() {
    List<Map<String, JsonNode>> out = new ArrayList<>();
    out.add(new LinkedHashMap<>());
    for (List<Map<String, JsonNode>> dim : dimensions) {
      List<Map<String, JsonNode>> next = new ArrayList<>();
      for (Map<String, JsonNode> p : out) {
        for (Map<String, JsonNode> v : dim) {
          Map<String, JsonNode> m = new LinkedHashMap<>(p);
          m.putAll(v);
          next.add(m);
        }
      }
      out = next;
    }
    return out;
  }

  /** A copy of {@code config} with {@code path} set to {@code value}; the path must exist up to its last step. */
  public static ObjectNode set(String source, ObjectNode config, String path, JsonNode value) {
    ObjectNode copy = config.deepCopy();
    JsonNode node = copy;
    String rest = path.substring(1);
    List<Object> steps = new ArrayList<>();
    int i = 0;
    while (i < rest.length()) {
      if (rest.charAt(i) == '.') {
        int j = i + 1;
        while (j < rest.length() && rest.charAt(j) != '.' && rest.charAt(j) != '[') {
          j++;
        }
        steps.add(rest.substring(i + 1, j));
        i = j;
      } else if (rest.charAt(i) == '[') {
        int j = rest.indexOf(']', i);
        if (j < 0) {
          throw new ConfigException(source + ": " + path + ": unclosed [");
        }
        String index = rest.substring(i + 1, j);
        if (!index.matches("[0-9]{1,9}")) {
          throw new ConfigException(source + ": " + path + ": '" + index + "' is not an index (a whole number from 0)");
        }
        steps.add(Integer.parseInt(index));
        i = j + 1;
      } else {
        throw new ConfigException(source + ": " + path + ": expected .field or [index] at '" + rest.substring(i) + "'");
      }
    }
    for (int k = 0; k < steps.size(); k++) {
      Object s = steps.get(k);
      boolean last = k == steps.size() - 1;
      if (s instanceof String f) {
        if (!node.isObject()) {
          throw new ConfigException(source + ": " + path + ": no object at ." + f);
        }
        if (last) {
          ((ObjectNode) node).set(f, value);
          return copy;
        }
        JsonNode child = node.get(f);
        if (child == null) {
          throw new ConfigException(source + ": " + path + ": the config has no ." + f + " (unknown field path)");
        }
        node = child;
      } else {
        int idx = (Integer) s;
        if (!node.isArray() || idx < 0 || idx >= node.size()) {
          throw new ConfigException(source + ": " + path + ": no element [" + idx + "] in the config");
        }
        if (last) {
          ((ArrayNode) node).set(idx, value);
          return copy;
        }
        node = node.get(idx);
      }
    }
    return copy;
  }
}
