package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.cli.CliTestSupport.Result;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every failure is one line with what to do: Errors (out of memory, stack overflow), a full disk, wrapped failures. */
class FailuresTest {
  @TempDir
  Path dir;

  private static String[] report(Throwable t, boolean debug, String output, int expectedStatus) {
    StringWriter s = new StringWriter();
    assertEquals(expectedStatus, Failures.report(t, new PrintWriter(s), debug, output));
    return s.toString().split("\n");
  }

  private static void oneLineContaining(Result r, String fragment) {
    assertEquals(1, r.exit(), r.err());
    String[] lines = r.err().strip().split("\n");
    assertEquals(1, lines.length, r.err());
    assertTrue(lines[0].startsWith("kvflow: ") && lines[0].contains(fragment), r.err());
  }

  @Test
  void errorsAreOneLineWithAHint() {
    String[] oom = report(new ExecutionException(new OutOfMemoryError("Java heap space")), false, null, 1);
    assertEquals(1, oom.length);
    assertTrue(oom[0].startsWith("kvflow: out of memory (Java heap space, maximum heap "), oom[0]);
    assertTrue(oom[0].contains("KVFLOW_JAVA_OPTS=-Xmx"), oom[0]);
    String[] so = report(new StackOverflowError(), false, null, 1);
    assertEquals(1, so.length);
    assertTrue(so[0].contains("stack overflow") && so[0].contains("KVFLOW_JAVA_OPTS=-Xss"), so[0]);
    String[] other = report(new InternalError("boom\nsecond line"), false, null, 1);
    assertEquals(List.of("kvflow: internal error: java.lang.InternalError: boom second line; if the JVM ran out of a "
        + "resource, raise it via KVFLOW_JAVA_OPTS (run with --debug for the stack trace)"), List.of(other));
    assertTrue(report(new OutOfMemoryError("x"), true, null, 1).length > 1, "--debug adds the stack trace");
  }

  @Test
  void aFullDiskNamesTheOutput() {
    IOException full = new IOException("No space left on device");
    String[] lines = report(new RuntimeException(new UncheckedIOException("cannot write x", full)), false, "out", 1);
    assertEquals(List.of("kvflow: no space left on out; free some space or write elsewhere (nothing was written there)"),
        List.of(lines));
    assertEquals(2, Failures.report(new io.kvflow.common.BadInputException("bad"), new PrintWriter(new StringWriter()),
        false, null));
  }

  @Test
  void messagesAreEscapedForTheTerminal() {
    assertEquals("a b \\u001B[31m \\u2028 c\td", TerminalText.escape("a\nb \u001b[31m \u2028 c\td"));
  }

  @Test
  void anOutOfMemoryErrorFromACommandIsOneLine() {
    // far more keys than any test heap holds: the generator's table cannot be allocated
    // (a key count above the generator's limit is now refused before anything is allocated: one line, exit 2)
    Result r = CliTestSupport.run("generate", "zipf", "--keys", "2000000000", "-o", dir.resolve("z.parquet").toString(), "-q");
    assertEquals(2, r.exit(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(r.err().contains("\tat "));
    assertFalse(Files.exists(dir.resolve("z.parquet")));
  }

  @Test
  void aFullDiskLeavesNoPartialSet() throws Exception {
    Path small = Files.createDirectory(dir.resolve("small"));
    SpecialFiles.smallFileSystem(small, 64); // a replay of chat-small writes about 320 KiB
    try {
      Path out = small.resolve("out");
      Result r = CliTestSupport.run("replay", OutputSafetyCliTest.CHAT.toString(), "--out", out.toString(), "-q");
      oneLineContaining(r, "no space left on " + out);
      try (Stream<Path> s = Files.list(small)) {
        assertEquals(List.of(), s.toList(), "no partial set, temporary or lock left");
      }
    } finally {
      SpecialFiles.unmount(small);
    }
  }
}
