package io.kvflow.trace.parquet;

import io.kvflow.common.BadInputException;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.parquet.PageMutation.PageMap;
import io.kvflow.trace.parquet.TraceRoundTripTest.Access;
import io.kvflow.trace.parquet.TraceRoundTripTest.Request;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * The Parquet fuzz harness: seed traces (the sample traces, small generated ones, and files laid
 * out as other writers lay them out), page-aimed mutations of them ({@link PageMutation}), and the
 * outcome of reading each damaged copy whole with {@link TraceReader}, compared row by row with the
 * original's read.
 *
 * <p>The promise for files with page checksums: a damaged copy reads identically (the damage hit
 * bytes that do not matter) or is refused with one line (exit 2); never different rows without an
 * error, never an internal error. Files without checksums may read differently (nothing can tell),
 * but are still never an internal error.
 */
final class ParquetFuzz {
  /** What reading a damaged copy gave. */
  enum Outcome {
    /** The same rows and footer facts as the original. */
    IDENTICAL,
    /** Refused with a one-line BadInputException (the command line's exit 2). */
    REFUSED,
    /** Different rows, no error: silent corruption. */
    DIFFERENT,
    /** Any other exception (the command line's "internal error", exit 1). */
    INTERNAL_ERROR,
    /** Refused, but the message is not one line naming the file. */
    BAD_MESSAGE
  }

