package io.kvflow.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The names KVFlow gives the files it keeps beside an output {@code NAME} while writing it, so
 * that a later run recognises (and removes) what a killed run left:
 *
 * <ul>
 *   <li>{@code .kvflow-NAME.DIGITS.tmp}: a file or directory being written, renamed onto NAME on commit;
 *   <li>{@code .kvflow-NAME.DIGITS.old}: an earlier directory NAME, moved aside for an instant while a
 *       new one takes its place;
 *   <li>{@code .kvflow-NAME.lock}: held by the one command writing NAME.
 * </ul>
 *
 * <p>DIGITS is a random non-negative decimal number. Because it has no dot, {@code NAME} is read back
 * unambiguously (the last two dots delimit it), so the leftovers of {@code a} are never taken for
 * those of {@code a.b}. Versions before these names used {@code .NAME.DIGITS.tmp}; those are
 * recognised too.
 */
public final class TempNames {
  static final String PREFIX = ".kvflow-";
  static final String TEMPORARY = ".tmp";
  static final String ASIDE = ".old";
  static final String LOCK = ".lock";

  private TempNames() {}

  /** A new empty file {@code .kvflow-NAME.DIGITS.tmp} beside {@code target}. */
  static Path newTemporaryFile(Path target) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        return Files.createFile(sibling(target, TEMPORARY));
      } catch (FileAlreadyExistsException e) {
        if (attempt > 100) {
          throw e;
        }
      }
    }
  }

  /** A new empty directory {@code .kvflow-NAME.DIGITS.tmp} beside {@code target}. */
  static Path newTemporaryDirectory(Path target) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        return Files.createDirectory(sibling(target, TEMPORARY));
      } catch (FileAlreadyExistsException e) {
        if (attempt > 100) {
          throw e;
        }
      }
    }
  }

  /** A free name {@code .kvflow-NAME.DIGITS.old} beside {@code target} (not created). */
  static Path newAsideName(Path target) {
    Path p;
    do {
      p = sibling(target, ASIDE);
    } while (Files.exists(p));
    return p;
  }

  /** The lock file of {@code target}: {@code .kvflow-NAME.lock} beside it. */
  public static Path lockFile(Path target) {
    return target.resolveSibling(PREFIX + target.getFileName() + LOCK);
  }

  /** Whether {@code entry} is a temporary of the output named {@code targetName} (this or an older version's). */
  static boolean isTemporaryOf(String targetName, String entry) {
    return isNumbered(entry, PREFIX + targetName + ".", TEMPORARY) || isNumbered(entry, "." + targetName + ".", TEMPORARY);
  }

  /** Whether {@code entry} is an earlier directory of the output named {@code targetName}, moved aside. */
  static boolean isAsideOf(String targetName, String entry) {
    return isNumbered(entry, PREFIX + targetName + ".", ASIDE);
  }

  /** Whether {@code entry} is any KVFlow leftover: a temporary, something moved aside, or a lock file. */
  public static boolean isScratch(String entry) {
    if (entry.startsWith(PREFIX) && entry.endsWith(LOCK)) {
      return true;
    }
    for (String suffix : new String[] {TEMPORARY, ASIDE}) {
      if (entry.startsWith(".") && entry.endsWith(suffix)) {
        String stem = entry.substring(0, entry.length() - suffix.length());
        int dot = stem.lastIndexOf('.');
        if (dot > 0 && dot < stem.length() - 1 && stem.substring(dot + 1).chars().allMatch(Character::isDigit)
            && (suffix.equals(TEMPORARY) || entry.startsWith(PREFIX))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Deletes the temporaries a killed run left beside {@code target} (not what was moved aside: see
   * {@link OutputSet}); the caller holds {@code target}'s lock, so no live writer owns them.
   * Returns how many it removed.
   */
  public static int removeStale(Path target) {
    Path dir = target.toAbsolutePath().getParent();
    String name = target.getFileName().toString();
    int removed = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + TEMPORARY)) {
      for (Path e : entries) {
        if (isTemporaryOf(name, e.getFileName().toString())) {
          deleteTree(e);
          removed++;
        }
      }
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + " for leftovers of " + name, e);
    }
    return removed;
  }

  /**
   * Deletes every KVFlow temporary directly in {@code dir} (the caller holds the lock of the output
   * that contains it, so all are stale); returns how many.
   */
  public static int removeAllTemporaries(Path dir) {
    int removed = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ".*" + TEMPORARY)) {
      for (Path e : entries) {
        if (isScratch(e.getFileName().toString())) {
          deleteTree(e);
          removed++;
        }
      }
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + " for leftovers", e);
    }
    return removed;
  }

  /** Deletes a file, or a directory with everything under it (links are removed, never followed). */
  public static void deleteTree(Path path) {
    try {
      Files.walkFileTree(path, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          throw e;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          if (e != null && !(e instanceof NoSuchFileException)) {
            throw e;
          }
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path, e);
    }
  }

  private static Path sibling(Path target, String suffix) {
    long digits = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    return target.resolveSibling(PREFIX + target.getFileName() + "." + digits + suffix);
  }

  private static boolean isNumbered(String entry, String prefix, String suffix) {
    if (!entry.startsWith(prefix) || !entry.endsWith(suffix) || entry.length() <= prefix.length() + suffix.length()) {
      return false;
    }
    return entry.substring(prefix.length(), entry.length() - suffix.length()).chars().allMatch(c -> c >= '0' && c <= '9');
  }
}
