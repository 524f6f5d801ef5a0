package io.kvflow.analysis.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Human units: fixed examples, and over 200,000 random figures never scientific notation and always parseable back. */
class UnitTest {
  @Test
  void examples() {
    assertEquals("512 B", Unit.BYTES.format(512));
    assertEquals("1.00 KiB", Unit.BYTES.format(1024));
    assertEquals("30.5 TiB", Unit.BYTES.format(33_494_044_508_160L));
    assertEquals("8.00 GiB", Unit.BYTES.format(8L << 30));
    assertEquals("16.1 s", Unit.NS.format(16.1e9));
    assertEquals("19.4 h", Unit.NS.format(70e12));
    assertEquals("5.73 ms", Unit.NS.format(5_730_000));
    assertEquals("62.0 \u00b5s", Unit.NS.format(62_000));
    assertEquals("0", Unit.NS.format(0));
    assertEquals("33,008", Unit.COUNT.format(33_008));
    assertEquals("0.366", Unit.RATIO.format(0.366));
    assertEquals("0.99998", Unit.RATIO.format(0.99998));
    assertEquals("0.00083", Unit.RATIO.format(0.000831));
    assertEquals("99%", Unit.PERCENT.format(99.2));
    assertEquals("0.0013%", Unit.PERCENT.format(0.00128));
    assertEquals("-", Unit.BYTES.format(Double.NaN));
    assertEquals("-", Unit.NS.format((com.fasterxml.jackson.databind.JsonNode) null));
  }

  @Test
  void neverScientificAndReadableBack() {
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 200_000; i++) {
      double v = Math.pow(10, r.nextDouble(-6, 19)) * (r.nextBoolean() ? 1 : -1);
      for (Unit u : Unit.values()) {
        String s = u.format(v);
        assertFalse(s.matches(".*\\d[eE][+-]?\\d.*"), u + " " + v + " -> " + s);
        assertFalse(s.contains("NaN") || s.contains("Infinity"), s);
      }
      // bytes read back within the rounding of three significant digits
      double b = Math.abs(v);
      String s = Unit.BYTES.format(b);
      String[] parts = s.split(" ");
      int p = java.util.List.of("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB").indexOf(parts[1]);
      double back = Double.parseDouble(parts[0].replace(",", "")) * Math.pow(1024, p);
      assertTrue(Math.abs(back - b) <= Math.max(0.5, b * 0.006), s + " for " + b);
    }
  }
}
