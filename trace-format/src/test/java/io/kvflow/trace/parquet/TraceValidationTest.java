package io.kvflow.trace.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.BadInputException;
import io.kvflow.trace.TraceFormatException;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.batch.RequestBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per schema v1 rule: a file that breaks it is rejected naming file, row group, row and column. */
class TraceValidationTest {
  @TempDir
  Path dir;

  private static final MessageType ACCESSES_OPTIONAL = Types.buildMessage()
      .optional(PrimitiveTypeName.INT64).named(TraceSchema.TIME_NS)
      .required(PrimitiveTypeName.INT64).named(TraceSchema.REQUEST_ID)
      .required(PrimitiveTypeName.INT32).named(TraceSchema.STEP)
      .required(PrimitiveTypeName.INT32).named(TraceSchema.LAYER)
      .required(PrimitiveTypeName.INT64).named(TraceSchema.BLOCK)
      .required(PrimitiveTypeName.INT32).named(TraceSchema.OP)
      .required(PrimitiveTypeName.INT32).named(TraceSchema.TOKENS)
      .optional(PrimitiveTypeName.FLOAT).named(TraceSchema.ATTN_MASS)
      .named("t");

  private static final MessageType REQUESTS_OPTIONAL = Types.buildMessage()
      .required(PrimitiveTypeName.INT64).named(TraceSchema.REQUEST_ID)
      .required(PrimitiveTypeName.INT64).named(TraceSchema.ARRIVAL_NS)
      .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(TraceSchema.TENANT)
      .optional(PrimitiveTypeName.INT64).named(TraceSchema.SESSION_ID)
      .required(PrimitiveTypeName.INT32).named(TraceSchema.INPUT_TOKENS)
      .required(PrimitiveTypeName.INT32).named(TraceSchema.OUTPUT_TOKENS)
      .optionalList().optionalElement(PrimitiveTypeName.INT64).named(TraceSchema.BLOCK_HASHES)
      .named("t");

  private static Map<String, Object> access(Long time, int step, int layer, int op, int tokens, Float mass) {
    Map<String, Object> m = new HashMap<>();
    m.put(TraceSchema.TIME_NS, time);
    m.put(TraceSchema.REQUEST_ID, 1L);
    m.put(TraceSchema.STEP, step);
    m.put(TraceSchema.LAYER, layer);
    m.put(TraceSchema.BLOCK, 5L);
    m.put(TraceSchema.OP, op);
    m.put(TraceSchema.TOKENS, tokens);
    m.put(TraceSchema.ATTN_MASS, mass);
    return m;
  }

  private static Map<String, Object> request(long id, long arrival, int input, int output, long[] hashes) {
    Map<String, Object> m = new HashMap<>();
    m.put(TraceSchema.REQUEST_ID, id);
    m.put(TraceSchema.ARRIVAL_NS, arrival);
    m.put(TraceSchema.INPUT_TOKENS, input);
    m.put(TraceSchema.OUTPUT_TOKENS, output);
    m.put(TraceSchema.BLOCK_HASHES, hashes);
    return m;
  }

