package io.kvflow.trace.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.Progress;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.inspect.TraceInspector;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real public traces import with exactly the facts their publishers state. */
class RealTraceImportTest {
  @TempDir
  Path dir;

  private ObjectNode importAndInspect(ImportFormat f, Path in) {
    Path out = dir.resolve(in.getFileName() + ".parquet");
    ImportTestSupport.run(f, in, out);
    return TraceInspector.inspect(out, Progress.NONE);
  }

  @Test
  void mooncakeConversationTrace() {
    ObjectNode s = importAndInspect(ImportFormat.MOONCAKE, ImportTestSupport.MOONCAKE_CONVERSATION);
    assertEquals(12031, s.get("requests").asLong());
    assertEquals(288500, s.get("block_refs").asLong());
    assertEquals(182790, s.get("distinct_blocks").asLong());
    assertEquals("0.3664", String.format("%.4f", s.get("ideal_block_hit_ratio").asDouble()));
    assertEquals(512, s.get("block_tokens").asInt());
    assertEquals(12035.1, s.get("input_tokens").get("mean").asDouble(), 0.05);
    assertEquals(342.6, s.get("output_tokens").get("mean").asDouble(), 0.05);
    assertEquals("known", s.get("prefix_sharing").asText());
  }

  /*
   * Token-weighted and cut-context ratios of the conversation trace, as computed independently by a
   * short Python reading of the JSONL (a block's tokens: min(512, input - 512 k); a hit when its id
   * was seen before): 54,098,411 of 144,793,823 input tokens hit; cut to 8,192 tokens, 132,816
   * block references (0.42046 hit) and 28,575,029 of 66,476,855 tokens hit.
   */
  @Test
  void mooncakeConversationTokenAndCutContextRatiosMatchAnIndependentCount() {
    Path out = dir.resolve("conv.parquet");
    ImportTestSupport.run(ImportFormat.MOONCAKE, ImportTestSupport.MOONCAKE_CONVERSATION, out);
    ObjectNode s = TraceInspector.inspect(out, 8192, Progress.NONE);
    assertEquals(54_098_411.0 / 144_793_823, s.get("ideal_token_hit_ratio").asDouble(), 1e-12);
    ObjectNode cut = (ObjectNode) s.get("max_context");
    assertEquals(132_816, cut.get("block_refs").asLong());
    assertEquals(66_476_855, cut.get("tokens").asLong());
    assertEquals("0.42046", String.format("%.5f", cut.get("ideal_block_hit_ratio").asDouble()));
    assertEquals(28_575_029.0 / 66_476_855, cut.get("ideal_token_hit_ratio").asDouble(), 1e-12);
  }

  @Test
  void mooncakeSyntheticTrace() {
    ObjectNode s = importAndInspect(ImportFormat.MOONCAKE, ImportTestSupport.MOONCAKE_SYNTHETIC);
    assertEquals(3993, s.get("requests").asLong());
    assertEquals(121877, s.get("block_refs").asLong());
    assertEquals(43924, s.get("distinct_blocks").asLong());
    assertEquals("0.6396", String.format("%.4f", s.get("ideal_block_hit_ratio").asDouble()));
    assertEquals(39_852_661.0 / 61_194_628, s.get("ideal_token_hit_ratio").asDouble(), 1e-12);
  }

  private static long epochNs(String csvLine) {
    String ts = csvLine.split(",")[0];
    LocalDateTime t = LocalDateTime.parse(ts, DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSS"));
    return t.toEpochSecond(ZoneOffset.UTC) * 1_000_000_000L + t.getNano();
  }

  @Test
  void azureTracesKeepCountsAndSpanAndSayPrefixIsUnknown() throws Exception {
    for (var c : new Object[][] {{ImportTestSupport.AZURE_CONV, 19366L}, {ImportTestSupport.AZURE_CODE, 8819L}}) {
      Path in = (Path) c[0];
      ObjectNode s = importAndInspect(ImportFormat.AZURE, in);
      assertEquals((long) c[1], s.get("requests").asLong());
      String first = ImportTestSupport.head(in, 2).split("\n")[1];
      long span = epochNs(ImportTestSupport.lastLine(in)) - epochNs(first);
      assertEquals(span / 1000, s.get("time_span_ns").asLong() / 1000, "span to the microsecond");
      assertEquals(span, s.get("time_span_ns").asLong());
      assertEquals("unknown", s.get("prefix_sharing").asText());
      assertEquals(0, s.get("block_refs").asLong());
      assertTrue(s.get("ideal_block_hit_ratio").isNull());
      TraceMetadata meta = TraceReader.readMetadata(dir.resolve(in.getFileName() + ".parquet"));
      assertEquals("unknown", meta.extra().get(TraceMetadata.KEY_PREFIX_INFO));
    }
  }
}
