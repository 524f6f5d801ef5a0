package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code kvflow replay} process killed with SIGKILL over an earlier result, at moments
 * picked by what it has written so far (running, writing its files, its set sealed): the
 * directory always holds the earlier set or the new one, never a mix, and the next run leaves
 * no temporary file and gives the same bytes as an uninterrupted one.
 */
class ReplayKillTest {
  @TempDir
  Path dir;

  static Map<String, String> tree(Path root) throws Exception {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(p).toString(), new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
      }
    }
    return files;
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private static Process start(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("-Darrow") || a.startsWith("-Xmx")) {
        command.add(a);
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  /** Whether {@code parent} holds an entry whose name matches and that satisfies {@code test}. */
  private static boolean beside(Path parent, String prefix, Predicate<Path> test) throws Exception {
    try (Stream<Path> s = Files.list(parent)) {
      return s.anyMatch(p -> p.getFileName().toString().startsWith(prefix) && test.test(p));
    }
  }

  private static boolean nonEmptyDirectory(Path p) {
    try (Stream<Path> s = Files.list(p)) {
      return s.findAny().isPresent();
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  @Timeout(300)
  void aReplayKilledAtAnyMomentLeavesTheOldSetOrTheNewOne() throws Exception {
    String trace = OutputSafetyCliTest.CHAT.toString();
    Path refOld = dir.resolve("ref-old");
    Path refNew = dir.resolve("ref-new");
    assertEquals(0, CliTestSupport.run("replay", trace, "--policy", "fifo", "--out", refOld.toString(), "-q").exit());
    assertEquals(0, CliTestSupport.run("replay", trace, "--out", refNew.toString(), "-q").exit());
    Map<String, String> oldSet = tree(refOld);
    Map<String, String> newSet = tree(refNew);
    assertTrue(!oldSet.equals(newSet));

    Path work = Files.createDirectory(dir.resolve("work"));
    Path out = work.resolve("out");
    // kill when: the run holds the lock; its set directory has files; its set is sealed (the commit is under way)
    List<Predicate<Path>> moments = List.of(
        w -> Files.exists(w.resolve(".kvflow-out.lock")),
        w -> {
          try {
            return beside(w, ".kvflow-out.", ReplayKillTest::nonEmptyDirectory);
          } catch (Exception e) {
            return false;
          }
        },
        w -> {
          try {
            return beside(w, ".kvflow-out.", p -> Files.exists(p.resolve(".kvflow-set"))) || !Files.exists(w.resolve("out"))
                || tree(w.resolve("out")).equals(newSet);
          } catch (Exception e) {
            return false;
          }
        });
    for (int m = 0; m < moments.size(); m++) {
      TempTree.delete(work);
      Files.createDirectory(work);
      copyTree(refOld, out);
      Process p = start("replay", trace, "--out", out.toString(), "-q");
      try {
        while (p.isAlive() && !moments.get(m).test(work)) {
          Thread.onSpinWait();
        }
      } finally {
        p.destroyForcibly();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      }
      if (Files.exists(out)) {
        Map<String, String> seen = tree(out);
        assertTrue(seen.equals(oldSet) || seen.equals(newSet), "moment " + m + ": a mix of two runs: " + seen.keySet());
        System.out.println("killed at moment " + m + ": " + (seen.equals(oldSet) ? "the earlier set" : "the new set"));
      } else {
        System.out.println("killed at moment " + m + ": between the two renames");
        // killed between the two renames: the sealed new set waits beside it
        assertTrue(beside(work, ".kvflow-out.", q -> Files.exists(q.resolve(".kvflow-set"))), "moment " + m);
      }
      // the next run finishes or discards what the killed one left, and gives the uninterrupted bytes
      assertEquals(0, CliTestSupport.run("replay", trace, "--out", out.toString(), "-q").exit());
      assertEquals(newSet, tree(out), "moment " + m);
      try (Stream<Path> s = Files.list(work)) {
        assertEquals(List.of("out"), s.map(q -> q.getFileName().toString()).toList(), "moment " + m + ": leftovers");
      }
    }
  }
}