  /** Rows 0..2 are valid; the bad row is row 3. */
  private Path accessesWithBadRow(Map<String, Object> bad) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      rows.add(access(10L * i, 0, 0, 0, 16, 0.5f));
    }
    rows.add(bad);
    Path f = dir.resolve("bad-accesses.parquet");
    RawParquet.write(f, ACCESSES_OPTIONAL, TraceMetadata.of(TraceKind.ACCESSES, 16, "t").toKeyValues(), rows, false,
        WriterVersion.PARQUET_1_0, 1000);
    return f;
  }

  private Path requestsWithBadRow(Map<String, Object> bad) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      rows.add(request(i, 10L * i, 20, 1, new long[] {1, 2}));
    }
    rows.add(bad);
    Path f = dir.resolve("bad-requests.parquet");
    RawParquet.write(f, REQUESTS_OPTIONAL, TraceMetadata.of(TraceKind.REQUESTS, 16, "t").toKeyValues(), rows, false,
        WriterVersion.PARQUET_1_0, 1000);
    return f;
  }

  private static String readAllAndFail(Path f) {
    TraceFormatException e = assertThrows(TraceFormatException.class, () -> {
      try (TraceReader r = TraceReader.open(f)) {
        if (r.kind() == TraceKind.ACCESSES) {
          try (AccessBatch b = r.newAccessBatch(2)) {
            while (r.next(b)) {
              // read everything
            }
          }
        } else {
          try (RequestBatch b = r.newRequestBatch(2)) {
            while (r.next(b)) {
              // read everything
            }
          }
        }
      }
    });
    assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
    assertEquals(-1, e.getMessage().indexOf('\n'), "one line");
    return e.getMessage();
  }

  private static void assertCell(String message, String column, String problemFragment) {
    assertTrue(message.contains("row group 0, row 3, column " + column + ": "), message);
    assertTrue(message.contains(problemFragment), message);
  }

  @Test
  void timeMustNotDecrease() throws Exception {
    assertCell(readAllAndFail(accessesWithBadRow(access(5L, 0, 0, 0, 16, null))), "time_ns", "non-decreasing");
  }

  @Test
  void requiredValueMustNotBeNull() throws Exception {
    assertCell(readAllAndFail(accessesWithBadRow(access(null, 0, 0, 0, 16, null))), "time_ns", "null");
  }

  @Test
  void stepIsAtLeastMinusOne() throws Exception {
    assertCell(readAllAndFail(accessesWithBadRow(access(50L, -2, 0, 0, 16, null))), "step", ">= -1");
  }

  @Test
  void layerIsAtLeastMinusOneAndFitsInt16() throws Exception {
    assertCell(readAllAndFail(accessesWithBadRow(access(50L, 0, -5, 0, 16, null))), "layer", ">= -1");
    assertCell(readAllAndFail(accessesWithBadRow(access(50L, 0, 40_000, 0, 16, null))), "layer", "int16");
  }

  @Test
  void opIsInRange() throws Exception {
    assertCell(readAllAndFail(accessesWithBadRow(access(50L, 0, 0, 4, 16, null))), "op", "not an op");
    assertCell(readAllAndFail(accessesWithBadRow(access(50L, 0, 0, -1, 16, null))), "op", "not an op");
  }

  @Test
  void tokensFitTheBlock() throws Exception {
    assertCell(readAllAndFail(accessesWithBadRow(access(50L, 0, 0, 0, 17, null))), "tokens", "0..16");
    assertCell(readAllAndFail(accessesWithBadRow(access(50L, 0, 0, 0, -1, null))), "tokens", "0..16");
  }

  @Test
  void attentionMassIsAShare() throws Exception {
    assertCell(readAllAndFail(accessesWithBadRow(access(50L, 0, 0, 0, 16, 1.5f))), "attn_mass", "[0, 1]");
    assertCell(readAllAndFail(accessesWithBadRow(access(50L, 0, 0, 0, 16, Float.NaN))), "attn_mass", "NaN");
  }

  @Test
  void requestIdsAreUnique() throws Exception {
    assertCell(readAllAndFail(requestsWithBadRow(request(1, 100, 20, 1, new long[0]))), "request_id", "duplicate");
  }

  @Test
  void arrivalsDoNotDecreaseAndAreNotNegative() throws Exception {
    assertCell(readAllAndFail(requestsWithBadRow(request(9, 5, 20, 1, new long[0]))), "arrival_ns", "non-decreasing");
    List<Map<String, Object>> rows = new ArrayList<>(List.of(request(0, -1, 20, 1, new long[0])));
    Path f = dir.resolve("neg.parquet");
    RawParquet.write(f, REQUESTS_OPTIONAL, TraceMetadata.of(TraceKind.REQUESTS, 16, "t").toKeyValues(), rows, false,
        WriterVersion.PARQUET_1_0, 10);
    assertTrue(readAllAndFail(f).contains("row 0, column arrival_ns: value -1 is negative"));
  }

  @Test
  void inputTokensPositiveOutputTokensNotNegative() throws Exception {
    assertCell(readAllAndFail(requestsWithBadRow(request(9, 100, 0, 1, new long[0]))), "input_tokens", "> 0");
    assertCell(readAllAndFail(requestsWithBadRow(request(9, 100, 20, -1, new long[0]))), "output_tokens", ">= 0");
  }

  @Test
  void blockHashesMatchTheInputLength() throws Exception {
    assertCell(readAllAndFail(requestsWithBadRow(request(9, 100, 20, 1, new long[] {1, 2, 3}))), "block_hashes",
        "ceil(input_tokens / 16) = 2");
  }

  @Test
  void blockHashesMustNotBeNull() throws Exception {
    Map<String, Object> m = request(9, 100, 20, 1, null);
    assertCell(readAllAndFail(requestsWithBadRow(m)), "block_hashes", "null list");
  }

  private Path withMetadata(Map<String, String> meta) throws Exception {
    Path f = dir.resolve("meta.parquet");
    RawParquet.write(f, ACCESSES_OPTIONAL, meta, List.of(access(1L, 0, 0, 0, 1, null)), false,
        WriterVersion.PARQUET_1_0, 10);
    return f;
  }

  private static Map<String, String> meta(String schema, String kind, String blockTokens) {
    Map<String, String> m = new LinkedHashMap<>();
    if (schema != null) {
      m.put("kvflow.schema", schema);
    }
    if (kind != null) {
      m.put("kvflow.kind", kind);
    }
    if (blockTokens != null) {
      m.put("kvflow.block_tokens", blockTokens);
    }
    return m;
  }

  private String openFails(Path f) {
    BadInputException e = assertThrows(BadInputException.class, () -> TraceReader.open(f).close());
    assertEquals(-1, e.getMessage().indexOf('\n'), "one line");
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    return e.getMessage();
  }

  @Test
  void metadataRules() throws Exception {
    assertTrue(openFails(withMetadata(meta(null, "accesses", "16"))).contains("kvflow.schema missing"));
    assertTrue(openFails(withMetadata(meta("2", "accesses", "16"))).contains("kvflow.schema=2 is not supported"));
    assertTrue(openFails(withMetadata(meta("1", "tokens", "16"))).contains("kvflow.kind=tokens"));
    assertTrue(openFails(withMetadata(meta("1", "accesses", "0"))).contains("kvflow.block_tokens=0"));
    assertTrue(openFails(withMetadata(meta("1", "accesses", "x"))).contains("kvflow.block_tokens=x"));
  }

  @Test
  void columnTypesAreChecked() throws Exception {
    MessageType wrongType = Types.buildMessage()
        .required(PrimitiveTypeName.INT32).named(TraceSchema.TIME_NS)
        .named("t");
    Path f = dir.resolve("types.parquet");
    Map<String, Object> row = new HashMap<>();
    row.put(TraceSchema.TIME_NS, 1);
    RawParquet.write(f, wrongType, TraceMetadata.of(TraceKind.ACCESSES, 16, "t").toKeyValues(), List.of(row), false,
        WriterVersion.PARQUET_1_0, 10);
    assertTrue(openFails(f).contains("column time_ns: physical type INT32, expected INT64"));
    MessageType missing = Types.buildMessage()
        .required(PrimitiveTypeName.INT64).named(TraceSchema.TIME_NS)
        .named("t");
    row.put(TraceSchema.TIME_NS, 1L);
    RawParquet.write(f, missing, TraceMetadata.of(TraceKind.ACCESSES, 16, "t").toKeyValues(), List.of(row), false,
        WriterVersion.PARQUET_1_0, 10);
    assertTrue(openFails(f).contains("column request_id missing"));
  }

  @Test
  void nonTraceFilesAreRejectedClearly() throws Exception {
    Path good = TraceRoundTripTest.writeAccesses(dir.resolve("good.parquet"),
        TraceRoundTripTest.randomAccesses(new java.util.SplittableRandom(1), 5000, 16), 16, WriterOptions.DEFAULT);
    byte[] bytes = Files.readAllBytes(good);
    Path truncated = Files.write(dir.resolve("truncated.parquet"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertTrue(openFails(truncated).contains("truncated"));
    Path csv = Files.writeString(dir.resolve("table.parquet"), "a,b\n1,2\n");
    assertTrue(openFails(csv).contains("not a Parquet file"));
    Path empty = Files.createFile(dir.resolve("empty.parquet"));
    assertTrue(openFails(empty).contains("empty file"));
    Path folder = Files.createDirectory(dir.resolve("folder.parquet"));
    assertTrue(openFails(folder).contains("is a directory"));
    assertTrue(openFails(dir.resolve("missing.parquet")).contains("no such file"));
    MessageType other = Types.buildMessage().required(PrimitiveTypeName.INT64).named("x").named("other");
    Path otherSchema = dir.resolve("other.parquet");
    Map<String, Object> row = new HashMap<>();
    row.put("x", 1L);
    RawParquet.write(otherSchema, other, Map.of(), List.of(row), false, WriterVersion.PARQUET_1_0, 10);
    assertTrue(openFails(otherSchema).contains("not a KVFlow trace"));
  }

  @Test
  void writersRefuseInvalidRowsAndLeaveNoFile() {
    Path f = dir.resolve("w.parquet");
    try (AccessTraceWriter w = AccessTraceWriter.open(f, TraceMetadata.of(TraceKind.ACCESSES, 16, "t"))) {
      w.append(10, 0, 0, 0, 0, 0, 16, Float.NaN);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> w.append(5, 0, 0, 0, 0, 0, 16, Float.NaN));
      assertTrue(e.getMessage().contains("row 1, column time_ns"), e.getMessage());
    }
    assertTrue(Files.notExists(f));
    try (var s = Files.list(dir)) {
      assertEquals(0, s.count(), "no temporary file left");
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
