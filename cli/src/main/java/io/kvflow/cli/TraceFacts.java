package io.kvflow.cli;

import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Small facts about a trace for report headers, read from its footer and (for tenants) one column. */
final class TraceFacts {
  private TraceFacts() {}

  static String source(Path trace) {
    return TraceReader.readMetadata(trace).source();
  }

  /**
   * {first, last} arrival time of a requests trace in nanoseconds from its start; {0, 0} for an
   * empty trace or one of accesses. Arrivals are non-decreasing, so these are the first and last rows'.
   */
  static long[] arrivalRange(Path trace) {
    long first = -1;
    long last = 0;
    if (TraceReader.readMetadata(trace).kind() == TraceKind.REQUESTS) {
      try (TraceReader r = TraceReader.open(trace, List.of(TraceSchema.ARRIVAL_NS)); RequestBatch b = r.newRequestBatch(8192)) {
        while (r.next(b)) {
          if (b.size() > 0) {
            first = first < 0 ? b.arrivalNs(0) : first;
            last = b.arrivalNs(b.size() - 1);
          }
        }
      }
    }
    return first < 0 ? new long[] {0, 0} : new long[] {first, last};
  }

  /** Up to {@code max} tenant names in sorted order (requests traces; empty otherwise). */
  static List<String> tenants(Path trace, int max) {
    if (TraceReader.readMetadata(trace).kind() != TraceKind.REQUESTS) {
      return List.of();
    }
    TreeSet<String> names = new TreeSet<>();
    try (TraceReader r = TraceReader.open(trace, List.of(TraceSchema.TENANT)); RequestBatch b = r.newRequestBatch(8192)) {
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          String t = b.tenant(i);
          if (t != null) {
            names.add(t);
            if (names.size() > max) {
              names.pollLast();
            }
          }
        }
      }
    }
    return new ArrayList<>(names);
  }
}
