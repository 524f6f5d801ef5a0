package io.kvflow.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A file written under a temporary name beside its target ({@code .kvflow-NAME.DIGITS.tmp}, see
 * {@link TempNames}) and renamed into place on commit, so no reader ever sees a partial file;
 * closing without commit deletes the temporary file.
 *
 * <p>Only an absent path or a regular file is ever replaced: a directory, FIFO, socket or device at
 * the target is refused (exit 2) when the output is created and again just before the rename.
 */
public final class AtomicOutput implements AutoCloseable {
  private final Path target;
  private final Path temporary;
  private final Durability durability;
  private boolean committed;

  private AtomicOutput(Path target, Path temporary, Durability durability) {
    this.target = target;
    this.temporary = temporary;
    this.durability = durability;
  }

  /** Reserves a temporary file beside {@code target}; fails with a clear message when it cannot. */
  public static AtomicOutput create(Path target) {
    return create(target, Durability.RENAMED);
  }

  /** As {@link #create(Path)}, forcing the file to the disk before the rename when {@code durability} asks. */
  public static AtomicOutput create(Path target, Durability durability) {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    requireReplaceable(target);
    if (dir != null && !Files.isDirectory(dir)) {
      throw new BadInputException(target + ": directory " + dir + " does not exist; create it first");
    }
    try {
      return new AtomicOutput(target, TempNames.newTemporaryFile(absolute), durability);
    } catch (IOException e) {
      throw new BadInputException(target + ": cannot create a file there (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Refuses a target that is not an absent path or a regular file, with one line naming it, what
   * it is and what to do.
   */
  public static void requireReplaceable(Path target) {
    FileKind kind = FileKind.of(target);
    if (kind == FileKind.DIRECTORY) {
      throw new BadInputException(target + ": is a directory; give a file name for the output");
    }
    if (kind != FileKind.ABSENT && kind != FileKind.REGULAR_FILE) {
      throw new BadInputException(target + ": is " + kind.description() + "; KVFlow writes only to a new path or "
          + "replaces a regular file, so give another output path");
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
    requireReplaceable(target);
    try {
      try {
        // a finished output gets the usual rw-r--r--
        Files.setPosixFilePermissions(temporary, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      if (durability == Durability.FORCED) {
        force(temporary);
      }
      try {
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
      }
      committed = true;
      if (durability == Durability.FORCED) {
        forceDirectory(target.toAbsolutePath().getParent());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rename " + temporary + " to " + target, e);
    }
  }

  /** Writes {@code bytes} to {@code target} atomically. */
  public static void writeBytes(Path target, byte[] bytes) {
    writeBytes(target, bytes, Durability.RENAMED);
  }

  /** Writes {@code bytes} to {@code target} atomically, as durable as {@code durability} says. */
  public static void writeBytes(Path target, byte[] bytes, Durability durability) {
    try (AtomicOutput out = create(target, durability)) {
      Files.write(out.temporary(), bytes);
      out.commit();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }

  /** Forces a file's data and metadata to the disk. */
  static void force(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /** Forces a directory's entries (a rename or a new name in it) to the disk, where the platform allows it. */
  static void forceDirectory(Path dir) {
    if (dir == null) {
      return;
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not every platform opens a directory as a channel; the rename itself is done
    }
  }

  @Override
  public void close() {
    if (!committed) {
      try {
        Files.deleteIfExists(temporary);
      } catch (IOException ignored) {
        // best effort: the temporary name is recognised and removed by the next run
      }
    }
  }
}
