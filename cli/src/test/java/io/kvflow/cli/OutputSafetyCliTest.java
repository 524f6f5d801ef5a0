package io.kvflow.cli;

import static io.kvflow.cli.GenerateInspectCliTest.assertBadInput;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.cli.CliTestSupport.Result;
import io.kvflow.common.FileKind;
import io.kvflow.common.OutputSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-loss reproductions, refused or safe: outputs onto devices, FIFOs or the command's own
 * input; FIFOs as inputs (exit 2 at once, never a hang); foreign directories; a second writer;
 * a failed run over an earlier result.
 */
class OutputSafetyCliTest {
  @TempDir
  Path dir;

  static final Path CHAT = Path.of("..", "sample-traces", "chat-small.parquet");
  static final Path MOONCAKE = Path.of("..", "sample-traces", "real", "mooncake", "conversation_trace.jsonl.gz");

  private List<String> names(Path d) throws Exception {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void generateAndImportNeverReplaceADeviceOrAFifo() throws Exception {
    Path dev = SpecialFiles.characterDevice(dir.resolve("null"));
    Path fifo = SpecialFiles.fifo(dir.resolve("fifo"));
    for (Path target : List.of(dev, fifo)) {
      assertBadInput(CliTestSupport.run("generate", "zipf", "--accesses", "1000", "-o", target.toString(), "-q"),
          target + ": is a ");
      assertBadInput(CliTestSupport.run("import", "mooncake", MOONCAKE.toString(), "-o", target.toString(), "-q"),
          "give another output path");
    }
    assertEquals(FileKind.CHARACTER_DEVICE, FileKind.of(dev));
    assertEquals(FileKind.FIFO, FileKind.of(fifo));
    assertEquals(List.of("fifo", "null"), names(dir), "no temporary or lock file left");
  }

  @Test
  void importRefusesToWriteOverItsOwnInput() throws Exception {
    Path in = dir.resolve("conv.jsonl.gz");
    Files.copy(MOONCAKE, in);
    byte[] before = Files.readAllBytes(in);
    Files.createLink(dir.resolve("hard.gz"), in);
    Files.createSymbolicLink(dir.resolve("soft.gz"), in);
    for (String out : List.of("conv.jsonl.gz", "hard.gz", "soft.gz")) {
      assertBadInput(CliTestSupport.run("import", "mooncake", in.toString(), "-o", dir.resolve(out).toString(), "-q"),
          "-o names the command's own input");
    }
    assertArrayEquals(before, Files.readAllBytes(in));
    assertTrue(Files.isSymbolicLink(dir.resolve("soft.gz")));
    // generate has no input file; an existing trace is still only replaced by a whole new one
    Path trace = dir.resolve("z.parquet");
    assertEquals(0, CliTestSupport.run("generate", "zipf", "--accesses", "1000", "-o", trace.toString(), "-q").exit());
    assertEquals(0, CliTestSupport.run("generate", "zipf", "--accesses", "2000", "-o", trace.toString(), "-q").exit());
    assertEquals(List.of("conv.jsonl.gz", "hard.gz", "soft.gz", "z.parquet"), names(dir));
  }

  @Test
  void staleTemporariesOfAnOutputAreRemovedByTheNextRun() throws Exception {
    Path trace = dir.resolve("z.parquet");
    Files.writeString(dir.resolve(".kvflow-z.parquet.123.tmp"), "left by a killed run");
    Files.writeString(dir.resolve(".z.parquet.456.tmp"), "left by an older version");
    Files.writeString(dir.resolve(".kvflow-other.parquet.7.tmp"), "another output's");
    assertEquals(0, CliTestSupport.run("generate", "zipf", "--accesses", "1000", "-o", trace.toString(), "-q").exit());
    assertEquals(List.of(".kvflow-other.parquet.7.tmp", "z.parquet"), names(dir));
  }

  @Test
  @Timeout(120) // a FIFO read would block forever: the guard turns a regression into a failure, not a hang
  void aFifoAsAnyInputExitsTwoAtOnce() throws Exception {
    String fifo = SpecialFiles.fifo(dir.resolve("fifo")).toString();
    String grid = Files.writeString(dir.resolve("g.json"), "{\"axes\": {\"$.max_batch\": [4]}}").toString();
    String out = dir.resolve("out").toString();
    String expected = fifo + ": is a FIFO (named pipe), not a regular file";
    for (String[] args : List.of(
        new String[] {"inspect", fifo},
        new String[] {"replay", fifo, "--out", out},
        new String[] {"replay", CHAT.toString(), "--config", fifo, "--out", out},
        new String[] {"compare", fifo, "--baseline", "baseline", "--candidate", "kvflow", "--out", out},
        new String[] {"reuse", fifo, "--out", out},
        new String[] {"reuse", fifo, "--engine", "spark", "--partitions", "2", "--out", out},
        new String[] {"simulate", fifo, "--capacity-blocks", "10"},
        new String[] {"size", fifo, "--first", "10", "--second", "10", "--out", out},
        new String[] {"sweep", fifo, "--grid", grid, "--out", out},
        new String[] {"sweep", CHAT.toString(), "--grid", fifo, "--out", out},
        new String[] {"sweep", CHAT.toString(), "--grid", "/dev/zero", "--out", out},
        new String[] {"import", "mooncake", fifo, "-o", dir.resolve("x.parquet").toString()})) {
      assertBadInput(CliTestSupport.run(args), List.of(args).contains("/dev/zero")
          ? "/dev/zero: is a character device, not a regular file" : expected);
    }
    assertFalse(Files.exists(dir.resolve("out")));
  }

  @Test
  void replayReplacesItsOwnEarlierSetWholeButNoForeignDirectory() throws Exception {
    Path out = dir.resolve("out");
    // an earlier result with timing (histogram files), then one without: no file of the first may remain
    Path timed = Files.writeString(dir.resolve("timed.json"), ReplayCompareCliTest.TIMED);
    Path decode = ReplayCompareCliTest.DECODE;
    assertEquals(0, CliTestSupport.run("replay", decode.toString(), "--config", timed.toString(), "--out", out.toString(),
        "-q").exit());
    assertTrue(names(out).contains("step_ns.hgrm"));
    Result r = CliTestSupport.run("replay", decode.toString(), "--config", "counts", "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertEquals(List.of(".kvflow-set", "report.html", "report.json", "requests.csv", "steps.csv"), names(out));
    assertEquals(List.of("out", "timed.json"), names(dir), "no temporary, lock or earlier set left beside it");

    Files.writeString(out.resolve("notes.txt"), "mine");
    assertBadInput(CliTestSupport.run("replay", CHAT.toString(), "--out", out.toString()), "holds notes.txt");
    assertEquals("mine", Files.readString(out.resolve("notes.txt")));

    Path home = Files.createDirectory(dir.resolve("home"));
    Files.writeString(home.resolve("thesis.tex"), "years of work");
    assertBadInput(CliTestSupport.run("replay", CHAT.toString(), "--out", home.toString()), "KVFlow did not write");
    Path dev = SpecialFiles.characterDevice(dir.resolve("null"));
    assertBadInput(CliTestSupport.run("replay", CHAT.toString(), "--out", dev.toString()), "is a character device");
    assertEquals(FileKind.CHARACTER_DEVICE, FileKind.of(dev));
  }

  @Test
  void aTraceInsideTheOutputDirectoryIsRefusedUnlessTheSetKeepsIt() throws Exception {
    Path out = dir.resolve("out");
    Path grid = Files.writeString(dir.resolve("g.json"), "{\"axes\": {\"$.tiers[0].policy\": [\"lru\"]},"
        + " \"generate\": {\"workload\": \"chat\", \"options\": {\"requests\": 40}, \"seeds\": [1]}}");
    assertEquals(0, CliTestSupport.run("sweep", "--grid", grid.toString(), "--out", out.toString(), "-q").exit());
    Path trace;
    try (Stream<Path> s = Files.list(out.resolve("traces"))) {
      trace = s.findFirst().orElseThrow();
    }
    // a replay would replace the sweep's directory, its generated traces with it
    assertBadInput(CliTestSupport.run("replay", trace.toString(), "--out", out.toString()), trace + ": lies inside " + out);
    // a sweep keeps them (resume state): its own traces may be its inputs
    Result r = CliTestSupport.run("sweep", trace.toString(), "--grid", grid.toString(), "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertTrue(Files.exists(trace));
  }

  @Test
  void aSecondWriterToTheSameOutIsRefused() throws Exception {
    Path out = dir.resolve("out");
    try (OutputSet first = OutputSet.open(out, Outputs.REPLAY, List.of())) {
      for (String command : List.of("replay", "reuse")) {
        assertBadInput(CliTestSupport.run(command, CHAT.toString(), "--out", out.toString(), "-q"),
            out + ": another kvflow command is writing there (it holds .kvflow-out.lock); wait for it to finish or give another --out");
      }
    }
    Path trace = dir.resolve("t.parquet");
    try (var lock = Outputs.file(trace, "-o")) {
      assertBadInput(CliTestSupport.run("generate", "zipf", "--accesses", "100", "-o", trace.toString()),
          "another kvflow command is writing there");
    }
    assertEquals(0, CliTestSupport.run("replay", CHAT.toString(), "--config", "counts", "--out", out.toString(), "-q").exit());
  }

  @Test
  void compareWritesNothingUnlessBothSidesSucceed() throws Exception {
    Path opt = Files.writeString(dir.resolve("opt.json"), "{\"model\": \"llama-3-8b\", \"tiers\": [{\"name\": \"hbm\","
        + " \"kind\": \"hbm\", \"capacity_blocks\": 500, \"policy\": \"opt\"}], \"expansion\": \"full\"}");
    Path out = dir.resolve("cmp");
    Result r = CliTestSupport.run("compare", CHAT.toString(), "--baseline", "default", "--candidate", opt.toString(),
        "--out", out.toString(), "-q");
    assertTrue(r.exit() != 0, r.err());
    assertEquals(List.of("opt.json"), names(dir), "no baseline outputs, no temporaries");
  }

  @Test
  void inspectEscapesTextFromTheFile() throws Exception {
    Path t = dir.resolve("evil.parquet");
    try (var w = io.kvflow.trace.parquet.AccessTraceWriter.open(t, io.kvflow.trace.TraceMetadata.of(
        io.kvflow.trace.TraceKind.ACCESSES, 16, "x\u001b]0;owned\u0007\nfake: line\u2028"))) {
      w.append(0, 1, 0, 0, 42, 0, 16, Float.NaN);
      w.commit();
    }
    Result r = CliTestSupport.run("inspect", t.toString());
    assertEquals(0, r.exit(), r.err());
    assertFalse(r.out().chars().anyMatch(c -> c == 0x1b || c == 0x07 || c == 0x2028), r.out());
    assertTrue(r.out().contains("x\\u001B]0;owned\\u0007 fake: line\\u2028"), r.out());
  }

  @Test
  void aResultOfAVersionWithoutManifestsIsStillReplaced() throws Exception {
    Path earlier = Files.createDirectory(dir.resolve("earlier"));
    for (String n : List.of("report.json", "report.html", "steps.csv", "requests.csv", "step_ns.hgrm", ".steps.csv.123.tmp")) {
      Files.writeString(earlier.resolve(n), "from an earlier version");
    }
    assertEquals(0, CliTestSupport.run("replay", CHAT.toString(), "--config", "counts", "--out", earlier.toString(), "-q").exit());
    assertEquals(List.of(".kvflow-set", "report.html", "report.json", "requests.csv", "steps.csv"), names(earlier));
    Path mixed = Files.createDirectory(dir.resolve("mixed"));
    Files.writeString(mixed.resolve("report.json"), "{}");
    Files.writeString(mixed.resolve("draft.md"), "mine");
    assertBadInput(CliTestSupport.run("replay", CHAT.toString(), "--out", mixed.toString()), "KVFlow did not write");
  }
}
