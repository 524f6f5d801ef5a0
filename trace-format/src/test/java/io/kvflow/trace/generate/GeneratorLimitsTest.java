package io.kvflow.trace.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kvflow.common.BadInputException;
import io.kvflow.common.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Option values that would exhaust memory or wrap a time or token count around are refused before
 * anything is written, naming the option and the limit.
 */
class GeneratorLimitsTest {
  @TempDir
  Path dir;

  private String fails(Workload w, Map<String, String> given) {
    WorkloadGenerator g = w.create();
    Path out = dir.resolve("t.parquet");
    BadInputException e = assertThrows(BadInputException.class,
        () -> g.generate(new Params(w.cliName(), g.params(), given), out, Progress.NONE));
    assertFalse(Files.exists(out));
    return e.getMessage();
  }

  @Test
  void tablesOfItemsAndTokenCountsAreLimited() {
    assertEquals("option --keys: 2000000000 must be <= 100000000", fails(Workload.ZIPF, Map.of("keys", "2000000000")));
    assertEquals("option --sessions: 2147483647 must be <= 100000000",
        fails(Workload.CHAT, Map.of("sessions", "2147483647")));
    assertEquals("option --doc-tokens: 2000000000 must be <= 16777216",
        fails(Workload.RAG, Map.of("doc-tokens", "2000000000")));
    assertEquals("option --docs: 5000 must be <= 1000", fails(Workload.RAG, Map.of("docs", "5000")));
    assertEquals("option --block-tokens: 65536 must be <= 32767", fails(Workload.CHAT, Map.of("block-tokens", "65536")));
  }

  @Test
  void timesThatWouldPassTheLargestTimeNsAreRefused() {
    assertEquals("option --interval-ns: 9223372036854775807 ns between 1000 reads passes the largest time_ns "
        + "(2^63-1 ns); at most 9232604641496272 with --accesses 1000",
        fails(Workload.ZIPF, Map.of("accesses", "1000", "interval-ns", "9223372036854775807")));
    String m = fails(Workload.DECODE, Map.of("steps", "10", "step-ns", "9223372036854775807"));
    assertEquals("option --step-ns: 9223372036854775807 ns for a prefill and 10 decode steps passes the largest time_ns "
        + "(2^63-1 ns); at most 768614336404564650 with --steps 10", m);
    m = fails(Workload.CHAT, Map.of("requests", "100", "rate", "1e-300"));
    assertEquals("option --rate: 1.0E-300 arrivals a second pass the largest time_ns (2^63-1 ns, 292 years) before the "
        + "last request; raise --rate or lower --requests", m);
  }

  @Test
  void numbersAreAsciiDigits() {
    // Integer.parseInt reads the digits of every script: U+0663 U+0667 U+0664 is not 374 here
    assertEquals("option --keys: '\u0663\u0667\u0664' is not an integer",
        fails(Workload.ZIPF, Map.of("keys", "\u0663\u0667\u0664")));
  }
}
