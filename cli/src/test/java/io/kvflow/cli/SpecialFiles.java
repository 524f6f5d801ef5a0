package io.kvflow.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;

/** Makes FIFOs, device nodes and small file systems under a test's temporary directory (never under /dev). */
final class SpecialFiles {
  private SpecialFiles() {}

  /** A FIFO at {@code path}; the test is skipped where there is no mkfifo. */
  static Path fifo(Path path) {
    assumeTrue(run("mkfifo", path.toString()), "mkfifo is not available");
    return path;
  }

  /** A character device with /dev/null's numbers at {@code path} (mknod, as root); skipped otherwise. */
  static Path characterDevice(Path path) {
    assumeTrue(run("mknod", path.toString(), "c", "1", "3"), "mknod needs root");
    return path;
  }

  /** Mounts a tmpfs of {@code kib} KiB at the directory {@code path} (root only; skipped otherwise); unmount it after. */
  static void smallFileSystem(Path path, int kib) {
    assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=" + kib + "k", "tmpfs", path.toString()), "mount needs root");
  }

  static void unmount(Path path) {
    if (!run("umount", path.toString())) {
      run("umount", "-l", path.toString());
    }
  }

  static boolean run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
