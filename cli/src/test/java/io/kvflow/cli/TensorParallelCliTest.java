package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 70B model needs several GPUs: refused on one with the fix named, replayed with tensor_parallel 8. */
class TensorParallelCliTest {
  @TempDir
  Path dir;

  @Test
  void seventyBillionOnOneGpuIsRefusedNamingTheFix() throws Exception {
    Path cfg = Files.writeString(dir.resolve("one.json"), "{\"model\": \"llama-3-70b\", \"hardware\": \"h100-sxm\","
        + " \"tiers\": [{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_bytes\": 8000000000}]}");
    CliTestSupport.Result r = CliTestSupport.run("replay", ReplayCompareCliTest.CHAT.toString(), "--config",
        cfg.toString(), "--out", dir.resolve("out").toString(), "-q");
    assertEquals(2, r.exit(), r.err());
    assertTrue(r.err().contains("tensor_parallel\": 2"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(Files.exists(dir.resolve("out")));
  }

  @Test
  void seventyBillionWithTensorParallelEightReplaysTheMooncakeConversation() throws Exception {
    Path conv = dir.resolve("conv.parquet");
    assertEquals(0, CliTestSupport.run("import", "mooncake", Path.of("..", "sample-traces", "real", "mooncake",
        "conversation_trace.jsonl.gz").toString(), "-o", conv.toString(), "-q").exit());
    Path out = dir.resolve("tp8");
    CliTestSupport.Result r = CliTestSupport.run("replay", conv.toString(), "--config", "h100-70b-tp8", "--out",
        out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    ReportConservation.assertConsistent(out);
    assertTrue(Files.readString(out.resolve("report.json")).contains("\"tensor_parallel\" : 8"));
  }
}
