package io.kvflow.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A file written under a temporary name beside its target and renamed into place on commit, so no
 * reader ever sees a partial file; closing without commit deletes the temporary file.
 */
public final class AtomicOutput implements AutoCloseable {
  private final Path target;
  private final Path temporary;
  private boolean committed;

  private AtomicOutput(Path target, Path temporary) {
    this.target = target;
    this.temporary = temporary;
  }

  /** Reserves a temporary file beside {@code target}; fails with a clear message when it cannot. */
  public static AtomicOutput create(Path target) {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    if (Files.isDirectory(absolute)) {
      throw new BadInputException(target + ": is a directory; give a file name for the output");
    }
    if (dir != null && !Files.isDirectory(dir)) {
      throw new BadInputException(target + ": directory " + dir + " does not exist; create it first");
    }
    try {
      Path tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
      return new AtomicOutput(target, tmp);
    } catch (IOException e) {
      throw new BadInputException(target + ": cannot create a file there (" + e.getMessage() + ")", e);
    }
  }

  public Path temporary() {
    return temporary;
  }

  public Path target() {
    return target;
  }

  /** Moves the finished temporary file onto the target. */
  public void commit() {
    try {
      try {
        // createTempFile makes owner-only files; a finished output gets the usual rw-r--r--.
        Files.setPosixFilePermissions(temporary, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      try {
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
      }
      committed = true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rename " + temporary + " to " + target, e);
    }
  }

  /** Writes {@code bytes} to {@code target} atomically. */
  public static void writeBytes(Path target, byte[] bytes) {
    try (AtomicOutput out = create(target)) {
      Files.write(out.temporary(), bytes);
      out.commit();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }

  @Override
  public void close() {
    if (!committed) {
      try {
        Files.deleteIfExists(temporary);
      } catch (IOException ignored) {
        // best effort: the temporary name is hidden and never read
      }
    }
  }
}
