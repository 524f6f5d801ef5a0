package io.kvflow.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A JSON object being bound into a record, remembering its JSON path so every error names the
 * field ({@code $.tiers[1].capacity_bytes: ...}). {@link #finish()} rejects fields nobody read.
 */
public final class ConfigNode {
  private final String source;
  private final String path;
  private final JsonNode node;
  private final Set<String> read = new TreeSet<>();

  public ConfigNode(String source, String path, JsonNode node) {
    this.source = source;
    this.path = path;
    this.node = node;
    if (node == null || !node.isObject()) {
      throw error(path, "expected an object");
    }
  }

  public String path() {
    return path;
  }

  public ConfigException error(String at, String problem) {
    return new ConfigException(source + ": " + at + ": " + problem);
  }

  public ConfigException fieldError(String field, String problem) {
    return error(path + "." + field, problem);
  }

  /** Refuses {@code field} when it is given (not null): it cannot apply here, {@code why} says so and what to do. */
  public void rejectIfGiven(String field, String why) {
    if (has(field)) {
      throw fieldError(field, why);
    }
  }

  public boolean has(String field) {
    return node.has(field) && !node.get(field).isNull();
  }

  private JsonNode get(String field, boolean required) {
    read.add(field);
    JsonNode v = node.get(field);
    if ((v == null || v.isNull()) && required) {
      throw fieldError(field, "missing");
    }
    return v == null || v.isNull() ? null : v;
  }

  public JsonNode raw(String field) {
    return get(field, false);
  }

  public long longValue(String field, long min, long max, Long def) {
    JsonNode v = get(field, def == null);
    if (v == null) {
      return def;
    }
    if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
      throw fieldError(field, "expected an integer, got " + v);
    }
    if (!v.canConvertToLong()) {
      throw fieldError(field, v + " is out of range; it must be " + range(min, max));
    }
    long x = v.asLong();
    if (x < min || x > max) {
      throw fieldError(field, x + " must be " + range(min, max));
    }
    return x;
  }

  public int intValue(String field, int min, int max, Integer def) {
    return (int) longValue(field, min, max, def == null ? null : (long) def);
  }

  public double doubleValue(String field, double min, double max, Double def) {
    JsonNode v = get(field, def == null);
    if (v == null) {
      return def;
    }
    if (!v.isNumber()) {
      throw fieldError(field, "expected a number, got " + v);
    }
    double x = v.asDouble();
    if (!(x >= min && x <= max)) {
      throw fieldError(field, x + " must be " + range(min, max));
    }
    return x;
  }

  private static String range(double min, double max) {
    if (min == Double.MIN_VALUE) {
      // the smallest positive double is how callers ask for "positive"
      return max == Double.MAX_VALUE ? "> 0" : "in (0, " + fmt(max) + "]";
    }
    if (max >= Long.MAX_VALUE / 2.0 || max == Double.MAX_VALUE) {
      return ">= " + fmt(min);
    }
    return "in [" + fmt(min) + ", " + fmt(max) + "]";
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 9e18 ? Long.toString((long) d) : Double.toString(d);
  }

  public boolean bool(String field, boolean def) {
    JsonNode v = get(field, false);
    if (v == null) {
      return def;
    }
    if (!v.isBoolean()) {
      throw fieldError(field, "expected true or false, got " + v);
    }
    return v.asBoolean();
  }

  /** The most points of a measured curve. */
  public static final int MAX_CURVE_POINTS = 256;

  /** A list of [x, y] pairs of positive numbers, x increasing (a measured curve). */
  public double[][] pairs(String field) {
    return pairs(field, Double.MIN_VALUE, Double.MAX_VALUE);
  }

  /** A list of at most {@link #MAX_CURVE_POINTS} [x, y] pairs, x > 0 increasing, y in [minY, maxY]. */
  public double[][] pairs(String field, double minY, double maxY) {
    JsonNode v = get(field, true);
    if (!v.isArray() || v.isEmpty()) {
      throw fieldError(field, "expected a non-empty list of [x, y] pairs");
    }
    if (v.size() > MAX_CURVE_POINTS) {
      throw fieldError(field, v.size() + " points; a curve has at most " + MAX_CURVE_POINTS);
    }
    double[][] out = new double[v.size()][];
    for (int i = 0; i < v.size(); i++) {
      JsonNode p = v.get(i);
      if (!p.isArray() || p.size() != 2 || !p.get(0).isNumber() || !p.get(1).isNumber()
          || !(p.get(0).asDouble() > 0) || !(p.get(1).asDouble() > 0)) {
        throw error(path() + "." + field + "[" + i + "]", "expected [x, y] with x > 0 and y > 0, got " + p);
      }
      out[i] = new double[] {p.get(0).asDouble(), p.get(1).asDouble()};
      if (!(out[i][0] <= Double.MAX_VALUE) || !(out[i][1] >= minY && out[i][1] <= maxY)) {
        throw error(path() + "." + field + "[" + i + "]", "y " + p.get(1) + " must be " + range(minY, maxY)
            + " (and x finite)");
      }
      if (i > 0 && !(out[i][0] > out[i - 1][0])) {
        throw error(path() + "." + field + "[" + i + "]", "x must increase along the list");
      }
    }
    return out;
  }

  public String string(String field, String def) {
    JsonNode v = get(field, def == null);
    if (v == null) {
      return def;
    }
    if (!v.isTextual()) {
      throw fieldError(field, "expected a string, got " + v);
    }
    return v.asText();
  }

  /** A string naming one constant of {@code values} (by {@code nameOf}). */
  public <E> E choice(String field, E[] values, Function<E, String> nameOf, E def) {
    String s = string(field, def == null ? null : nameOf.apply(def));
    for (E e : values) {
      if (nameOf.apply(e).equals(s)) {
        return e;
      }
    }
    List<String> names = new ArrayList<>();
    for (E e : values) {
      names.add(nameOf.apply(e));
    }
    throw fieldError(field, "'" + s + "' is not one of " + names);
  }

  public ConfigNode object(String field) {
    JsonNode v = get(field, true);
    return new ConfigNode(source, path + "." + field, v);
  }

  /** The elements of an array field, each as an object. */
  public List<ConfigNode> objects(String field) {
    JsonNode v = get(field, true);
    if (!v.isArray()) {
      throw fieldError(field, "expected an array");
    }
    List<ConfigNode> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      out.add(new ConfigNode(source, path + "." + field + "[" + i + "]", v.get(i)));
    }
    return out;
  }

  /** Rejects fields that were never read: a typo must not be silently ignored. */
  public void finish() {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!read.contains(n)) {
        throw fieldError(n, "unknown field; known fields here are " + read);
      }
    }
  }

  public String source() {
    return source;
  }
}
