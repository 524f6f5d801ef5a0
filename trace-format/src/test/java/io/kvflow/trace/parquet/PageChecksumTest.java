package io.kvflow.trace.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.BadInputException;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.parquet.PageMutation.Kind;
import io.kvflow.trace.parquet.PageMutation.PageMap;
import io.kvflow.trace.parquet.ParquetFuzz.Seed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.format.PageType;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Page checksums: every page KVFlow writes carries a CRC32; reads verify it on every read path and
 * refuse a damaged page in one line naming file, row group, column and page; files without
 * checksums are read and said to have none.
 */
class PageChecksumTest {
  @TempDir
  static Path dir;

  private static List<Seed> written;

  @BeforeAll
  static void seeds() {
    written = new java.util.ArrayList<>(ParquetFuzz.sampleTraces());
    written.addAll(ParquetFuzz.generatedTraces(dir));
  }

  @Test
  void everyPageKvflowWritesCarriesAVerifiedCrc32() {
    for (Seed seed : written) {
      Path file = write(seed.name(), seed.bytes());
      List<PageWalk.Span> pages = PageMap.of(file).pages();
      assertTrue(pages.stream().allMatch(PageWalk.Span::hasCrc), seed.name());
      PageChecksums read = readAll(file);
      assertEquals(new PageChecksums(pages.size(), pages.size()), read, seed.name());
      assertEquals(PageChecksums.Status.VERIFIED, read.status());
    }
    // the tenant dictionary of a requests trace is a page too
    assertTrue(PageMap.of(Path.of("..", "sample-traces", "chat-small.parquet")).pages().stream()
        .anyMatch(p -> p.type() == PageType.DICTIONARY_PAGE && p.hasCrc()));
  }

  /** The PLAIN copy path (block), the dictionary path (tenant) and a dictionary page itself. */
  @Test
  void aDamagedPageIsRefusedNamingFileRowGroupColumnAndPage() {
    Seed accesses = seed("accesses-ZSTD.parquet");
    PageWalk.Span page = page(accesses, 0, TraceSchema.BLOCK, 2);
    String m = refusal(accesses, flip(page));
    assertTrue(m.matches(".*damaged\\.parquet: row group 0, column block, page 2: CRC32 checksum mismatch \\(stored "
        + "[0-9a-f]{8}, computed [0-9a-f]{8}\\); the file is damaged \\(on disk or in transfer\\): write it again or "
        + "copy it again from a good source"), m);

    PageWalk.Span later = page(accesses, 1, TraceSchema.TIME_NS, 0);
    assertTrue(refusal(accesses, flip(later)).contains(": row group 1, column time_ns, page 0: CRC32 checksum mismatch"));

    Seed chat = seed("chat-small.parquet");
    assertTrue(refusal(chat, flip(page(chat, 0, TraceSchema.TENANT, -1)))
        .contains(": row group 0, column tenant, dictionary page: CRC32 checksum mismatch"));
    assertTrue(refusal(chat, flip(page(chat, 0, TraceSchema.TENANT, 0)))
        .contains(": row group 0, column tenant, page 0: CRC32 checksum mismatch"));
    assertTrue(refusal(chat, flip(page(chat, 0, TraceSchema.BLOCK_HASHES, 0)))
        .contains(": row group 0, column block_hashes, page 0: CRC32 checksum mismatch"));
  }

  /** The issue's reproduction: 64 zeroed bytes of a block_hashes page of chat-small changed distinct blocks. */
  @Test
  void zeroedBytesInAPageAreRefused() {
    Seed chat = seed("chat-small.parquet");
    PageWalk.Span page = page(chat, 0, TraceSchema.BLOCK_HASHES, 0);
    PageMutation zeroed = new PageMutation(Kind.ZERO_RANGE, page.bodyStart() + page.bodyBytes() / 2, 64, 0);
    assertTrue(refusal(chat, zeroed).contains("column block_hashes, page 0: CRC32 checksum mismatch"));
  }

  /** Dictionary, delta and V2 pages as other writers make them go through parquet-java's value readers. */
  @ParameterizedTest
  @EnumSource(names = {"TIME_NS", "TENANT", "BLOCK_HASHES"})
  void checksummedPagesOfOtherLayoutsAreVerifiedBeforeTheValueReaders(Column column) {
    for (Seed seed : ParquetFuzz.otherLayouts(dir.resolve(column.name()), true)) {
      if (find(seed, 0, column.wire, 0) == null) {
        continue; // an accesses file has no tenant, a requests file no time_ns
      }
      assertTrue(refusal(seed, flip(page(seed, 0, column.wire, 0))).contains(
          ": row group 0, column " + column.wire + ", page 0: CRC32 checksum mismatch"), seed.name());
    }
  }

