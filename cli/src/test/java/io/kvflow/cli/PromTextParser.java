package io.kvflow.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format (0.0.4), written for the tests: HELP and
 * TYPE lines, samples {@code name{label="value",...} value}, label-value escapes, Go floats. It
 * refuses what a Prometheus server would refuse (bad names, a TYPE after its samples or twice, a
 * sample whose family has another type's suffix, duplicate series, unknown types).
 */
final class PromTextParser {
  private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final List<String> TYPES = List.of("counter", "gauge", "histogram", "summary", "untyped");

  record Sample(String name, Map<String, String> labels, double value) {}

  record Family(String name, String type, String help, List<Sample> samples) {}

  private PromTextParser() {}

  static Map<String, Family> parse(String text) {
    Map<String, Family> families = new LinkedHashMap<>();
    java.util.Set<String> series = new java.util.HashSet<>();
    String[] lines = text.split("\n", -1);
    if (!text.endsWith("\n")) {
      throw new IllegalArgumentException("the exposition must end with a newline");
    }
    for (int n = 0; n < lines.length - 1; n++) {
      String line = lines[n];
      String at = "line " + (n + 1) + ": ";
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] parts = line.split(" ", 4);
        if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
          String name = parts[2];
          require(METRIC.matcher(name).matches(), at + "bad metric name " + name);
          Family f = families.get(name);
          if (parts[1].equals("TYPE")) {
            require(parts.length == 4 && TYPES.contains(parts[3]), at + "bad type");
            require(f == null || f.type() == null, at + "second TYPE for " + name);
            require(f == null || f.samples().isEmpty(), at + "TYPE after samples of " + name);
            families.put(name, new Family(name, parts[3], f == null ? null : f.help(), new ArrayList<>()));
          } else {
            require(f == null || f.help() == null, at + "second HELP for " + name);
            families.put(name, new Family(name, f == null ? null : f.type(), parts.length == 4 ? parts[3] : "",
                f == null ? new ArrayList<>() : f.samples()));
          }
        }
        continue;
      }
      int i = 0;
      while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
        i++;
      }
      String name = line.substring(0, i);
      require(METRIC.matcher(name).matches(), at + "bad sample name " + name);
      Map<String, String> labels = new LinkedHashMap<>();
      if (i < line.length() && line.charAt(i) == '{') {
        i++;
        while (line.charAt(i) != '}') {
          int eq = line.indexOf('=', i);
          String label = line.substring(i, eq);
          require(LABEL.matcher(label).matches(), at + "bad label name " + label);
          require(line.charAt(eq + 1) == '"', at + "label value not quoted");
          StringBuilder v = new StringBuilder();
          int j = eq + 2;
          while (line.charAt(j) != '"') {
            char c = line.charAt(j);
            if (c == '\\') {
              char e = line.charAt(++j);
              v.append(e == 'n' ? '\n' : e);
              require(e == 'n' || e == '\\' || e == '"', at + "bad escape");
            } else {
              v.append(c);
            }
            j++;
          }
          require(labels.put(label, v.toString()) == null, at + "label " + label + " twice");
          i = j + 1;
          if (line.charAt(i) == ',') {
            i++;
          }
        }
        i++;
      }
      require(i < line.length() && line.charAt(i) == ' ', at + "no value");
      String[] rest = line.substring(i + 1).split(" ");
      require(rest.length <= 2, at + "text after value and timestamp");
      double value = switch (rest[0]) {
        case "+Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        case "NaN" -> Double.NaN;
        default -> Double.parseDouble(rest[0]);
      };
      Family f = familyOf(families, name);
      require(f != null && f.type() != null, at + "sample " + name + " before its TYPE");
      require(series.add(name + labels), at + "duplicate series " + name + labels);
      f.samples().add(new Sample(name, labels, value));
    }
    return families;
  }

  /** The family a sample belongs to: its own name, or its name less the suffix its family's type allows. */
  private static Family familyOf(Map<String, Family> families, String sample) {
    for (String suffix : List.of("_total", "_bucket", "_sum", "_count", "_created")) {
      if (sample.endsWith(suffix)) {
        Family f = families.get(sample.substring(0, sample.length() - suffix.length()));
        if (f != null) {
          boolean fits = switch (suffix) {
            case "_total" -> f.type().equals("counter");
            case "_bucket" -> f.type().equals("histogram");
            case "_sum", "_count" -> f.type().equals("histogram") || f.type().equals("summary");
            default -> true;
          };
          require(fits, "sample " + sample + " does not fit a " + f.type());
          return f;
        }
      }
    }
    Family f = families.get(sample);
    require(f == null || !f.type().equals("counter"), "counter sample " + sample + " without _total");
    return f;
  }

  private static void require(boolean ok, String why) {
    if (!ok) {
      throw new IllegalArgumentException(why);
    }
  }
}
