package io.kvflow.trace.imports;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;

/** Reading typed fields from a streaming JSON parser, with import errors that name file, line and field. */
final class JsonFields {
  static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);
  private static final BigDecimal NS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

  private JsonFields() {}

  /** An integer field; a fractional number with no fractional part ({@code 5.0}) is accepted. */
  static long integer(JsonParser p, JsonToken t, String file, long line, String field) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT) {
      try {
        return p.getLongValue();
      } catch (com.fasterxml.jackson.core.exc.InputCoercionException e) {
        throw ImportException.atLine(file, line, field, "integer out of range");
      }
    }
    if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      double d = p.getDoubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        return (long) d;
      }
      throw ImportException.atLine(file, line, field, "expected an integer, got " + ImportException.quote(p.getText()));
    }
    throw ImportException.atLine(file, line, field, "expected an integer, got " + describe(t));
  }

  /**
   * A time in seconds (integer or decimal, read exactly from its text) as whole nanoseconds, rounded
   * half up; must lie in 0..9.2e9 s.
   */
  static long secondsAsNs(JsonParser p, JsonToken t, String file, long line, String field) throws IOException {
    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      throw ImportException.atLine(file, line, field, "expected a number of seconds, got " + describe(t));
    }
    BigDecimal seconds;
    try {
      seconds = new BigDecimal(p.getText());
    } catch (NumberFormatException e) {
      throw ImportException.atLine(file, line, field, ImportException.quote(p.getText()) + " is not a number of seconds");
    }
    if (seconds.signum() < 0) {
      throw ImportException.atLine(file, line, field, ImportException.quote(p.getText()) + " is negative; expected seconds >= 0");
    }
    if (seconds.compareTo(BigDecimal.valueOf(9_000_000_000L)) > 0) {
      throw ImportException.atLine(file, line, field, ImportException.quote(p.getText()) + " s is too large (at most 9e9 s)");
    }
    if (seconds.precision() - seconds.scale() < -12) {
      return 0; // below a picosecond (e.g. 1e-999999999): rounding it would cost a 10^scale division
    }
    return seconds.multiply(NS_PER_SECOND).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
  }

  /** A non-empty string of at most 64 characters. */
  static String shortText(JsonParser p, JsonToken t, String file, long line, String field) throws IOException {
    if (t != JsonToken.VALUE_STRING) {
      throw ImportException.atLine(file, line, field, "expected a string, got " + describe(t));
    }
    String s = p.getText();
    if (s.isEmpty() || s.length() > 64) {
      throw ImportException.atLine(file, line, field, ImportException.quote(s) + " must be 1 to 64 characters");
    }
    return s;
  }

  /**
   * Reads an array of hash ids into {@code into} (grown as needed) and returns it; the count goes to
   * {@code count[0]}.
   */
  static long[] hashIds(JsonParser p, JsonToken t, String file, long line, String field, long[] into, int[] count)
      throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw ImportException.atLine(file, line, field, "expected an array of integers, got " + describe(t));
    }
    long[] hashes = into;
    int n = 0;
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (e != JsonToken.VALUE_NUMBER_INT) {
        throw ImportException.atLine(file, line, field, "element " + n + ": expected an integer, got " + describe(e));
      }
      if (n == hashes.length) {
        hashes = Arrays.copyOf(hashes, n * 2);
      }
      hashes[n] = hashId(p, file, line, field, n);
      n++;
    }
    count[0] = n;
    return hashes;
  }

  /**
   * A hash id: an integer in 0..2^64-1, kept as its 64 bits. One outside would have to be cut to 64
   * bits, and two different ids could then meet and invent sharing the trace does not have.
   */
  static long hashId(JsonParser p, String file, long line, String field, int index) throws IOException {
    if (p.getNumberType() == JsonParser.NumberType.INT || p.getNumberType() == JsonParser.NumberType.LONG) {
      long v = p.getLongValue();
      if (v >= 0) {
        return v;
      }
    } else {
      BigInteger v = p.getBigIntegerValue();
      if (v.signum() >= 0 && v.compareTo(TWO_TO_64) < 0) {
        return v.longValue();
      }
    }
    throw ImportException.atLine(file, line, field, "element " + index + ": " + ImportException.quote(p.getText())
        + " is outside 0..2^64-1 (18446744073709551615); a hash id is an unsigned 64-bit integer");
  }

  static String describe(JsonToken t) {
    if (t == null) {
      return "end of line";
    }
    return switch (t) {
      case VALUE_STRING -> "a string";
      case VALUE_NULL -> "null";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case START_ARRAY -> "an array";
      case START_OBJECT -> "an object";
      case VALUE_NUMBER_FLOAT -> "a fractional number";
      case VALUE_NUMBER_INT -> "an integer";
      default -> t.toString();
    };
  }

  static void require(boolean ok, String file, long line, String field, String problem) {
    if (!ok) {
      throw ImportException.atLine(file, line, field, problem);
    }
  }
}
