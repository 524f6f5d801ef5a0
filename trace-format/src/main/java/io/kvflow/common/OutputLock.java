package io.kvflow.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The lock that lets one command at a time write an output: the file {@code .kvflow-NAME.lock}
 * beside the output, locked with the operating system's file lock (released by the kernel when the
 * process dies, so a killed run never leaves a lock that blocks the next one) and deleted on release.
 *
 * <p>Deleting a lock file while another process waits to open it is the classic race: that process
 * may lock the deleted inode while a third creates and locks a new file under the same name. So
 * after locking, the holder proves the name still leads to its inode: it writes one byte at a
 * random offset and reads the file's size through the name ({@code stat}, which opens nothing and
 * so cannot release a POSIX lock). A lock on a deleted inode is dropped and taken again. Within
 * this JVM a set of held names refuses a second writer before it opens the file, since closing any
 * channel on a locked file would release the lock for the whole process.
 */
public final class OutputLock implements AutoCloseable {
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();
  private static final int MARK_RANGE = 1 << 20;

  private final Path file;
  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;
  private boolean released;

  private OutputLock(Path file, Path key, FileChannel channel, FileLock lock) {
    this.file = file;
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Locks {@code target} for writing, or refuses with exit 2 when another command holds it;
   * {@code option} names the command-line option that chose the target ("--out", "-o").
   */
  public static OutputLock acquire(Path target, String option) {
    Path file = TempNames.lockFile(target.toAbsolutePath().normalize());
    try {
      // one name per directory, however it is spelled (links), so that this JVM's set below sees every holder
      file = file.getParent().toRealPath().resolve(file.getFileName());
    } catch (IOException e) {
      // no such directory: opening the lock file below says so
    }
    Path key = file;
    if (!HELD.add(key)) {
      throw busy(target, option, file);
    }
    try {
      for (int attempt = 0; attempt < 100; attempt++) {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock l;
        try {
          l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
          l = null;
        }
        if (l == null) {
          ch.close();
          throw busy(target, option, file);
        }
        long mark = 64 + ThreadLocalRandom.current().nextInt(MARK_RANGE);
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(("kvflow pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        ch.write(ByteBuffer.wrap(new byte[] {'\n'}), mark);
        long seen;
        try {
          seen = Files.size(file);
        } catch (NoSuchFileException e) {
          seen = -1;
        }
        if (seen == mark + 1) {
          return new OutputLock(file, key, ch, l);
        }
        ch.close(); // we locked a lock file its holder had just deleted: take the current one
      }
      throw new IllegalStateException("cannot take the lock " + file + " (it keeps being replaced)");
    } catch (IOException e) {
      HELD.remove(key);
      throw new BadInputException(target + ": cannot create the lock file " + file + " there (" + e.getMessage() + ")", e);
    } catch (RuntimeException e) {
      HELD.remove(key);
      throw e;
    }
  }

  private static BadInputException busy(Path target, String option, Path file) {
    return new BadInputException(target + ": another kvflow command is writing there (it holds " + file.getFileName()
        + "); wait for it to finish or give another " + option);
  }

  /** The lock file. */
  public Path file() {
    return file;
  }

  /** Deletes the lock file, then releases the lock (in that order: see the class comment). */
  @Override
  public void close() {
    if (released) {
      return;
    }
    released = true;
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a lock file left behind is taken over by the next run
    }
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release " + file, e);
    } finally {
      HELD.remove(key);
    }
  }
}
