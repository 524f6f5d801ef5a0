package io.kvflow.trace.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.trace.parquet.PageMutation.Kind;
import io.kvflow.trace.parquet.ParquetFuzz.Case;
import io.kvflow.trace.parquet.ParquetFuzz.Outcome;
import io.kvflow.trace.parquet.ParquetFuzz.Seed;
import io.kvflow.trace.parquet.ParquetFuzz.Tally;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Page-level fuzzing of trace files: seeded byte flips, zeroed ranges, truncated pages and cut
 * files, aimed at the pages of the sample traces and of small generated ones ({@link ParquetFuzz}).
 *
 * <p>By default a subset sized for CI runs (600 cases, a few seconds). The acceptance set (1,000 byte flips of
 * KVFlow-written traces, 200 of each other kind of damage, 600 cases on files without checksums)
 * runs with {@code -Dkvflow.fuzz=full} and prints its counts:
 * {@code mvn -B -ntp -o test -pl trace-format -am -Dtest=ParquetFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Dkvflow.fuzz=full}.
 * The same seeds give the same cases, so a failure reproduces; cases worth keeping go into
 * {@code src/test/resources/fuzz/parquet-mutations.txt}, replayed on every run.
 */
class ParquetFuzzTest {
  private static final boolean FULL = "full".equals(System.getProperty("kvflow.fuzz"));
  private static final long SEED = 20_240_601L;
  private static final String CORPUS = "/fuzz/parquet-mutations.txt";

  @TempDir
  static Path dir;

  private static List<Seed> written;
  private static List<Seed> otherLayouts;
  private static List<Seed> unchecked;

  @BeforeAll
  static void seeds() {
    written = new ArrayList<>(ParquetFuzz.sampleTraces());
    written.addAll(ParquetFuzz.generatedTraces(dir));
    otherLayouts = ParquetFuzz.otherLayouts(dir, true);
    unchecked = ParquetFuzz.otherLayouts(dir, false);
  }

  /**
   * The acceptance criterion: byte flips in the pages (bodies and headers) of KVFlow-written traces
   * read identically or are refused with one line; a flip in a page body is always a CRC32 mismatch
   * naming the row group, column and page.
   */
  @Test
  void byteFlipsInPagesOfKvflowTracesReadIdenticallyOrAreRefused() {
    Tally tally = fuzz("byte flips, KVFlow-written traces", written, FULL ? 1000 : 300, 0,
        rnd -> rnd.nextInt(4) == 0 ? Kind.FLIP_PAGE_HEADER : Kind.FLIP_PAGE_BODY, true);
    assertEquals(0, tally.count(Kind.FLIP_PAGE_BODY, Outcome.IDENTICAL), "every flip of a checksummed page is caught");
  }

  /** Zeroed ranges, truncated pages, cut files and flips anywhere (footer included). */
  @Test
  void otherDamageOfKvflowTracesReadsIdenticallyOrIsRefused() {
    Kind[] kinds = {Kind.ZERO_RANGE, Kind.TRUNCATE_PAGE, Kind.CUT_FILE, Kind.FLIP_ANYWHERE};
    fuzz("other damage, KVFlow-written traces", written, FULL ? 800 : 120, 100_000,
        rnd -> kinds[rnd.nextInt(kinds.length)], true);
  }

  /** Dictionary, delta and V2 pages with checksums: verified before parquet-java's value readers see them. */
  @Test
  void checksummedPagesOfOtherLayoutsAreVerifiedToo() {
    fuzz("byte flips, other layouts with checksums", otherLayouts, FULL ? 300 : 60, 200_000,
        rnd -> rnd.nextInt(4) == 0 ? Kind.FLIP_PAGE_HEADER : Kind.FLIP_PAGE_BODY, true);
  }

  /**
   * Files without checksums (as some writers make them): damage may go unseen, but a page that does
   * not decode is refused with one line naming file, row group and column, never an internal error.
   */
  @Test
  void damagedPagesWithoutChecksumsAreRefusedNotInternalErrors() {
    Kind[] kinds = Kind.values();
    fuzz("all damage, files without checksums", unchecked, FULL ? 600 : 120, 300_000,
        rnd -> kinds[rnd.nextInt(kinds.length)], false);
  }

  /**
   * The kept cases: each reads identically or is refused (on a file without checksums, may read
   * differently), never an internal error.
   */
  @Test
  void corpusCasesStayCaught() throws IOException {
    Map<String, Seed> byName = Stream.of(written, otherLayouts, unchecked).flatMap(List::stream)
        .collect(Collectors.toMap(Seed::name, Function.identity()));
    List<String> failures = new ArrayList<>();
    int cases = 0;
    try (InputStream in = ParquetFuzzTest.class.getResourceAsStream(CORPUS)) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String text = line.replaceFirst("#.*", "").trim();
        if (text.isEmpty()) {
          continue;
        }
        int space = text.indexOf(' ');
        Seed seed = byName.get(text.substring(0, space));
        assertTrue(seed != null, "corpus names an unknown seed: " + line);
        Case c = ParquetFuzz.run(seed, PageMutation.parse(text.substring(space + 1)), dir.resolve("corpus.parquet"));
        cases++;
        boolean kept = c.outcome() == Outcome.IDENTICAL || c.outcome() == Outcome.REFUSED
            || c.outcome() == Outcome.DIFFERENT && !seed.checksummed();
        if (!kept) {
          failures.add(c.toString());
        }
      }
    }
    assertTrue(cases > 0, "the corpus is empty");
    assertEquals(List.of(), failures);
  }

  /**
   * Runs {@code count} cases, case i on seed i mod seeds with its own seeded random source, and
   * checks the promise: no internal error, no multi-line message, and with checksums no silent
   * difference.
   */
  private static Tally fuzz(String title, List<Seed> seeds, int count, long seedOffset,
      Function<SplittableRandom, Kind> kinds, boolean checksummed) {
    Tally tally = new Tally();
    List<String> broken = new ArrayList<>();
    List<String> different = new ArrayList<>();
    Path scratch = dir.resolve("damaged.parquet");
    assertTimeoutPreemptively(Duration.ofMinutes(FULL ? 20 : 2), () -> {
      for (int i = 0; i < count; i++) {
        SplittableRandom rnd = new SplittableRandom(SEED + seedOffset + i);
        Seed seed = seeds.get(i % seeds.size());
        Case c = ParquetFuzz.run(seed, PageMutation.random(kinds.apply(rnd), seed.pages(), rnd), scratch);
        tally.add(c);
        switch (c.outcome()) {
          case INTERNAL_ERROR, BAD_MESSAGE -> broken.add(c.toString());
          case DIFFERENT -> different.add(c.toString());
          case REFUSED -> {
            if (checksummed && c.mutation().kind() == Kind.FLIP_PAGE_BODY && !c.detail().contains("CRC32 checksum mismatch")) {
              broken.add(c + " (expected a CRC32 mismatch)");
            }
          }
          default -> { }
        }
      }
    });
    System.out.println("Parquet fuzz, " + title + ", " + count + " cases:\n" + tally
        + (different.isEmpty() ? "" : "read differently without an error: " + different.size() + "\n"));
    assertEquals(List.of(), broken, title);
    if (checksummed) {
      assertEquals(List.of(), different, title);
    }
    return tally;
  }
}
