package io.kvflow.trace.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The original study's mixed-context trace imports exactly; bad lines are named. */
class KvflowJsonlImportTest {
  @TempDir
  Path dir;

  @Test
  void mixedContextTrace() {
    Path out = dir.resolve("mixed.parquet");
    assertEquals(5, ImportTestSupport.run(ImportFormat.KVFLOW_JSONL, Path.of("..", "sample-traces", "kvflow",
        "mixed_context.jsonl"), out));
    int[] prompts = {256, 4096, 8192, 2048, 16384};
    int[] decodes = {48, 160, 128, 96, 192};
    long[] arrivals = {0, 100_000, 400_000, 550_000, 900_000};
    try (TraceReader r = TraceReader.open(out); RequestBatch b = r.newRequestBatch(16)) {
      r.next(b);
      for (int i = 0; i < 5; i++) {
        assertEquals(prompts[i], b.inputTokens(i));
        assertEquals(decodes[i], b.outputTokens(i));
        assertEquals(arrivals[i], b.arrivalNs(i));
        assertEquals(i, b.requestId(i));
      }
      assertEquals("unknown", r.metadata().extra().get("kvflow.prefix_info"));
    }
  }

  @Test
  void badLinesAreNamed() throws Exception {
    Path in = Files.writeString(dir.resolve("b.jsonl"), "{\"request_id\": \"a\", \"prompt_length\": -4, \"decode_length\": 1, "
        + "\"arrival_time_ns\": 0}\n");
    ImportException e = assertThrows(ImportException.class,
        () -> ImportTestSupport.run(ImportFormat.KVFLOW_JSONL, in, dir.resolve("o.parquet")));
    assertTrue(e.getMessage().contains("line 1, field prompt_length: -4 must be >= 1"), e.getMessage());
  }
}
