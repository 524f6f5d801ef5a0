package io.kvflow.trace.parquet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.LocalInputFile;

/**
 * One damage done to a Parquet file, aimed at its pages: what, where, how much. Written as one line
 * ({@code FLIP_PAGE_BODY 12345 1 0x40}) so that a case worth keeping goes into the fuzz corpus as
 * text and is replayed exactly.
 *
 * @param kind what is done
 * @param offset first byte touched
 * @param length bytes touched (1 for a flip; bytes removed for truncations; unused for a cut)
 * @param xor the value a flipped byte is XORed with (1-255)
 */
record PageMutation(Kind kind, long offset, int length, int xor) {

  /** The kinds of damage. */
  enum Kind {
    /** One byte of a page body (the checksummed part) XORed with a non-zero value. */
    FLIP_PAGE_BODY,
    /** One byte of a page header (not checksummed: sizes, counts, encodings, statistics, the CRC itself). */
    FLIP_PAGE_HEADER,
    /** One byte anywhere in the file, footer included. */
    FLIP_ANYWHERE,
    /** Up to 64 bytes of a page body set to zero. */
    ZERO_RANGE,
    /** The last bytes of a page body removed; everything after moves up. */
    TRUNCATE_PAGE,
    /** The file cut off inside a page (an interrupted copy). */
    CUT_FILE
  }

  /** Where the pages of a file lie: every page of every column chunk of every row group. */
  record PageMap(long fileBytes, List<PageWalk.Span> pages) {
    static PageMap of(Path file) {
      ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
          .withCodecFactory(new TraceCodecFactory()).build();
      List<PageWalk.Span> pages = new ArrayList<>();
      try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), options);
          FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        List<BlockMetaData> groups = reader.getRowGroups();
        for (int g = 0; g < groups.size(); g++) {
          for (ColumnChunkMetaData chunk : groups.get(g).getColumns()) {
            PageWalk.Result walk = PageWalk.walk(channel, channel.size(), g, chunk);
            if (!walk.ok()) {
              throw new IllegalStateException(file + ": an undamaged file must walk cleanly: " + walk.problem());
            }
            pages.addAll(walk.pages());
          }
        }
        return new PageMap(channel.size(), pages);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** A random mutation of {@code kind} for the file of {@code map}. */
  static PageMutation random(Kind kind, PageMap map, SplittableRandom rnd) {
    PageWalk.Span page = map.pages().get(rnd.nextInt(map.pages().size()));
    int xor = 1 + rnd.nextInt(255);
    return switch (kind) {
      case FLIP_PAGE_BODY -> new PageMutation(kind, page.bodyStart() + rnd.nextInt(Math.max(1, page.bodyBytes())), 1, xor);
      case FLIP_PAGE_HEADER -> new PageMutation(kind,
          page.headerStart() + rnd.nextInt((int) (page.bodyStart() - page.headerStart())), 1, xor);
      case FLIP_ANYWHERE -> new PageMutation(kind, rnd.nextLong(map.fileBytes()), 1, xor);
      case ZERO_RANGE -> {
        int len = Math.min(page.bodyBytes(), 1 + rnd.nextInt(64));
        yield new PageMutation(kind, page.bodyStart() + rnd.nextInt(page.bodyBytes() - len + 1), len, 0);
      }
      case TRUNCATE_PAGE -> {
        int len = Math.max(1, Math.min(page.bodyBytes(), 1 + rnd.nextInt(Math.max(1, page.bodyBytes() / 2))));
        yield new PageMutation(kind, page.bodyStart() + page.bodyBytes() - len, len, 0);
      }
      case CUT_FILE -> new PageMutation(kind, page.bodyStart() + rnd.nextInt(Math.max(1, page.bodyBytes())), 0, 0);
    };
  }

  /** The damaged copy of {@code original}. */
  byte[] apply(byte[] original) {
    int at = (int) offset;
    return switch (kind) {
      case FLIP_PAGE_BODY, FLIP_PAGE_HEADER, FLIP_ANYWHERE -> {
        byte[] b = original.clone();
        b[at] ^= (byte) xor;
        yield b;
      }
      case ZERO_RANGE -> {
        byte[] b = original.clone();
        Arrays.fill(b, at, at + length, (byte) 0);
        yield b;
      }
      case TRUNCATE_PAGE -> {
        byte[] b = new byte[original.length - length];
        System.arraycopy(original, 0, b, 0, at);
        System.arraycopy(original, at + length, b, at, original.length - at - length);
        yield b;
      }
      case CUT_FILE -> Arrays.copyOf(original, at);
    };
  }

  /** The one-line form read back by {@link #parse}. */
  @Override
  public String toString() {
    return kind + " " + offset + " " + length + " 0x" + Integer.toHexString(xor);
  }

  /** Reads the form of {@link #toString}. */
  static PageMutation parse(String text) {
    String[] f = text.trim().split("\\s+");
    if (f.length != 4 || !f[3].toLowerCase(Locale.ROOT).startsWith("0x")) {
      throw new IllegalArgumentException("expected KIND OFFSET LENGTH 0xXOR, got: " + text);
    }
    return new PageMutation(Kind.valueOf(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2]),
        Integer.parseInt(f[3].substring(2), 16));
  }
}
