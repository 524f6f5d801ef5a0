package io.kvflow.analysis.report;

import java.util.Locale;

/**
 * The unit of a figure a report shows, and how a person reads it: bytes in binary prefixes, times
 * from nanoseconds up to hours, counts with thousands separators. Never scientific notation; a
 * missing or non-finite figure is "-".
 */
public enum Unit {
  BYTES("bytes"),
  NS("time"),
  COUNT("count"),
  RATIO("ratio"),
  PERCENT("%"),
  BYTES_PER_S("bytes/s"),
  PLAIN("");

  /** Shown for a figure that was never recorded (never 0). */
  public static final String MISSING = "-";

  private static final String[] BYTE_PREFIXES = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

  private final String label;

  Unit(String label) {
    this.label = label;
  }

  /** What an axis of this unit is labelled with, after the quantity's name. */
  public String label() {
    return label;
  }

  /** The figure as a person reads it, e.g. "31.2 GiB", "16.1 s", "33,008", "0.366". */
  public String format(double v) {
    if (!Double.isFinite(v)) {
      return MISSING;
    }
    return switch (this) {
      case BYTES -> bytes(v);
      case BYTES_PER_S -> bytes(v) + "/s";
      case NS -> time(v);
      case COUNT -> count(v);
      case RATIO -> ratio(v);
      case PERCENT -> percent(v);
      case PLAIN -> plain(v);
    };
  }

  /** A figure given as a JSON number, or "-" when it is absent or not a number. */
  public String format(com.fasterxml.jackson.databind.JsonNode v) {
    return v == null || !v.isNumber() ? MISSING : format(v.asDouble());
  }

  static String bytes(double v) {
    double a = Math.abs(v);
    int p = 0;
    while (a >= 1024 && p < BYTE_PREFIXES.length - 1) {
      a /= 1024;
      p++;
    }
    String sign = v < 0 ? "-" : "";
    return p == 0 ? sign + String.format(Locale.ROOT, "%.0f B", a) : sign + sig3(a) + " " + BYTE_PREFIXES[p];
  }

  static String time(double ns) {
    double a = Math.abs(ns);
    String sign = ns < 0 ? "-" : "";
    if (a == 0) {
      return "0";
    }
    if (a < 1e3) {
      return sign + sig3(a) + " ns";
    }
    if (a < 1e6) {
      return sign + sig3(a / 1e3) + " \u00b5s";
    }
    if (a < 1e9) {
      return sign + sig3(a / 1e6) + " ms";
    }
    if (a < 60e9) {
      return sign + sig3(a / 1e9) + " s";
    }
    if (a < 3600e9) {
      return sign + sig3(a / 60e9) + " min";
    }
    if (a < 86_400e9 * 10) {
      return sign + sig3(a / 3600e9) + " h";
    }
    return sign + count(a / 86_400e9) + " d";
  }

  static String count(double v) {
    if (Math.abs(v - Math.rint(v)) < 1e-9 || Math.abs(v) >= 1000) {
      return String.format(Locale.ROOT, "%,d", Math.round(v));
    }
    return sig3(v);
  }

  /** Three decimals, more where that would round a ratio near 0 or 1 to 0 or 1 (0.99998 stays 0.99998). */
  static String ratio(double v) {
    if (v == 0 || v == 1) {
      return v == 0 ? "0" : "1";
    }
    double a = Math.abs(v);
    int decimals = 3;
    while (decimals < 9 && (a < Math.pow(10, -decimals + 1) * 1.0 || Math.abs(1 - a) < Math.pow(10, -decimals))) {
      decimals++;
    }
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** Whole percent from 10%, one decimal from 0.1%, two significant digits below (0.0013%). */
  static String percent(double v) {
    double a = Math.abs(v);
    if (a >= 10 || a == 0) {
      return String.format(Locale.ROOT, "%.0f%%", v);
    }
    if (a >= 0.1) {
      return String.format(Locale.ROOT, "%.1f%%", v);
    }
    int decimals = Math.min(12, 1 - (int) Math.floor(Math.log10(a)));
    return String.format(Locale.ROOT, "%." + decimals + "f%%", v);
  }

  static String plain(double v) {
    return Math.abs(v) >= 1000 || Math.abs(v - Math.rint(v)) < 1e-9 ? count(v) : sig3(v);
  }

  /** Three significant digits in fixed notation: 1.23, 12.3, 123, 0.0123. */
  static String sig3(double a) {
    double m = Math.abs(a);
    if (m == 0) {
      return "0";
    }
    if (m >= 100) {
      return String.format(Locale.ROOT, "%,.0f", a);
    }
    if (m >= 10) {
      return String.format(Locale.ROOT, "%.1f", a);
    }
    if (m >= 1) {
      return String.format(Locale.ROOT, "%.2f", a);
    }
    int decimals = Math.min(12, 2 - (int) Math.floor(Math.log10(m)));
    return String.format(Locale.ROOT, "%." + decimals + "f", a);
  }
}
