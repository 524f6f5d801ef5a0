package io.kvflow.trace.parquet;

import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.batch.RequestBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every row of a trace as {@link TraceReader} returns it (all columns, nulls included), column by
 * column, with the footer facts a replay depends on (kind, tokens per block), for exact comparison
 * of a damaged file's read with the original's.
 */
final class TraceSnapshot {
  private final TraceKind kind;
  private final int blockTokens;
  private final Map<String, Cells> columns = new LinkedHashMap<>();
  private final List<String> tenants = new ArrayList<>();
  private long rows;

  private TraceSnapshot(TraceKind kind, int blockTokens) {
    this.kind = kind;
    this.blockTokens = blockTokens;
  }

  /** Reads {@code file} whole; throws what the reader throws. */
  static TraceSnapshot read(Path file) {
    try (TraceReader r = TraceReader.open(file)) {
      TraceSnapshot s = new TraceSnapshot(r.kind(), r.metadata().blockTokens());
      if (r.kind() == TraceKind.ACCESSES) {
        try (AccessBatch b = r.newAccessBatch(1 << 12)) {
          while (r.next(b)) {
            s.addAccesses(b);
          }
        }
      } else {
        try (RequestBatch b = r.newRequestBatch(1 << 10)) {
          while (r.next(b)) {
            s.addRequests(b);
          }
        }
      }
      return s;
    }
  }

  long rows() {
    return rows;
  }

  private Cells column(String name) {
    return columns.computeIfAbsent(name, n -> new Cells());
  }

  private void addAccesses(AccessBatch b) {
    for (int i = 0; i < b.size(); i++) {
      column(TraceSchema.TIME_NS).add(b.timeNs(i));
      column(TraceSchema.REQUEST_ID).add(b.requestId(i));
      column(TraceSchema.STEP).add(b.step(i));
      column(TraceSchema.LAYER).add(b.layer(i));
      column(TraceSchema.BLOCK).add(b.block(i));
      column(TraceSchema.OP).add(b.op(i));
      column(TraceSchema.TOKENS).add(b.tokens(i));
      boolean mass = b.hasAttnMass(i);
      column(TraceSchema.ATTN_MASS).add(mass ? Float.floatToRawIntBits(b.attnMass(i)) : 0x7fffffffffffffffL);
      rows++;
    }
  }

  private void addRequests(RequestBatch b) {
    for (int i = 0; i < b.size(); i++) {
      column(TraceSchema.REQUEST_ID).add(b.requestId(i));
      column(TraceSchema.ARRIVAL_NS).add(b.arrivalNs(i));
      tenants.add(b.tenantVector().isNull(i) ? null : b.tenant(i));
      boolean session = b.hasSessionId(i);
      column(TraceSchema.SESSION_ID + " (null)").add(session ? 0 : 1);
      column(TraceSchema.SESSION_ID).add(session ? b.sessionId(i) : 0);
      column(TraceSchema.INPUT_TOKENS).add(b.inputTokens(i));
      column(TraceSchema.OUTPUT_TOKENS).add(b.outputTokens(i));
      column(TraceSchema.BLOCK_HASHES + " (length)").add(b.hashEnd(i) - b.hashStart(i));
      Cells hashes = column(TraceSchema.BLOCK_HASHES);
      for (int k = b.hashStart(i); k < b.hashEnd(i); k++) {
        hashes.add(b.hash(k));
      }
      rows++;
    }
  }

  /** Null when {@code other} holds the same rows and footer facts; else where they first differ. */
  String firstDifference(TraceSnapshot other) {
    if (kind != other.kind || blockTokens != other.blockTokens) {
      return "footer: " + kind + "/" + blockTokens + " tokens per block, now " + other.kind + "/" + other.blockTokens;
    }
    if (rows != other.rows) {
      return rows + " rows, now " + other.rows;
    }
    for (var e : columns.entrySet()) {
      Cells mine = e.getValue();
      Cells theirs = other.columns.getOrDefault(e.getKey(), new Cells());
      long at = mine.firstDifference(theirs);
      if (at >= 0) {
        return "column " + e.getKey() + ", value " + at;
      }
    }
    for (int i = 0; i < tenants.size(); i++) {
      if (!Objects.equals(tenants.get(i), other.tenants.get(i))) {
        return "column tenant, row " + i + ": " + tenants.get(i) + ", now " + other.tenants.get(i);
      }
    }
    return null;
  }

  /** A growable column of values as longs. */
  private static final class Cells {
    private long[] values = new long[1024];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    long firstDifference(Cells other) {
      int n = Math.min(size, other.size);
      int at = Arrays.mismatch(values, 0, n, other.values, 0, n);
      return at >= 0 ? at : size != other.size ? n : -1;
    }
  }
}
