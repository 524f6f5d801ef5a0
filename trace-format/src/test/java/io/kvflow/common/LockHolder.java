package io.kvflow.common;

import java.nio.file.Path;

/** A separate process for {@link OutputLockTest}: takes the lock of the path in its argument, says so, and holds it until stdin closes. */
public final class LockHolder {
  private LockHolder() {}

  public static void main(String[] args) throws Exception {
    try (OutputLock lock = OutputLock.acquire(Path.of(args[0]), "--out")) {
      System.out.println("held");
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold until the test closes our stdin or kills us
      }
    }
  }
}
