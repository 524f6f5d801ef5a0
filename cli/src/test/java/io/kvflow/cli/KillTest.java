package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real {@code kvflow} processes killed with SIGKILL at random moments of {@code generate}, {@code
 * import}, {@code replay} with timing, {@code reuse} and {@code sweep}, each over an earlier output
 * (a sweep over nothing, so that it resumes): the output is always the earlier one or the complete
 * new one (for a sweep, every point file left is complete), never a torn file; the next run of the
 * same command leaves no temporary file beside or inside it and gives the same bytes as an
 * uninterrupted run.
 *
 * <p>The moments are seeded and spread uniformly over an uninterrupted run of the same process. By
 * default (CI) two moments a command; {@code -Dkvflow.fuzz=full} runs the acceptance set of ten:
 * {@code mvn -B -ntp -o test -pl cli -am -Dtest=KillTest -Dsurefire.failIfNoSpecifiedTests=false -Dkvflow.fuzz=full}.
 * {@link ReplayKillTest} kills a replay at chosen moments of its commit.
 */
class KillTest {
  private static final boolean FULL = "full".equals(System.getProperty("kvflow.fuzz"));
  private static final int MOMENTS = FULL ? 10 : 2;
  private static final String CHAT = OutputSafetyCliTest.CHAT.toString();

  @TempDir
  Path dir;

  @Test
  @Timeout(900)
  void generateKilledLeavesTheEarlierFileOrTheNewOne() throws Exception {
    killed("generate", out -> new String[] {"generate", "chat", "--requests", "30000", "--seed", "7", "-o", out},
        out -> new String[] {"generate", "chat", "--requests", "100", "--seed", "8", "-o", out}, "trace.parquet");
  }

  @Test
  @Timeout(900)
  void importKilledLeavesTheEarlierFileOrTheNewOne() throws Exception {
    String input = OutputSafetyCliTest.MOONCAKE.toString();
    killed("import", out -> new String[] {"import", "mooncake", input, "-o", out},
        out -> new String[] {"generate", "zipf", "--accesses", "100", "-o", out}, "conversation.parquet");
  }

  @Test
  @Timeout(900)
  void timedReplayKilledLeavesTheEarlierSetOrTheNewOne() throws Exception {
    killed("replay", out -> new String[] {"replay", CHAT, "--config", "h100-8b", "--out", out, "-q"},
        out -> new String[] {"replay", CHAT, "--config", "h100-8b", "--policy", "fifo", "--out", out, "-q"}, "out");
  }

  @Test
  @Timeout(900)
  void reuseKilledLeavesTheEarlierSetOrTheNewOne() throws Exception {
    killed("reuse", out -> new String[] {"reuse", CHAT, "--per-tenant", "--out", out, "-q"},
        out -> new String[] {"reuse", CHAT, "--shards-rate", "0.5", "--out", out, "-q"}, "out");
  }

  @Test
  @Timeout(900)
  void sweepKilledLeavesCompletePointsAndResumesToTheSameTable() throws Exception {
    Path grid = Files.writeString(dir.resolve("grid.json"),
        "{\"axes\": {\"$.tiers[0].policy\": [\"lru\", \"fifo\", \"s3fifo\"], \"$.max_batch\": [8, 32]}}");
    killed("sweep", out -> new String[] {"sweep", CHAT, "--grid", grid.toString(), "--config", "h100-8b",
        "--threads", "1", "--out", out, "-q"}, null, "out");
  }

  /** Makes the earlier output of {@code target} (or none), for a fresh work directory. */
  private interface Command {
    String[] args(String out);
  }

