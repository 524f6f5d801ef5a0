package io.kvflow.trace.generate;

import io.kvflow.common.BadInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Parameter values of one generator run, checked against its {@link ParamSpec}s. */
public final class Params {
  private final String workload;
  private final Map<String, ParamSpec> specs = new LinkedHashMap<>();
  private final Map<String, String> values = new LinkedHashMap<>();
  private final java.util.Set<String> givenNames = new java.util.HashSet<>();

  public Params(String workload, List<ParamSpec> specList, Map<String, String> given) {
    this.workload = workload;
    for (ParamSpec s : specList) {
      specs.put(s.name(), s);
      values.put(s.name(), s.defaultValue());
    }
    for (var e : given.entrySet()) {
      ParamSpec s = specs.get(e.getKey());
      if (s == null) {
        throw new BadInputException("option --" + e.getKey() + " does not apply to workload " + workload
            + "; its options are " + specs.keySet().stream().map(k -> "--" + k).collect(Collectors.joining(" ")));
      }
      values.put(s.name(), e.getValue());
      givenNames.add(s.name());
      parse(s, e.getValue());
    }
  }

  private Object parse(ParamSpec s, String v) {
    try {
      return switch (s.type()) {
        case INT -> (int) atMost(s, Integer.parseInt(ascii(v).replace("_", "")));
        case LONG -> atMost(s, Long.parseLong(ascii(v).replace("_", "")));
        case DOUBLE -> {
          double d = Double.parseDouble(v);
          if (!Double.isFinite(d)) {
            throw new NumberFormatException();
          }
          yield d;
        }
        case CHOICE -> {
          if (!s.choices().contains(v)) {
            throw new BadInputException("option --" + s.name() + ": '" + v + "' is not one of " + s.choices());
          }
          yield v;
        }
      };
    } catch (NumberFormatException e) {
      throw new BadInputException("option --" + s.name() + ": '" + v + "' is not " + switch (s.type()) {
        case INT -> "an integer";
        case LONG -> "an integer";
        default -> "a number";
      });
    }
  }

  /** {@code v} if it is plain ASCII (digits of other scripts are not numbers here). */
  private static String ascii(String v) {
    for (int i = 0; i < v.length(); i++) {
      if (v.charAt(i) > 0x7e) {
        throw new NumberFormatException();
      }
    }
    return v;
  }

  private static long atMost(ParamSpec s, long v) {
    if (v > s.max()) {
      throw new BadInputException("option --" + s.name() + ": " + v + " must be <= " + s.max());
    }
    return v;
  }

  private ParamSpec spec(String name) {
    ParamSpec s = specs.get(name);
    if (s == null) {
      throw new IllegalArgumentException("workload " + workload + " declares no parameter " + name);
    }
    return s;
  }

  /** Whether the option was given (not its default). */
  public boolean given(String name) {
    return givenNames.contains(name);
  }

  public int getInt(String name) {
    return (Integer) parse(spec(name), values.get(name));
  }

  public long getLong(String name) {
    return (Long) parse(spec(name), values.get(name));
  }

  public double getDouble(String name) {
    return (Double) parse(spec(name), values.get(name));
  }

  public String getString(String name) {
    spec(name);
    return values.get(name);
  }

  /** An int that must be at least {@code min}. */
  public int intAtLeast(String name, int min) {
    int v = getInt(name);
    if (v < min) {
      throw new BadInputException("option --" + name + ": " + v + " must be >= " + min);
    }
    return v;
  }

  public long longAtLeast(String name, long min) {
    long v = getLong(name);
    if (v < min) {
      throw new BadInputException("option --" + name + ": " + v + " must be >= " + min);
    }
    return v;
  }

  /** A double inside [min, max]. */
  public double doubleIn(String name, double min, double max) {
    double v = getDouble(name);
    if (v < min || v > max) {
      throw new BadInputException("option --" + name + ": " + v + " must be in [" + min + ", " + max + "]");
    }
    return v;
  }

  public ArrivalProcess arrivals() {
    double rate = getDouble("rate");
    if (!(rate > 0)) {
      throw new BadInputException("option --rate: " + rate + " must be > 0");
    }
    double cv = getDouble("cv");
    if (!(cv > 0)) {
      throw new BadInputException("option --cv: " + cv + " must be > 0");
    }
    return new ArrivalProcess(ArrivalProcess.Kind.valueOf(getString("arrival").toUpperCase(java.util.Locale.ROOT)), rate, cv);
  }

  /** Every parameter with its value, in declaration order: how the file's source metadata names the run. */
  public String canonical() {
    return values.entrySet().stream().map(e -> "--" + e.getKey() + " " + e.getValue()).collect(Collectors.joining(" "));
  }
}