  /** A file to damage, with its page map and the rows of its undamaged read. */
  record Seed(String name, byte[] bytes, boolean checksummed, PageMap pages, TraceSnapshot original) {
    static Seed of(String name, Path file, boolean checksummed) {
      try {
        return new Seed(name, Files.readAllBytes(file), checksummed, PageMap.of(file), TraceSnapshot.read(file));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** One damaged read: the seed, the damage, the outcome and its detail (message or difference). */
  record Case(Seed seed, PageMutation mutation, Outcome outcome, String detail) {
    @Override
    public String toString() {
      return seed.name() + " " + mutation + " -> " + outcome + ": " + detail;
    }
  }

  private ParquetFuzz() {}

  /** Reads {@code mutation} of {@code seed}, written to {@code scratch}. */
  static Case run(Seed seed, PageMutation mutation, Path scratch) {
    try {
      Files.write(scratch, mutation.apply(seed.bytes()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      TraceSnapshot read = TraceSnapshot.read(scratch);
      String difference = seed.original().firstDifference(read);
      return new Case(seed, mutation, difference == null ? Outcome.IDENTICAL : Outcome.DIFFERENT,
          difference == null ? "" : difference);
    } catch (BadInputException e) {
      String m = e.getMessage();
      boolean oneLine = m != null && !m.isBlank() && m.startsWith(scratch.toString()) && m.chars()
          .noneMatch(c -> c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029');
      return new Case(seed, mutation, oneLine ? Outcome.REFUSED : Outcome.BAD_MESSAGE, String.valueOf(m));
    } catch (RuntimeException | Error e) {
      return new Case(seed, mutation, Outcome.INTERNAL_ERROR, e.toString());
    }
  }

  /** Counts of outcomes by kind of mutation. */
  static final class Tally {
    private final Map<PageMutation.Kind, EnumMap<Outcome, Integer>> counts = new EnumMap<>(PageMutation.Kind.class);

    void add(Case c) {
      counts.computeIfAbsent(c.mutation().kind(), k -> new EnumMap<>(Outcome.class)).merge(c.outcome(), 1, Integer::sum);
    }

    int count(PageMutation.Kind kind, Outcome outcome) {
      return counts.getOrDefault(kind, new EnumMap<>(Outcome.class)).getOrDefault(outcome, 0);
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder();
      counts.forEach((kind, byOutcome) -> b.append(kind).append(' ').append(byOutcome).append('\n'));
      return b.toString();
    }
  }

  // ---- seeds ----

  /** The sample traces KVFlow wrote (sample-traces/regenerate), all with page checksums. */
  static List<Seed> sampleTraces() {
    Path root = Path.of("..", "sample-traces");
    List<Seed> seeds = new ArrayList<>();
    for (String name : List.of("chat-small.parquet", "rag-small.parquet", "zipf-small.parquet", "decode-small.parquet",
        "kvflow/mixed_context.parquet")) {
      seeds.add(Seed.of(name, root.resolve(name), true));
    }
    return seeds;
  }

  /**
   * Small traces written by KVFlow's writers with 1 KiB pages (many pages per chunk), small row
   * groups and every codec, into {@code dir}.
   */
  static List<Seed> generatedTraces(Path dir) {
    createDirectories(dir);
    List<Seed> seeds = new ArrayList<>();
    CompressionCodecName[] codecs = {CompressionCodecName.ZSTD, CompressionCodecName.SNAPPY,
        CompressionCodecName.GZIP, CompressionCodecName.UNCOMPRESSED};
    for (int i = 0; i < codecs.length; i++) {
      WriterOptions options = new WriterOptions(codecs[i], 3, 1 << 16, 1024);
      Path accesses = dir.resolve("accesses-" + codecs[i] + ".parquet");
      TraceRoundTripTest.writeAccesses(accesses, TraceRoundTripTest.randomAccesses(new SplittableRandom(i), 6000, 16),
          16, options);
      seeds.add(Seed.of(accesses.getFileName().toString(), accesses, true));
      Path requests = dir.resolve("requests-" + codecs[i] + ".parquet");
      writeRequests(requests, TraceRoundTripTest.randomRequests(new SplittableRandom(10 + i), 300, 64), 64, options);
      seeds.add(Seed.of(requests.getFileName().toString(), requests, true));
    }
    return seeds;
  }

  /**
   * Traces laid out as other writers lay them out (optional columns, dictionary and delta
   * encodings, V1 and V2 pages): these go through parquet-java's value readers, not the PLAIN copy.
   */
  static List<Seed> otherLayouts(Path dir, boolean checksums) {
    createDirectories(dir);
    List<Seed> seeds = new ArrayList<>();
    String tag = checksums ? "" : "-no-crc";
    for (WriterVersion v : WriterVersion.values()) {
      CompressionCodecName codec = v == WriterVersion.PARQUET_1_0 ? CompressionCodecName.ZSTD : CompressionCodecName.SNAPPY;
      Path accesses = dir.resolve("other-accesses-" + v + tag + ".parquet");
      writeOtherAccesses(accesses, v, codec, checksums);
      seeds.add(Seed.of(accesses.getFileName().toString(), accesses, checksums));
      Path requests = dir.resolve("other-requests-" + v + tag + ".parquet");
      writeOtherRequests(requests, v, codec, checksums);
      seeds.add(Seed.of(requests.getFileName().toString(), requests, checksums));
    }
    return seeds;
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void writeRequests(Path file, List<Request> rows, int blockTokens, WriterOptions options) {
    try (RequestTraceWriter w = RequestTraceWriter.open(file, TraceMetadata.of(TraceKind.REQUESTS, blockTokens, "fuzz"),
        options)) {
      for (Request r : rows) {
        w.append(r.id(), r.arrival(), r.tenant(), r.session() != null, r.session() == null ? 0 : r.session(), r.input(),
            r.output(), r.hashes(), 0, r.hashes().length);
      }
      w.commit();
    }
  }

  private static void writeOtherAccesses(Path file, WriterVersion version, CompressionCodecName codec, boolean checksums) {
    MessageType schema = Types.buildMessage()
        .optional(PrimitiveTypeName.INT64).named(TraceSchema.TIME_NS)
        .optional(PrimitiveTypeName.INT64).named(TraceSchema.REQUEST_ID)
        .optional(PrimitiveTypeName.INT32).named(TraceSchema.STEP)
        .optional(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.intType(16, true)).named(TraceSchema.LAYER)
        .optional(PrimitiveTypeName.INT64).named(TraceSchema.BLOCK)
        .optional(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.intType(8, true)).named(TraceSchema.OP)
        .optional(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.intType(16, true)).named(TraceSchema.TOKENS)
        .optional(PrimitiveTypeName.FLOAT).named(TraceSchema.ATTN_MASS)
        .named("other");
    List<Map<String, Object>> raw = new ArrayList<>();
    for (Access a : TraceRoundTripTest.randomAccesses(new SplittableRandom(31), 4000, 16)) {
      Map<String, Object> m = new HashMap<>();
      m.put(TraceSchema.TIME_NS, a.time());
      m.put(TraceSchema.REQUEST_ID, a.request() % 50);
      m.put(TraceSchema.STEP, a.step());
      m.put(TraceSchema.LAYER, a.layer());
      m.put(TraceSchema.BLOCK, a.block() % 300);
      m.put(TraceSchema.OP, a.op());
      m.put(TraceSchema.TOKENS, a.tokens());
      m.put(TraceSchema.ATTN_MASS, Float.isNaN(a.mass()) ? null : a.mass());
      raw.add(m);
    }
    write(file, schema, TraceKind.ACCESSES, 16, raw, version, codec, checksums);
  }

  private static void writeOtherRequests(Path file, WriterVersion version, CompressionCodecName codec, boolean checksums) {
    MessageType schema = Types.buildMessage()
        .optional(PrimitiveTypeName.INT64).named(TraceSchema.REQUEST_ID)
        .optional(PrimitiveTypeName.INT64).named(TraceSchema.ARRIVAL_NS)
        .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(TraceSchema.TENANT)
        .optional(PrimitiveTypeName.INT64).named(TraceSchema.SESSION_ID)
        .optional(PrimitiveTypeName.INT32).named(TraceSchema.INPUT_TOKENS)
        .optional(PrimitiveTypeName.INT32).named(TraceSchema.OUTPUT_TOKENS)
        .optionalList().optionalElement(PrimitiveTypeName.INT64).named(TraceSchema.BLOCK_HASHES)
        .named("pyarrow_like");
    List<Map<String, Object>> raw = new ArrayList<>();
    for (Request r : TraceRoundTripTest.randomRequests(new SplittableRandom(32), 300, 32)) {
      Map<String, Object> m = new HashMap<>();
      m.put(TraceSchema.REQUEST_ID, r.id());
      m.put(TraceSchema.ARRIVAL_NS, r.arrival());
      m.put(TraceSchema.TENANT, r.tenant());
      m.put(TraceSchema.SESSION_ID, r.session());
      m.put(TraceSchema.INPUT_TOKENS, r.input());
      m.put(TraceSchema.OUTPUT_TOKENS, r.output());
      m.put(TraceSchema.BLOCK_HASHES, r.hashes());
      raw.add(m);
    }
    write(file, schema, TraceKind.REQUESTS, 32, raw, version, codec, checksums);
  }

  private static void write(Path file, MessageType schema, TraceKind kind, int blockTokens, List<Map<String, Object>> raw,
      WriterVersion version, CompressionCodecName codec, boolean checksums) {
    try {
      RawParquet.write(file, schema, TraceMetadata.of(kind, blockTokens, "other").toKeyValues(), raw, true, version, 97,
          codec, checksums);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