  private void killed(String name, Command command, Command earlier, String target) throws Exception {
    Path work = dir.resolve("work-" + name);
    Path out = work.resolve(target);
    // the uninterrupted run, as a process: its bytes, and how long it takes
    Files.createDirectories(work);
    Map<String, String> oldOutput = null;
    if (earlier != null) {
      assertEquals(0, CliTestSupport.run(earlier.args(out.toString())).exit(), name + ": earlier output");
      oldOutput = ReplayKillTest.tree(work);
    }
    long t0 = System.nanoTime();
    Process whole = start(command.args(out.toString()));
    assertTrue(whole.waitFor(600, TimeUnit.SECONDS));
    long runNs = System.nanoTime() - t0;
    assertEquals(0, whole.exitValue(), name + ": the uninterrupted run");
    Map<String, String> newOutput = ReplayKillTest.tree(work);
    SplittableRandom rnd = new SplittableRandom(name.hashCode() * 31L + 20_240_611L);
    List<String> seen = new ArrayList<>();
    for (int m = 0; m < MOMENTS; m++) {
      TempTree.delete(work);
      Files.createDirectories(work);
      if (earlier != null) {
        assertEquals(0, CliTestSupport.run(earlier.args(out.toString())).exit());
      }
      long atNs = (long) (rnd.nextDouble() * runNs);
      Process p = start(command.args(out.toString()));
      p.waitFor(atNs, TimeUnit.NANOSECONDS);
      p.destroyForcibly(); // SIGKILL
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      String moment = String.format("%s killed at %.2f s of %.2f s", name, atNs / 1e9, runNs / 1e9);
      String state = checkNotTorn(work, target, oldOutput, newOutput, moment);
      seen.add(String.format("%.2fs: %s", atNs / 1e9, state));
      // the next run finishes or discards what the killed one left, and gives the uninterrupted bytes
      CliTestSupport.Result r = CliTestSupport.run(command.args(out.toString()));
      assertEquals(0, r.exit(), moment + ": the next run: " + r.err());
      assertEquals(newOutput.keySet(), ReplayKillTest.tree(work).keySet(), moment + ": files after the next run");
      assertEquals(newOutput, ReplayKillTest.tree(work), moment + ": bytes after the next run");
      try (Stream<Path> s = Files.list(work)) {
        assertEquals(List.of(target), s.map(q -> q.getFileName().toString()).toList(), moment + ": leftovers");
      }
    }
    System.out.printf("%s (%.2f s uninterrupted) killed at %d moments: %s%n", name, runNs / 1e9, MOMENTS, seen);
  }

  /**
   * What the killed run left: the earlier output or the new one (whole), or none; for a sweep, its
   * resume state (point files, generated traces) holds only complete files of the new run. Files
   * under temporary names ({@code .kvflow-...}) are the next run's to remove.
   */
  private static String checkNotTorn(Path work, String target, Map<String, String> oldOutput,
      Map<String, String> newOutput, String moment) throws Exception {
    Map<String, String> left = new TreeMap<>(ReplayKillTest.tree(work));
    // temporaries beside the output, and inside a sweep's resume directories (not the set's manifest)
    left.keySet().removeIf(k -> k.startsWith(".kvflow-") || (isState(k, target)
        && Path.of(k).getFileName().toString().startsWith(".kvflow-")));
    Map<String, String> state = new TreeMap<>();
    for (var e : left.entrySet()) {
      if (isState(e.getKey(), target)) {
        state.put(e.getKey(), e.getValue());
      }
    }
    for (var e : state.entrySet()) {
      assertEquals(newOutput.get(e.getKey()), e.getValue(), moment + ": torn or foreign resume file " + e.getKey());
    }
    left.keySet().removeAll(state.keySet());
    Map<String, String> newWithoutState = new TreeMap<>(newOutput);
    newWithoutState.keySet().removeIf(k -> isState(k, target));
    if (left.isEmpty()) {
      return "nothing";
    }
    if (left.equals(newWithoutState)) {
      return "the new output";
    }
    if (oldOutput != null && left.equals(oldOutput)) {
      return "the earlier output";
    }
    if (oldOutput == null && left.keySet().equals(java.util.Set.of(target + "/.kvflow-set"))) {
      return "a sweep's resume state (" + state.size() + " point files)";
    }
    throw new AssertionError(moment + ": a torn or mixed output: " + left.keySet());
  }

  /** Whether {@code key} lies in a sweep's resume state ({@code points/}, {@code traces/}). */
  private static boolean isState(String key, String target) {
    return key.startsWith(target + "/points/") || key.startsWith(target + "/traces/");
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
}