  @Test
  void filesWithoutChecksumsAreReadAndSaySo() {
    List<Seed> plain = ParquetFuzz.otherLayouts(dir.resolve("plain"), false);
    List<Seed> summed = ParquetFuzz.otherLayouts(dir.resolve("summed"), true);
    for (int i = 0; i < plain.size(); i++) {
      Path file = write(plain.get(i).name(), plain.get(i).bytes());
      assertTrue(PageMap.of(file).pages().stream().noneMatch(PageWalk.Span::hasCrc));
      assertNull(summed.get(i).original().firstDifference(plain.get(i).original()), plain.get(i).name());
      PageChecksums read = readAll(file);
      assertTrue(read.pages() > 0);
      assertEquals(PageChecksums.Status.ABSENT, read.status());
    }
    assertEquals(PageChecksums.Status.PARTIAL, new PageChecksums(4, 3).status());
    assertEquals(PageChecksums.Status.NO_PAGES, new PageChecksums(0, 0).status());
  }

  /** Without a checksum, a page that does not decode is still one line naming the page, not an internal error. */
  @Test
  void undecodablePagesWithoutChecksumsNameTheColumnAndPage() {
    Seed seed = ParquetFuzz.otherLayouts(dir.resolve("zstd"), false).stream()
        .filter(s -> s.name().equals("other-accesses-PARQUET_1_0-no-crc.parquet")).findFirst().orElseThrow();
    PageWalk.Span page = page(seed, 0, TraceSchema.BLOCK, 1);
    String m = refusal(seed, new PageMutation(Kind.ZERO_RANGE, page.bodyStart(), 8, 0));
    assertTrue(m.contains(": row group 0, column block, page 1: undecodable page ("), m);
    assertTrue(m.endsWith("write it again or copy it again from a good source"), m);
  }

  /** Checksums are verified for the columns a read loads; a projection does not load the others. */
  @Test
  void aProjectionDoesNotReadTheDamagedPagesOfOtherColumns() throws IOException {
    Seed zipf = seed("zipf-small.parquet");
    Path damaged = write("projected.parquet", flip(page(zipf, 0, TraceSchema.TOKENS, 0)).apply(zipf.bytes()));
    long rows = 0;
    try (TraceReader r = TraceReader.open(damaged, List.of(TraceSchema.BLOCK)); AccessBatch b = r.newAccessBatch(4096)) {
      while (r.next(b)) {
        rows += b.size();
      }
      assertEquals(PageChecksums.Status.VERIFIED, r.pageChecksums().status());
    }
    assertEquals(zipf.original().rows(), rows);
    assertThrows(BadInputException.class, () -> TraceSnapshot.read(damaged));
  }

  enum Column {
    TIME_NS(TraceSchema.TIME_NS), TENANT(TraceSchema.TENANT), BLOCK_HASHES(TraceSchema.BLOCK_HASHES);

    final String wire;

    Column(String wire) {
      this.wire = wire;
    }
  }

  // ---- helpers ----

  private static Seed seed(String name) {
    return written.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  private static PageWalk.Span page(Seed seed, int rowGroup, String column, int number) {
    PageWalk.Span p = find(seed, rowGroup, column, number);
    assertTrue(p != null, seed.name() + ": no page " + number + " of " + column + " in row group " + rowGroup);
    return p;
  }

  /** Page {@code number} of {@code column} in {@code rowGroup}, or null. */
  private static PageWalk.Span find(Seed seed, int rowGroup, String column, int number) {
    return seed.pages().pages().stream()
        .filter(p -> p.rowGroup() == rowGroup && p.column().equals(column) && p.page() == number)
        .findFirst().orElse(null);
  }

  private static PageMutation flip(PageWalk.Span page) {
    return new PageMutation(Kind.FLIP_PAGE_BODY, page.bodyStart() + page.bodyBytes() / 2, 1, 0x10);
  }

  private static String refusal(Seed seed, PageMutation mutation) {
    ParquetFuzz.Case c = ParquetFuzz.run(seed, mutation, dir.resolve("damaged.parquet"));
    assertEquals(ParquetFuzz.Outcome.REFUSED, c.outcome(), c.toString());
    return c.detail();
  }

  private static Path write(String name, byte[] bytes) {
    try {
      Path file = dir.resolve(name.replace('/', '_'));
      Files.write(file, bytes);
      return file;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static PageChecksums readAll(Path file) {
    try (TraceReader r = TraceReader.open(file)) {
      if (r.kind() == io.kvflow.trace.TraceKind.ACCESSES) {
        try (AccessBatch b = r.newAccessBatch(4096)) {
          while (r.next(b)) {
            // read every page
          }
        }
      } else {
        try (var b = r.newRequestBatch(1024)) {
          while (r.next(b)) {
            // read every page
          }
        }
      }
      return r.pageChecksums();
    }
  }
}
