package io.kvflow.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Single-file outputs: only an absent path or a regular file is replaced; temporaries are named and cleaned. */
class AtomicOutputTest {
  @TempDir
  Path dir;

  private List<String> names() throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static void refused(Path target, String fragment) {
    BadInputException e = assertThrows(BadInputException.class, () -> AtomicOutput.writeBytes(target, new byte[] {1}));
    assertTrue(e.getMessage().startsWith(target + ": is " + fragment), e.getMessage());
    assertTrue(e.getMessage().contains("give another output path"), e.getMessage());
  }

  @Test
  void aDeviceNodeIsRefusedAndStaysADevice() throws Exception {
    Path dev = SpecialFiles.characterDevice(dir.resolve("null"));
    refused(dev, "a character device");
    assertEquals(FileKind.CHARACTER_DEVICE, FileKind.of(dev));
    assertEquals(List.of("null"), names(), "no temporary left beside it");
  }

  @Test
  void aFifoASocketAndADirectoryAreRefused() throws Exception {
    refused(SpecialFiles.fifo(dir.resolve("pipe")), "a FIFO");
    try (ServerSocketChannel s = SpecialFiles.socket(dir.resolve("sock"))) {
      refused(dir.resolve("sock"), "a socket");
    }
    Files.createDirectory(dir.resolve("d"));
    assertThrows(BadInputException.class, () -> AtomicOutput.writeBytes(dir.resolve("d"), new byte[] {1}));
    Files.createSymbolicLink(dir.resolve("link"), dir.resolve("pipe"));
    refused(dir.resolve("link"), "a FIFO");
  }

  @Test
  void aRegularFileIsReplacedAndAFailedWriteLeavesNothing() throws Exception {
    Path f = Files.writeString(dir.resolve("a.csv"), "old");
    AtomicOutput.writeBytes(f, "new".getBytes(StandardCharsets.UTF_8), Durability.FORCED);
    assertEquals("new", Files.readString(f));
    try (AtomicOutput out = AtomicOutput.create(f)) {
      String tmp = out.temporary().getFileName().toString();
      assertTrue(tmp.matches("\\.kvflow-a\\.csv\\.[0-9]+\\.tmp"), tmp);
      Files.writeString(out.temporary(), "partial");
    }
    assertEquals(List.of("a.csv"), names());
    assertArrayEquals("new".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(f));
  }

  @Test
  void staleTemporariesOfATargetAreRecognisedAndOnlyTheirsRemoved() throws Exception {
    for (String n : List.of(".kvflow-a.1.tmp", ".kvflow-a.b.2.tmp", ".a.3.tmp", ".kvflow-a.x.tmp", "a", ".kvflow-ab.4.tmp")) {
      Files.writeString(dir.resolve(n), "x");
    }
    Files.createDirectory(dir.resolve(".kvflow-a.5.tmp"));
    Files.writeString(dir.resolve(".kvflow-a.5.tmp").resolve("inner"), "x");
    assertEquals(3, TempNames.removeStale(dir.resolve("a")));
    assertEquals(List.of(".kvflow-a.b.2.tmp", ".kvflow-a.x.tmp", ".kvflow-ab.4.tmp", "a"), names());
    assertEquals(1, TempNames.removeStale(dir.resolve("a.b")));
    assertTrue(TempNames.isScratch(".kvflow-ab.4.tmp"));
    assertTrue(TempNames.isScratch(".kvflow-x.lock"));
    assertFalse(TempNames.isScratch(".kvflow-a.x.tmp"));
    assertFalse(TempNames.isScratch("report.json"));
  }

  @Test
  void fileKindsAreToldApart() throws Exception {
    assertEquals(FileKind.ABSENT, FileKind.of(dir.resolve("none")));
    assertEquals(FileKind.DIRECTORY, FileKind.of(dir));
    assertEquals(FileKind.REGULAR_FILE, FileKind.of(Files.writeString(dir.resolve("f"), "")));
    assertEquals(FileKind.FIFO, FileKind.of(SpecialFiles.fifo(dir.resolve("p"))));
    Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("none"));
    assertEquals(FileKind.ABSENT, FileKind.of(dir.resolve("dangling")));
  }

  @Test
  void inputsMustBeRegularFilesAndNoOutputNamesAnInput() throws Exception {
    Path in = Files.writeString(dir.resolve("in.jsonl"), "{}\n");
    InputCheck.requireRegularFile(in, "input");
    Path fifo = SpecialFiles.fifo(dir.resolve("fifo"));
    BadInputException e = assertThrows(BadInputException.class, () -> InputCheck.requireRegularFile(fifo, "trace"));
    assertEquals(fifo + ": is a FIFO (named pipe), not a regular file; KVFlow reads traces from regular files only "
        + "(copy it into a file first)", e.getMessage());
    assertTrue(assertThrows(BadInputException.class, () -> InputCheck.requireRegularFile(dir, "grid")).getMessage()
        .contains("is a directory; expected a grid file"));
    assertTrue(assertThrows(BadInputException.class, () -> InputCheck.requireRegularFile(dir.resolve("no"), "input"))
        .getMessage().contains("no such file; expected an input file"));
    Files.createLink(dir.resolve("hard"), in);
    Files.createSymbolicLink(dir.resolve("soft"), in);
    for (String alias : List.of("in.jsonl", "hard", "soft", "./in.jsonl")) {
      Path out = dir.resolve(alias);
      assertTrue(assertThrows(BadInputException.class, () -> InputCheck.refuseSameFile(out, "-o", in)).getMessage()
          .contains("-o names the command's own input"));
    }
    InputCheck.refuseSameFile(dir.resolve("other.parquet"), "-o", in);
  }
}
