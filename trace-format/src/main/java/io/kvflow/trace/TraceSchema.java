package io.kvflow.trace;

import java.util.List;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/** Column names and the Parquet message types of schema v1 (see docs/trace-format.md). */
public final class TraceSchema {
  private TraceSchema() {}

  // requests
  public static final String REQUEST_ID = "request_id";
  public static final String ARRIVAL_NS = "arrival_ns";
  public static final String TENANT = "tenant";
  public static final String SESSION_ID = "session_id";
  public static final String INPUT_TOKENS = "input_tokens";
  public static final String OUTPUT_TOKENS = "output_tokens";
  public static final String BLOCK_HASHES = "block_hashes";

  // accesses
  public static final String TIME_NS = "time_ns";
  public static final String STEP = "step";
  public static final String LAYER = "layer";
  public static final String BLOCK = "block";
  public static final String OP = "op";
  public static final String TOKENS = "tokens";
  public static final String ATTN_MASS = "attn_mass";

  public static final List<String> REQUEST_COLUMNS =
      List.of(REQUEST_ID, ARRIVAL_NS, TENANT, SESSION_ID, INPUT_TOKENS, OUTPUT_TOKENS, BLOCK_HASHES);
  public static final List<String> ACCESS_COLUMNS =
      List.of(TIME_NS, REQUEST_ID, STEP, LAYER, BLOCK, OP, TOKENS, ATTN_MASS);

  public static final MessageType REQUESTS =
      Types.buildMessage()
          .required(PrimitiveTypeName.INT64).named(REQUEST_ID)
          .required(PrimitiveTypeName.INT64).named(ARRIVAL_NS)
          .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(TENANT)
          .optional(PrimitiveTypeName.INT64).named(SESSION_ID)
          .required(PrimitiveTypeName.INT32).named(INPUT_TOKENS)
          .required(PrimitiveTypeName.INT32).named(OUTPUT_TOKENS)
          .requiredList().requiredElement(PrimitiveTypeName.INT64).named(BLOCK_HASHES)
          .named("kvflow_requests");

  public static final MessageType ACCESSES =
      Types.buildMessage()
          .required(PrimitiveTypeName.INT64).named(TIME_NS)
          .required(PrimitiveTypeName.INT64).named(REQUEST_ID)
          .required(PrimitiveTypeName.INT32).named(STEP)
          .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.intType(16, true)).named(LAYER)
          .required(PrimitiveTypeName.INT64).named(BLOCK)
          .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.intType(8, true)).named(OP)
          .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.intType(16, true)).named(TOKENS)
          .optional(PrimitiveTypeName.FLOAT).named(ATTN_MASS)
          .named("kvflow_accesses");

  public static MessageType of(TraceKind kind) {
    return kind == TraceKind.REQUESTS ? REQUESTS : ACCESSES;
  }

  /** Columns that may hold nulls; every other column must hold a value in every row. */
  public static boolean nullable(String column) {
    return column.equals(TENANT) || column.equals(SESSION_ID) || column.equals(ATTN_MASS);
  }

}
