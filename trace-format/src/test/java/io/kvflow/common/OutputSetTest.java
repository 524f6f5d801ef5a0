package io.kvflow.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.OutputSet.CommitStep;
import io.kvflow.common.OutputSet.SetLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directory outputs committed as one set: a run killed after any step of the commit leaves the old
 * set or the new one (the next open finishes what it left), never a mix; refusals; the lock.
 */
class OutputSetTest {
  @TempDir
  Path dir;

  static final SetLayout PLAIN = new SetLayout("test", List.of(), d -> false);
  static final SetLayout RESUMABLE = new SetLayout("test", List.of("points"), d -> false);

  /** Every file under {@code root} (manifest included) with its content, by relative path. */
  static Map<String, String> tree(Path root) throws Exception {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(p).toString(), Files.readString(p));
      }
    }
    return files;
  }

  private List<String> besideTarget() throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Writes a set of {@code files} into {@code out}, committed through {@code last} (DELETE_OLD: a whole commit). */
  private void writeSet(Path out, Map<String, String> files, CommitStep last) throws Exception {
    try (OutputSet set = OutputSet.open(out, PLAIN, List.of())) {
      for (var e : files.entrySet()) {
        Path f = set.directory().resolve(e.getKey());
        Files.createDirectories(f.getParent());
        AtomicOutput.writeBytes(f, e.getValue().getBytes(StandardCharsets.UTF_8));
      }
      set.commitThrough(last);
    }
  }

  @Test
  void aKilledCommitLeavesTheOldSetOrTheNewOneAndTheNextOpenFinishesIt() throws Exception {
    Map<String, String> oldFiles = Map.of("report.json", "old", "steps.csv", "old", "timing.hgrm", "old only");
    Map<String, String> newFiles = Map.of("report.json", "new", "steps.csv", "new", "sub/x.csv", "new only");
    for (CommitStep killedAfter : CommitStep.values()) {
      Path out = dir.resolve("out-" + killedAfter);
      writeSet(out, oldFiles, CommitStep.DELETE_OLD);
      Map<String, String> old = tree(out);
      writeSet(out, newFiles, killedAfter);
      Map<String, String> seen = Files.exists(out) ? tree(out) : null;
      if (killedAfter == CommitStep.MOVE_OLD_ASIDE) {
        assertEquals(null, seen, "between the two renames the directory is absent for an instant");
      } else {
        assertTrue(old.equals(seen) || (seen != null && seen.keySet().containsAll(newFiles.keySet())
            && seen.get("report.json").equals("new") && !seen.containsKey("timing.hgrm")), killedAfter + ": " + seen);
      }
      // the next command that opens the directory finishes the switch, even one that then fails
      try (OutputSet next = OutputSet.open(out, PLAIN, List.of())) {
        Files.writeString(next.directory().resolve("report.json"), "a failed third run");
      }
      Map<String, String> after = tree(out);
      if (killedAfter.compareTo(CommitStep.SEAL) < 0) {
        assertEquals(old, after, killedAfter.toString());
      } else {
        assertEquals("new", after.get("report.json"), killedAfter.toString());
        assertFalse(after.containsKey("timing.hgrm"), killedAfter.toString());
        assertEquals(Files.readString(out.resolve(".kvflow-set")), "kvflow-set 1\ncommand test\nentry report.json\n"
            + "entry steps.csv\nentry sub\n");
      }
    }
    for (String n : besideTarget()) {
      assertTrue(n.startsWith("out-"), "nothing but the outputs is left: " + n);
    }
  }

  @Test
  void aFailedRunLeavesTheEarlierSetAndNothingBesideIt() throws Exception {
    Path out = dir.resolve("out");
    writeSet(out, Map.of("report.json", "old"), CommitStep.DELETE_OLD);
    assertThrows(IllegalStateException.class, () -> {
      try (OutputSet set = OutputSet.open(out, PLAIN, List.of())) {
        Files.writeString(set.directory().resolve("report.json"), "partial");
        throw new IllegalStateException("the replay failed");
      }
    });
    assertEquals(Map.of(".kvflow-set", "kvflow-set 1\ncommand test\nentry report.json\n", "report.json", "old"), tree(out));
    assertEquals(List.of("out"), besideTarget());
  }

  @Test
  void onlyANewAnEmptyOrAKvflowDirectoryIsAccepted() throws Exception {
    Path out = dir.resolve("out");
    writeSet(out, Map.of("report.json", "1"), CommitStep.DELETE_OLD);
    Files.writeString(out.resolve("notes.txt"), "mine");
    assertEquals(dir.resolve("out") + ": holds notes.txt, which KVFlow did not write there; move it away or give "
        + "another --out", assertThrows(BadInputException.class, () -> OutputSet.open(out, PLAIN, List.of())).getMessage());
    assertEquals("mine", Files.readString(out.resolve("notes.txt")));

    Path mine = Files.createDirectory(dir.resolve("mine"));
    Files.writeString(mine.resolve("thesis.tex"), "x");
    assertTrue(assertThrows(BadInputException.class, () -> OutputSet.open(mine, PLAIN, List.of())).getMessage()
        .contains("is a directory KVFlow did not write (it holds thesis.tex); give a new or empty directory"));
    Path earlier = Files.createDirectory(dir.resolve("earlier"));
    Files.writeString(earlier.resolve("report.json"), "from an older version");
    OutputSet.open(earlier, new SetLayout("test", List.of(), d -> Files.exists(d.resolve("report.json"))), List.of()).close();

    Path empty = Files.createDirectory(dir.resolve("empty"));
    writeSet(empty, Map.of("a", "1"), CommitStep.DELETE_OLD);
    assertEquals("1", Files.readString(empty.resolve("a")));

    Path file = Files.writeString(dir.resolve("file"), "x");
    assertTrue(assertThrows(BadInputException.class, () -> OutputSet.open(file, PLAIN, List.of())).getMessage()
        .contains("is a regular file, not a directory; --out takes a new directory, an empty one, or one KVFlow wrote"));
    Path fifo = SpecialFiles.fifo(dir.resolve("fifo"));
    assertTrue(assertThrows(BadInputException.class, () -> OutputSet.open(fifo, PLAIN, List.of())).getMessage()
        .contains("is a FIFO (named pipe), not a directory"));
  }

  @Test
  void aDeviceNodeIsNeverAnOutputDirectory() {
    Path dev = SpecialFiles.characterDevice(dir.resolve("null"));
    assertTrue(assertThrows(BadInputException.class, () -> OutputSet.open(dev, PLAIN, List.of())).getMessage()
        .contains("is a character device, not a directory"));
    assertEquals(FileKind.CHARACTER_DEVICE, FileKind.of(dev));
  }

  @Test
  void anInputInsideTheDirectoryIsRefusedUnlessItIsResumeState() throws Exception {
    Path out = dir.resolve("out");
    writeSet(out, Map.of("trace.parquet", "t"), CommitStep.DELETE_OLD);
    assertTrue(assertThrows(BadInputException.class, () -> OutputSet.open(out, PLAIN, List.of(out.resolve("trace.parquet"))))
        .getMessage().contains("trace.parquet: lies inside " + out + ", which this command replaces"));
    try (OutputSet set = OutputSet.open(dir.resolve("sweep"), RESUMABLE, List.of())) {
      Files.writeString(set.state("points").resolve("0.json"), "done");
      set.commit();
    }
    OutputSet.open(dir.resolve("sweep"), RESUMABLE, List.of(dir.resolve("sweep/points/0.json"))).close();
  }

  @Test
  void resumeStateIsKeptAcrossSetsAndKilledRuns() throws Exception {
    Path out = dir.resolve("sweep");
    try (OutputSet set = OutputSet.open(out, RESUMABLE, List.of())) {
      Files.writeString(set.state("points").resolve("0.json"), "p0");
      // killed here: the point stays, with a manifest that makes the directory KVFlow's
    }
    assertEquals(Map.of(".kvflow-set", "kvflow-set 1\ncommand test\nstate points\n", "points/0.json", "p0"), tree(out));
    try (OutputSet set = OutputSet.open(out, RESUMABLE, List.of())) {
      Path points = set.state("points");
      Files.writeString(points.resolve(".kvflow-1.json.77.tmp"), "a killed write");
      Files.writeString(points.resolve("1.json"), "p1");
      Files.writeString(set.directory().resolve("table.csv"), "t");
      set.commit();
    }
    assertEquals(Map.of(".kvflow-set", "kvflow-set 1\ncommand test\nentry table.csv\nstate points\n", "points/0.json", "p0",
        "points/1.json", "p1", "table.csv", "t"), tree(out));
    try (OutputSet set = OutputSet.open(out, RESUMABLE, List.of())) {
      Files.writeString(set.state("points").resolve(".kvflow-2.json.78.tmp"), "killed");
    }
    try (OutputSet set = OutputSet.open(out, RESUMABLE, List.of())) {
      try (Stream<Path> s = Files.list(set.state("points"))) {
        assertEquals(2, s.count(), "temporaries of killed writes are removed");
      }
    }
  }

  @Test
  void aSecondWriterIsRefusedUntilTheFirstIsDone() throws Exception {
    Path out = dir.resolve("out");
    try (OutputSet first = OutputSet.open(out, PLAIN, List.of())) {
      assertTrue(Files.exists(dir.resolve(".kvflow-out.lock")));
      BadInputException e = assertThrows(BadInputException.class, () -> OutputSet.open(out, PLAIN, List.of()));
      assertEquals(out + ": another kvflow command is writing there (it holds .kvflow-out.lock); wait for it to finish "
          + "or give another --out", e.getMessage());
      first.commit();
    }
    assertEquals(List.of("out"), besideTarget(), "the lock file goes with its holder");
    OutputSet.open(out, PLAIN, List.of()).close();
  }

  @Test
  void aLinkToADirectoryIsFollowed() throws Exception {
    Path real = dir.resolve("real");
    writeSet(real, Map.of("a", "1"), CommitStep.DELETE_OLD);
    Files.createSymbolicLink(dir.resolve("link"), real);
    writeSet(dir.resolve("link"), Map.of("a", "2"), CommitStep.DELETE_OLD);
    assertTrue(Files.isSymbolicLink(dir.resolve("link")));
    assertEquals("2", Files.readString(real.resolve("a")));
  }
}
