package io.kvflow.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What a path names, following symbolic links: the answer to "may KVFlow read this as a file, or
 * replace it with one?". Only {@link #REGULAR_FILE} is ever read as an input or replaced by an
 * output; a FIFO would block a reader forever and a device or socket is never ours to replace.
 */
public enum FileKind {
  ABSENT("nothing"),
  REGULAR_FILE("a regular file"),
  DIRECTORY("a directory"),
  FIFO("a FIFO (named pipe)"),
  SOCKET("a socket"),
  CHARACTER_DEVICE("a character device"),
  BLOCK_DEVICE("a block device"),
  OTHER("not a regular file");

  // file type bits of st_mode (POSIX)
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFIFO = 0010000;

  private final String description;

  FileKind(String description) {
    this.description = description;
  }

  /** How messages name this kind: "a FIFO (named pipe)", "a character device". */
  public String description() {
    return description;
  }

  /** The kind of {@code path}; a dangling symbolic link counts as absent. */
  public static FileKind of(Path path) {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return ABSENT;
    } catch (IOException e) {
      // e.g. a path through a file ("a.txt/b") or no permission to look: not something to read or replace
      return Files.exists(path, LinkOption.NOFOLLOW_LINKS) ? OTHER : ABSENT;
    }
    if (a.isRegularFile()) {
      return REGULAR_FILE;
    }
    if (a.isDirectory()) {
      return DIRECTORY;
    }
    try {
      int type = ((Integer) Files.getAttribute(path, "unix:mode")) & S_IFMT;
      return switch (type) {
        case S_IFIFO -> FIFO;
        case S_IFSOCK -> SOCKET;
        case S_IFCHR -> CHARACTER_DEVICE;
        case S_IFBLK -> BLOCK_DEVICE;
        default -> OTHER;
      };
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return OTHER; // no unix attribute view: a non-regular, non-directory file all the same
    }
  }
}
