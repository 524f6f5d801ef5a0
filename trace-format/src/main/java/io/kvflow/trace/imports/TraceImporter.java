package io.kvflow.trace.imports;

import io.kvflow.common.Progress;
import java.nio.file.Path;

/** Converts one external trace format into a schema v1 file, streaming (memory does not grow with the input). */
public interface TraceImporter {
  /** One line: the format and what it becomes. */
  String description();

  /**
   * Whether the format is length-only, so that {@link ImportOptions#prefixModel()} may give it
   * synthetic block hashes; formats with their own hashes keep them and refuse a prefix model.
   */
  default boolean acceptsPrefixModel() {
    return false;
  }

  /** Whether the format's blocks may be re-chunked into smaller ones ({@link ImportOptions#rechunkTokens()}). */
  default boolean acceptsRechunk() {
    return false;
  }

  /**
   * Reads {@code input} (plain, or compressed as its suffix says: .gz, .zst) and writes {@code output}
   * atomically; returns the rows written. Bad input raises {@link ImportException} and leaves no output.
   */
  long importTrace(Path input, Path output, ImportOptions options, Progress progress);
}
