package io.kvflow.analysis.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Point result files: a damaged one (empty, torn, not JSON, another point's) is never fatal, it is run again. */
class PointFilesTest {
  @TempDir
  Path dir;

  private static final SweepPoint P = new SweepPoint(3, "t.parquet", "t.parquet", List.of("$.tiers[0].policy"),
      List.of("lru"), "{}", "0123456789abcdef");

  private static ObjectNode ok() {
    ObjectNode row = SweepRunner.failed(P, "x");
    row.put("status", "ok");
    row.putNull("error");
    row.put("first_tier_hit_ratio", 0.5);
    return row;
  }

  private PointFiles.Status statusOf(String content) throws Exception {
    Files.writeString(dir.resolve(P.resultFileName()), content);
    return PointFiles.read(dir, P).status();
  }

  @Test
  void aSavedRowIsReadBackAndAFailedOneRunsAgain() throws Exception {
    assertEquals(PointFiles.Status.ABSENT, PointFiles.read(dir, P).status());
    PointFiles.write(dir, P, ok());
    PointFiles.Saved saved = PointFiles.read(dir, P);
    assertEquals(PointFiles.Status.DONE, saved.status());
    assertEquals(ok(), saved.row());
    PointFiles.write(dir, P, SweepRunner.failed(P, "it broke"));
    assertEquals(PointFiles.Status.FAILED, PointFiles.read(dir, P).status());
  }

  @Test
  void damagedFilesAreReportedNotFatal() throws Exception {
    String good = ok().toString();
    for (String damaged : List.of("", "   ", good.substring(0, good.length() / 2), "[1, 2]", "\"text\"", "null",
        good.replace("\"point\":3", "\"point\":4"), good.replace("\"lru\"", "\"fifo\""), good.replace("\"ok\"", "\"maybe\""),
        good.replace(",\"first_tier_hit_ratio\":0.5", ""), "\0\0\0\0")) {
      assertEquals(PointFiles.Status.DAMAGED, statusOf(damaged), damaged);
      assertNull(PointFiles.read(dir, P).row());
    }
    assertEquals(PointFiles.Status.DONE, statusOf(good));
  }
}
