package io.kvflow.engine.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvflow.common.Progress;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.imports.ImportFormat;
import io.kvflow.trace.imports.ImportOptions;
import io.kvflow.trace.parquet.TraceReader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KV events of the vllm mode: their shape (vLLM's field names), a case worked by hand, and the round
 * trip replay -> events -> {@code import vllm-events} -> the same stored/removed sequence and counts,
 * with stored - removed = blocks resident at the end, per medium.
 */
class VllmKvEventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  /** Records every event as {op, medium, hash} in order. */
  static final class Recorder implements KvEventSink {
    final List<long[]> events = new ArrayList<>();

    @Override
    public void stored(Medium medium, long[] hashes, int from, int to, boolean hasParent, long parent) {
      for (int i = from; i < to; i++) {
        events.add(new long[] {AccessOp.WRITE.code(), medium.ordinal(), hashes[i]});
      }
    }

    @Override
    public void removed(Medium medium, long hash) {
      events.add(new long[] {AccessOp.FREE.code(), medium.ordinal(), hash});
    }
  }

  /**
   * A 3-block pool: request 0 computes blocks h1 h2 and a partial third (cached: 2); freed last first,
   * the queue is [its partial block, h2, h1]; request 1 takes two new blocks: the partial one (no
   * hash, no event) and h2's (evicted: BlockRemoved), then caches x1 x2 (one BlockStored, no parent).
   */
  @Test
  void aCaseWorkedByHand() throws Exception {
    Path f = dir.resolve("e.jsonl");
    try (KvEventLog log = new KvEventLog(f, 4)) {
      VllmBlockPool p = new VllmBlockPool(3, 0);
      p.events(log);
      long[] a = {11, 12, 13};
      long[] b = {-1, 22};
      p.allocate(0, a, 0, 0, 3, 2);
      log.stepFinished(0);
      log.stepFinished(1); // a step with no event writes no line
      p.free(0);
      p.allocate(1, b, 0, 0, 2, 2);
      p.allocate(1, b, 0, 0, 2, 2); // nothing new
      log.stepFinished(2);
      assertEquals(2, log.batches());
    }
    assertEquals("{\"ts\": 0.0, \"events\": [{\"type\": \"BlockStored\", \"block_hashes\": [11, 12], "
        + "\"parent_block_hash\": null, \"token_ids\": [], \"block_size\": 4, \"lora_id\": null, \"medium\": \"GPU\", "
        + "\"lora_name\": null}], \"data_parallel_rank\": 0}\n"
        + "{\"ts\": 2.0, \"events\": [{\"type\": \"BlockRemoved\", \"block_hashes\": [12], \"medium\": \"GPU\"}, "
        + "{\"type\": \"BlockStored\", \"block_hashes\": [18446744073709551615, 22], \"parent_block_hash\": null, "
        + "\"token_ids\": [], \"block_size\": 4, \"lora_id\": null, \"medium\": \"GPU\", \"lora_name\": null}], "
        + "\"data_parallel_rank\": 0}\n", Files.readString(f));
  }

  /** A request's later blocks name the block before them as parent. */
  @Test
  void aChunkedRequestsLaterBlocksNameTheirParent() throws Exception {
    Recorder r = new Recorder();
    List<long[]> parents = new ArrayList<>();
    VllmBlockPool p = new VllmBlockPool(8, 0);
    p.events(new KvEventSink() {
      @Override
      public void stored(Medium medium, long[] hashes, int from, int to, boolean hasParent, long parent) {
        parents.add(new long[] {from, to, hasParent ? 1 : 0, parent});
      }

      @Override
      public void removed(Medium medium, long hash) {
        r.removed(medium, hash);
      }
    });
    long[] h = {5, 6, 7, 8};
    p.allocate(0, h, 0, 0, 2, 2);
    p.allocate(0, h, 0, 0, 4, 4);
    assertEquals(List.of("0-2 none", "2-4 after 6"), parents.stream()
        .map(x -> x[0] + "-" + x[1] + (x[2] == 1 ? " after " + x[3] : " none")).toList());
  }

  static ReplayConfig config(int gpu, int cpu) {
    return VllmAttributionTest.config(gpu, cpu);
  }

  /** Replays with the log and a recorder; checks the shape of every line and returns the outcome. */
  private VllmReplay.Outcome replay(Path trace, ReplayConfig c, Path events, Recorder rec) throws Exception {
    VllmReplay.Outcome o;
    KvEventLog log = new KvEventLog(events, io.kvflow.trace.parquet.TraceReader.readMetadata(trace).blockTokens());
    try (log) {
      KvEventSink both = new KvEventSink() {
        @Override
        public void stored(Medium medium, long[] hashes, int from, int to, boolean hasParent, long parent) {
          log.stored(medium, hashes, from, to, hasParent, parent);
          rec.stored(medium, hashes, from, to, hasParent, parent);
        }

        @Override
        public void removed(Medium medium, long hash) {
          log.removed(medium, hash);
          rec.removed(medium, hash);
        }

        @Override
        public void stepFinished(long step) {
          log.stepFinished(step);
        }
      };
      o = VllmReplay.run(trace, c, VllmObserver.NONE, both, Progress.NONE);
    }
    long gpuStored = 0;
    long gpuRemoved = 0;
    long cpuStored = 0;
    long cpuRemoved = 0;
    Map<Long, Integer> gpuResident = new HashMap<>();
    double previousTs = -1;
    Set<String> storedFields = new TreeSet<>(List.of("type", "block_hashes", "parent_block_hash", "token_ids",
        "block_size", "lora_id", "medium", "lora_name"));
    for (String line : Files.readAllLines(events)) {
      JsonNode batch = JSON.readTree(line);
      assertEquals(Set.of("ts", "events", "data_parallel_rank"), names(batch));
      assertTrue(batch.get("ts").asDouble() > previousTs, "one batch per step, in step order");
      previousTs = batch.get("ts").asDouble();
      assertTrue(batch.get("events").size() > 0, "no empty batch");
      for (JsonNode e : batch.get("events")) {
        boolean gpu = e.get("medium").asText().equals("GPU");
        if (e.get("type").asText().equals("BlockStored")) {
          assertEquals(storedFields, names(e));
          if (gpu && !e.get("parent_block_hash").isNull()) {
            long parent = new BigInteger(e.get("parent_block_hash").asText()).longValue();
            assertTrue(gpuResident.getOrDefault(parent, 0) > 0, "the parent is cached when its child is stored");
          }
          for (JsonNode h : e.get("block_hashes")) {
            if (gpu) {
              gpuStored++;
              gpuResident.merge(new BigInteger(h.asText()).longValue(), 1, Integer::sum);
            } else {
              cpuStored++;
            }
          }
        } else {
          assertEquals("BlockRemoved", e.get("type").asText());
          assertEquals(Set.of("type", "block_hashes", "medium"), names(e));
          if (gpu) {
            gpuRemoved++;
            gpuResident.merge(new BigInteger(e.get("block_hashes").get(0).asText()).longValue(), -1, Integer::sum);
          } else {
            cpuRemoved++;
          }
        }
      }
    }
    assertEquals(o.gpuStores(), gpuStored);
    assertEquals(o.counts().evictions(), gpuRemoved);
    assertEquals(o.counts().cpuEvictions(), cpuRemoved);
    assertEquals(o.gpuCachedAtEnd(), gpuStored - gpuRemoved, "GPU: stored - removed = cached at the end");
    assertEquals(o.cpuHeldAtEnd(), cpuStored - cpuRemoved, "CPU: stored - removed = held at the end");
    return o;
  }

  static Set<String> names(JsonNode n) {
    Set<String> s = new TreeSet<>();
    for (Iterator<String> i = n.fieldNames(); i.hasNext(); ) {
      s.add(i.next());
    }
    return s;
  }

  /** The imported trace's (op, block) rows. */
  static List<long[]> imported(Path events, Path out, String medium, int blockTokens) {
    ImportFormat.VLLM_EVENTS.create().importTrace(events, out, new ImportOptions(blockTokens, medium), Progress.NONE);
    List<long[]> rows = new ArrayList<>();
    try (TraceReader r = TraceReader.open(out); AccessBatch b = r.newAccessBatch(4096)) {
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          rows.add(new long[] {b.op(i), b.block(i)});
        }
      }
    }
    return rows;
  }

  private void roundTrip(Path trace, ReplayConfig c, boolean expectCpu) throws Exception {
    Path events = dir.resolve("kv_events.jsonl");
    Recorder rec = new Recorder();
    VllmReplay.Outcome o = replay(trace, c, events, rec);
    int bt = o.counts().blockTokens();
    assertTrue(o.counts().evictions() > 0, "the replay evicts");
    for (KvEventSink.Medium m : KvEventSink.Medium.values()) {
      List<long[]> want = new ArrayList<>();
      for (long[] e : rec.events) {
        if (e[1] == m.ordinal()) {
          want.add(new long[] {e[0], e[2]});
        }
      }
      List<long[]> got = imported(events, dir.resolve(m + ".parquet"), m.name(), bt);
      assertEquals(want.size(), got.size(), m + " events");
      for (int i = 0; i < want.size(); i++) {
        assertEquals(want.get(i)[0], got.get(i)[0], m + " event " + i + " op");
        assertEquals(want.get(i)[1], got.get(i)[1], m + " event " + i + " block");
      }
      long writes = got.stream().filter(x -> x[0] == AccessOp.WRITE.code()).count();
      long frees = got.size() - writes;
      if (m == KvEventSink.Medium.GPU) {
        assertEquals(o.gpuStores(), writes);
        assertEquals(o.counts().evictions(), frees);
        assertEquals(o.gpuCachedAtEnd(), writes - frees);
      } else {
        assertEquals(o.counts().cpuEvictions(), frees);
        assertEquals(o.cpuHeldAtEnd(), writes - frees);
        assertEquals(expectCpu, writes > 0);
      }
    }
    assertEquals(rec.events.size(), imported(events, dir.resolve("all.parquet"), "all", bt).size());
  }

  @Test
  void chatSmallRoundTrip() throws Exception {
    roundTrip(Path.of("..", "sample-traces", "chat-small.parquet"), config(300, 600), true);
  }

  /** Store on compute ("hierarchy": "inclusive"): CPU events as blocks are computed; attribution still adds up. */
  @Test
  void chatSmallRoundTripWithStoreOnCompute() throws Exception {
    String json = "{\"model\": \"llama-3-8b\", \"engine\": \"vllm\", \"hierarchy\": \"inclusive\", \"tiers\": "
        + "[{\"name\": \"hbm\", \"kind\": \"hbm\", \"capacity_blocks\": 300}, {\"name\": \"dram\", \"kind\": "
        + "\"dram\", \"capacity_blocks\": 600}], \"max_batch\": 64, \"max_batched_tokens\": 8192}";
    ReplayConfig c = io.kvflow.engine.spec.ConfigLoader.fromJson("test", JSON.readTree(json)).config();
    assertEquals(CpuStoreRule.ON_COMPUTE, VllmReplay.storeRule(c));
    Path trace = Path.of("..", "sample-traces", "chat-small.parquet");
    roundTrip(trace, c, true);
    VllmAttributionTest.check(trace, c);
    VllmReplay.Outcome evict = VllmReplay.run(trace, config(300, 600), VllmObserver.NONE, Progress.NONE);
    VllmReplay.Outcome compute = VllmReplay.run(trace, c, VllmObserver.NONE, Progress.NONE);
    assertTrue(compute.counts().cpuStoreBlocks() != evict.counts().cpuStoreBlocks(), "the rule changes the CPU stores");
  }

  @Test
  void mooncakeConversationRoundTripWithoutCpuTier() throws Exception {
    Path trace = dir.resolve("conversation.parquet");
    ImportFormat.MOONCAKE.create().importTrace(Path.of("..", "sample-traces", "real", "mooncake",
        "conversation_trace.jsonl.gz"), trace, ImportOptions.DEFAULT, Progress.NONE);
    roundTrip(trace, config(1024, 0), false);
  }
}
