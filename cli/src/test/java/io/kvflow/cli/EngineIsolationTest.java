package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.analysis.cluster.ClusterEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The core CLI never links against Spark: the engine comes only from the spark/ module's class path. */
class EngineIsolationTest {
  @TempDir
  Path dir;

  @Test
  void noSparkClassIsOnTheCoreClassPath() {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("org.apache.spark.SparkContext"));
    assertThrows(ClassNotFoundException.class, () -> Class.forName("io.kvflow.spark.SparkEngine"));
    assertNull(ClusterEngine.find("spark"));
  }

  @Test
  void engineSparkWithoutItsModuleIsABadInputNotACrash() throws Exception {
    Path grid = Files.writeString(dir.resolve("g.json"), "{\"axes\": {\"$.tiers[0].policy\": [\"lru\"]}}");
    CliTestSupport.Result r = CliTestSupport.run("sweep", SweepCliTest.CHAT.toString(), "--grid", grid.toString(),
        "--engine", "spark", "--out", dir.resolve("o").toString());
    GenerateInspectCliTest.assertBadInput(r, "--engine spark");
    assertTrue(r.err().contains("spark-submit"), r.err());
    CliTestSupport.Result reuse = CliTestSupport.run("reuse", SweepCliTest.CHAT.toString(), "--engine", "spark",
        "--partitions", "4", "--out", dir.resolve("r").toString());
    assertEquals(2, reuse.exit(), reuse.err());
    assertTrue(!Files.exists(dir.resolve("r")), "no output for a failed command");
  }
}
