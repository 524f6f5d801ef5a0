package io.kvflow.common;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;

/** Makes FIFOs, device nodes and sockets in a test's temporary directory (never under /dev). */
final class SpecialFiles {
  private SpecialFiles() {}

  /** A FIFO at {@code path} (mkfifo); the test is skipped where there is no mkfifo. */
  static Path fifo(Path path) {
    assumeTrue(run("mkfifo", path.toString()), "mkfifo is not available");
    return path;
  }

  /** A character device with the numbers of /dev/null at {@code path} (mknod, as root); skipped otherwise. */
  static Path characterDevice(Path path) {
    assumeTrue(run("mknod", path.toString(), "c", "1", "3"), "mknod needs root");
    return path;
  }

  /** A Unix-domain socket bound at {@code path}; close the channel when done. */
  static ServerSocketChannel socket(Path path) throws IOException {
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    ch.bind(UnixDomainSocketAddress.of(path));
    return ch;
  }

  private static boolean run(String... command) {
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
