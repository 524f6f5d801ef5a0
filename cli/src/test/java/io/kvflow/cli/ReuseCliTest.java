package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad reuse options: exit 2, one line naming what is wrong, no output directory. */
class ReuseCliTest {
  @TempDir
  Path dir;

  static final Path ZIPF = Path.of("..", "sample-traces", "zipf-small.parquet");

  @Test
  void perTenantOfAnAccessesTraceLeavesNothing() {
    Path out = dir.resolve("o");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("reuse", ZIPF.toString(), "--per-tenant", "--out",
        out.toString()), "needs a requests trace");
    assertFalse(Files.exists(out), "no output directory for bad input");
  }

  @Test
  void perTenantWithSamplingIsRefused() {
    Path out = dir.resolve("s");
    GenerateInspectCliTest.assertBadInput(CliTestSupport.run("reuse", SweepCliTest.CHAT.toString(), "--per-tenant",
        "--shards-rate", "0.1", "--out", out.toString()), "--per-tenant");
    assertFalse(Files.exists(out), "no output directory for bad input");
  }
}
