package io.kvflow.common;

/** Receives progress of a long operation; the command line draws it on a terminal, tests ignore it. */
@FunctionalInterface
public interface Progress {
  Progress NONE = (done, total) -> { };

  /** {@code done} units of {@code total} (total 0 when unknown). */
  void update(long done, long total);
}
