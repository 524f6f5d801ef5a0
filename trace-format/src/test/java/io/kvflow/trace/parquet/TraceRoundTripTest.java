package io.kvflow.trace.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.batch.RequestBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Property tests: random valid traces written and read back are equal, through every read path. */
class TraceRoundTripTest {
  @TempDir
  Path dir;

  record Access(long time, long request, int step, int layer, long block, int op, int tokens, float mass) {}

  record Request(long id, long arrival, String tenant, Long session, int input, int output, long[] hashes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Request r && id == r.id && arrival == r.arrival && Objects.equals(tenant, r.tenant)
          && Objects.equals(session, r.session) && input == r.input && output == r.output
          && Arrays.equals(hashes, r.hashes);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(id);
    }
  }

  static List<Access> randomAccesses(SplittableRandom rnd, int n, int blockTokens) {
    List<Access> rows = new ArrayList<>();
    long t = rnd.nextLong(1000);
    for (int i = 0; i < n; i++) {
      t += rnd.nextInt(3) == 0 ? 0 : rnd.nextLong(1_000_000);
      float mass = rnd.nextInt(4) == 0 ? Float.NaN : (float) rnd.nextDouble();
      rows.add(new Access(t, rnd.nextLong(), rnd.nextInt(-1, 5000), rnd.nextInt(-1, 128), rnd.nextLong(),
          rnd.nextInt(4), rnd.nextInt(blockTokens + 1), mass));
    }
    return rows;
  }

  static List<Request> randomRequests(SplittableRandom rnd, int n, int blockTokens) {
    List<Request> rows = new ArrayList<>();
    long t = 0;
    for (int i = 0; i < n; i++) {
      t += rnd.nextLong(1_000_000_000L);
      int input = 1 + rnd.nextInt(5000);
      long[] hashes = rnd.nextInt(5) == 0 ? new long[0] : rnd.longs((input + blockTokens - 1) / blockTokens).toArray();
      String tenant = rnd.nextInt(3) == 0 ? null : "t<" + rnd.nextInt(5) + ">\u00e9";
      Long session = rnd.nextInt(3) == 0 ? null : rnd.nextLong(100);
      rows.add(new Request(i * 7L + rnd.nextInt(7), t, tenant, session, input, rnd.nextInt(2000), hashes));
    }
    return rows;
  }

  static Path writeAccesses(Path file, List<Access> rows, int blockTokens, WriterOptions options) {
    try (AccessTraceWriter w = AccessTraceWriter.open(file, TraceMetadata.of(TraceKind.ACCESSES, blockTokens, "test"),
        options)) {
      for (Access a : rows) {
        w.append(a.time, a.request, a.step, a.layer, a.block, a.op, a.tokens, a.mass);
      }
      w.commit();
    }
    return file;
  }

  static Path writeRequests(Path file, List<Request> rows, int blockTokens) {
    try (RequestTraceWriter w = RequestTraceWriter.open(file, TraceMetadata.of(TraceKind.REQUESTS, blockTokens, "test"))) {
      for (Request r : rows) {
        w.append(r.id, r.arrival, r.tenant, r.session != null, r.session == null ? 0 : r.session, r.input, r.output,
            r.hashes, 0, r.hashes.length);
      }
      w.commit();
    }
    return file;
  }

  static List<Access> readAccesses(Path file, int batchRows) {
    List<Access> out = new ArrayList<>();
    try (TraceReader r = TraceReader.open(file); AccessBatch b = r.newAccessBatch(batchRows)) {
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          out.add(new Access(b.timeNs(i), b.requestId(i), b.step(i), b.layer(i), b.block(i), b.op(i), b.tokens(i),
              b.attnMass(i)));
        }
      }
    }
    return out;
  }

  static List<Request> readRequests(Path file, int batchRows) {
    List<Request> out = new ArrayList<>();
    try (TraceReader r = TraceReader.open(file); RequestBatch b = r.newRequestBatch(batchRows)) {
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          long[] h = new long[b.hashEnd(i) - b.hashStart(i)];
          for (int k = 0; k < h.length; k++) {
            h[k] = b.hash(b.hashStart(i) + k);
          }
          out.add(new Request(b.requestId(i), b.arrivalNs(i), b.tenant(i), b.hasSessionId(i) ? b.sessionId(i) : null,
              b.inputTokens(i), b.outputTokens(i), h));
        }
      }
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void randomAccessTracesRoundTrip(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int n = 1 + rnd.nextInt(30_000);
    int bt = 1 + rnd.nextInt(64);
    List<Access> rows = randomAccesses(rnd, n, bt);
    // small row groups and pages so batches cross page and row-group boundaries
    WriterOptions small = new WriterOptions(CompressionCodecName.ZSTD, 1, 1 << 17, 4096);
    Path f = writeAccesses(dir.resolve("a" + seed + ".parquet"), rows, bt, small);
    for (int batch : new int[] {1, 7, 1000, 65536}) {
      assertEquals(rows, readAccesses(f, batch), "batch " + batch);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13})
  void randomRequestTracesRoundTrip(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int bt = 1 + rnd.nextInt(600);
    List<Request> rows = randomRequests(rnd, 1 + rnd.nextInt(3000), bt);
    Path f = writeRequests(dir.resolve("r" + seed + ".parquet"), rows, bt);
    for (int batch : new int[] {1, 13, 4096}) {
      assertEquals(rows, readRequests(f, batch), "batch " + batch);
    }
  }

  @Test
  void emptyTracesRoundTrip() {
    assertEquals(List.of(), readAccesses(writeAccesses(dir.resolve("e.parquet"), List.of(), 16, WriterOptions.DEFAULT), 10));
    assertEquals(List.of(), readRequests(writeRequests(dir.resolve("f.parquet"), List.of(), 16), 10));
  }

  @Test
  void projectionReadsOnlyTheNamedColumns() {
    List<Access> rows = randomAccesses(new SplittableRandom(9), 5000, 16);
    Path f = writeAccesses(dir.resolve("p.parquet"), rows, 16, WriterOptions.DEFAULT);
    try (TraceReader r = TraceReader.open(f, List.of(TraceSchema.BLOCK)); AccessBatch b = r.newAccessBatch(999)) {
      int k = 0;
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          assertEquals(rows.get(k++).block(), b.block(i));
        }
      }
      assertEquals(rows.size(), k);
    }
  }

  /** Files as other engines lay them out (optional columns, dictionaries, V2 pages) read the same. */
  @ParameterizedTest
  @ValueSource(strings = {"PARQUET_1_0", "PARQUET_2_0"})
  void otherEnginesLayoutsReadTheSameAsOurs(String version) throws Exception {
    SplittableRandom rnd = new SplittableRandom(77);
    List<Access> rows = randomAccesses(rnd, 20_000, 16);
    for (int i = 0; i < rows.size(); i++) {
      Access a = rows.get(i);
      rows.set(i, new Access(a.time, a.request % 50, a.step, a.layer, a.block % 300, a.op, a.tokens, a.mass));
    }
    MessageType optionalSchema = Types.buildMessage()
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
    for (Access a : rows) {
      Map<String, Object> m = new HashMap<>();
      m.put(TraceSchema.TIME_NS, a.time);
      m.put(TraceSchema.REQUEST_ID, a.request);
      m.put(TraceSchema.STEP, a.step);
      m.put(TraceSchema.LAYER, a.layer);
      m.put(TraceSchema.BLOCK, a.block);
      m.put(TraceSchema.OP, a.op);
      m.put(TraceSchema.TOKENS, a.tokens);
      m.put(TraceSchema.ATTN_MASS, Float.isNaN(a.mass) ? null : a.mass);
      raw.add(m);
    }
    Path f = dir.resolve("other.parquet");
    RawParquet.write(f, optionalSchema, TraceMetadata.of(TraceKind.ACCESSES, 16, "other").toKeyValues(), raw, true,
        WriterVersion.valueOf(version), 777);
    assertEquals(rows, readAccesses(f, 4096));
    Path ours = writeAccesses(dir.resolve("ours.parquet"), rows, 16, WriterOptions.DEFAULT);
    assertEquals(readAccesses(ours, 4096), readAccesses(f, 1000));
    assertFalse(Files.size(f) == 0);
  }

  @Test
  void requestsWithTwoLevelAndOptionalListsRead() throws Exception {
    MessageType schema = Types.buildMessage()
        .optional(PrimitiveTypeName.INT64).named(TraceSchema.REQUEST_ID)
        .optional(PrimitiveTypeName.INT64).named(TraceSchema.ARRIVAL_NS)
        .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(TraceSchema.TENANT)
        .optional(PrimitiveTypeName.INT64).named(TraceSchema.SESSION_ID)
        .optional(PrimitiveTypeName.INT32).named(TraceSchema.INPUT_TOKENS)
        .optional(PrimitiveTypeName.INT32).named(TraceSchema.OUTPUT_TOKENS)
        .optionalList().optionalElement(PrimitiveTypeName.INT64).named(TraceSchema.BLOCK_HASHES)
        .named("pyarrow_like");
    List<Request> rows = randomRequests(new SplittableRandom(5), 2000, 32);
    List<Map<String, Object>> raw = new ArrayList<>();
    for (Request r : rows) {
      Map<String, Object> m = new HashMap<>();
      m.put(TraceSchema.REQUEST_ID, r.id);
      m.put(TraceSchema.ARRIVAL_NS, r.arrival);
      m.put(TraceSchema.TENANT, r.tenant);
      m.put(TraceSchema.SESSION_ID, r.session);
      m.put(TraceSchema.INPUT_TOKENS, r.input);
      m.put(TraceSchema.OUTPUT_TOKENS, r.output);
      m.put(TraceSchema.BLOCK_HASHES, r.hashes);
      raw.add(m);
    }
    for (WriterVersion v : WriterVersion.values()) {
      Path f = dir.resolve("req-" + v + ".parquet");
      RawParquet.write(f, schema, TraceMetadata.of(TraceKind.REQUESTS, 32, "x").toKeyValues(), raw, true, v, 100);
      assertEquals(rows, readRequests(f, 333), v.toString());
    }
  }
}
