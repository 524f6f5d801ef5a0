package io.kvflow.trace.imports;

import java.math.BigDecimal;

/** Field parsing shared by the CSV importers; errors name file, line and field. */
final class CsvFields {
  private CsvFields() {}

  /** A line without its CR (CRLF files) and, on line 1, without a UTF-8 byte order mark. */
  static String clean(String text, long line) {
    String s = text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    return line == 1 && s.startsWith("\uFEFF") ? s.substring(1) : s;
  }

  /** A count in {@code min..Integer.MAX_VALUE}, written in ASCII digits. */
  static int count(String text, String file, long line, String field, int min) {
    long v;
    String digits = text.strip();
    try {
      // ASCII digits only: Long.parseLong also reads the digits of other scripts (U+0663 is 3)
      if (!digits.matches("[+-]?[0-9]+")) {
        throw new NumberFormatException();
      }
      v = Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw ImportException.atLine(file, line, field, ImportException.quote(text) + " is not an integer (ASCII digits)");
    }
    if (v < min || v > Integer.MAX_VALUE) {
      throw ImportException.atLine(file, line, field, v + " must be in " + min + ".." + Integer.MAX_VALUE);
    }
    return (int) v;
  }

  /** Seconds (ASCII digits, optional fraction) as whole nanoseconds, rounded half up; 0..9e9 s. */
  static long secondsAsNs(String text, String file, long line, String field) {
    String s = text.strip();
    if (!s.matches("[+]?[0-9]{1,10}(\\.[0-9]{0,12})?")) {
      throw ImportException.atLine(file, line, field, ImportException.quote(text)
          + " is not a number of seconds >= 0 (ASCII digits, at most 10 before the point)");
    }
    BigDecimal seconds = new BigDecimal(s);
    if (seconds.compareTo(BigDecimal.valueOf(9_000_000_000L)) > 0) {
      throw ImportException.atLine(file, line, field, s + " s is too large (at most 9e9 s)");
    }
    return seconds.movePointRight(9).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
  }
}
