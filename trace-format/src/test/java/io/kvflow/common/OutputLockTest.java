package io.kvflow.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The output lock between processes: held by a live one, released by the kernel when its holder is killed. */
class OutputLockTest {
  @TempDir
  Path dir;

  @Test
  @Timeout(120)
  void anotherProcessHoldingTheLockRefusesUsUntilItIsKilled() throws Exception {
    Path out = dir.resolve("out");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(), out.toString()));
    Process holder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BufferedReader said = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("held", said.readLine());
      BadInputException e = assertThrows(BadInputException.class, () -> OutputLock.acquire(out, "--out"));
      assertTrue(e.getMessage().contains("another kvflow command is writing there"), e.getMessage());
      holder.destroyForcibly(); // kill -9: the lock file stays, its lock does not
      assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
      assertTrue(Files.exists(TempNames.lockFile(out)));
      try (OutputLock lock = OutputLock.acquire(out, "--out")) {
        assertTrue(Files.exists(lock.file()));
      }
      assertFalse(Files.exists(TempNames.lockFile(out)), "released with its file");
    } finally {
      holder.destroyForcibly();
    }
  }

  @Test
  void aLockIsTakenAgainAfterItsRelease() {
    Path out = dir.resolve("x.parquet");
    for (int i = 0; i < 3; i++) {
      try (OutputLock lock = OutputLock.acquire(out, "-o")) {
        assertThrows(BadInputException.class, () -> OutputLock.acquire(out, "-o"));
      }
    }
  }
}
