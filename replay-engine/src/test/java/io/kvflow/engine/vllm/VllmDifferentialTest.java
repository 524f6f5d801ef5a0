package io.kvflow.engine.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.Hashing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link VllmBlockPool} against {@link ReferenceVllmPool}: the vLLM scheduler drives each over the
 * same random trace (shared prefixes, prompts of whole and partial blocks, a running batch that
 * pins its blocks, pools small enough to preempt, with and without a CPU tier), and every call to
 * the pool, its answer and the pool's counters after it must be equal, request by request and step
 * by step.
 */
class VllmDifferentialTest {
  /** One generated request. */
  record Req(long id, int prompt, int output, long[] hashes) {}

  static List<Req> randomTrace(Random rnd, int blockTokens, int count) {
    int prefixCount = 1 + rnd.nextInt(5);
    long[][] prefixes = new long[prefixCount][12];
    for (int p = 0; p < prefixCount; p++) {
      long h = 0x1234 + p;
      for (int k = 0; k < 12; k++) {
        h = Hashing.chain(h, k);
        prefixes[p][k] = h;
      }
    }
    List<Req> out = new ArrayList<>();
    for (int r = 0; r < count; r++) {
      int shared = rnd.nextInt(13);
      int unique = rnd.nextInt(4);
      if (shared + unique == 0) {
        unique = 1;
      }
      long[] hashes = new long[shared + unique + 1];
      long[] prefix = prefixes[rnd.nextInt(prefixCount)];
      long h = 0;
      for (int k = 0; k < shared; k++) {
        h = prefix[k];
        hashes[k] = h;
      }
      for (int k = shared; k < shared + unique + 1; k++) {
        h = Hashing.chain(h, 1_000_000L + r * 100L + k);
        hashes[k] = h;
      }
      int partial = blockTokens > 1 && rnd.nextBoolean() ? 1 + rnd.nextInt(blockTokens - 1) : 0;
      int prompt = (shared + unique) * blockTokens + partial;
      int hashCount = partial > 0 || rnd.nextBoolean() ? hashes.length : hashes.length - 1;
      int output = rnd.nextInt(4) == 0 ? 1 : 1 + rnd.nextInt(3 * blockTokens + 5);
      out.add(new Req(r, prompt, output, Arrays.copyOf(hashes, hashCount)));
    }
    return out;
  }

  /** Every call the scheduler makes to a pool, with its answer and the pool's counters after it. */
  static final class Recording implements KvBlockPool {
    final KvBlockPool pool;
    final List<String> log = new ArrayList<>();
    private final long[] c = new long[4];

    Recording(KvBlockPool pool) {
      this.pool = pool;
    }

    private void note(String call) {
      pool.counters(c);
      log.add(call + " free=" + pool.freeBlocks() + " counters=" + Arrays.toString(c));
    }

    @Override
    public int cachedBlocks(long[] hashes, int maxBlocks) {
      int n = pool.cachedBlocks(hashes, maxBlocks);
      note("cached " + maxBlocks + " -> " + n);
      return n;
    }

    @Override
    public int offloadedBlocks(long[] hashes, int from, int maxBlocks) {
      int n = pool.offloadedBlocks(hashes, from, maxBlocks);
      note("offloaded " + from + "," + maxBlocks + " -> " + n);
      return n;
    }

    @Override
    public boolean allocate(int seq, long[] hashes, int hit, int load, int total, int cache) {
      boolean ok = pool.allocate(seq, hashes, hit, load, total, cache);
      note("allocate " + seq + " " + hit + "," + load + "," + total + "," + cache + " -> " + ok);
      return ok;
    }

    @Override
    public void free(int seq) {
      pool.free(seq);
      note("free " + seq);
    }

    @Override
    public int freeBlocks() {
      return pool.freeBlocks();
    }

    @Override
    public void counters(long[] out) {
      pool.counters(out);
    }
  }

  record Run(List<String> log, List<String> admissions, VllmCounts counts) {}

  static Run run(KvBlockPool pool, int capacity, int cpu, int blockTokens, int maxBatch, long budget, List<Req> trace) {
    Recording rec = new Recording(pool);
    List<String> admissions = new ArrayList<>();
    VllmObserver obs = new VllmObserver() {
      @Override
      public void admitted(long id, int prompt, long gpuHit, long cpuHit, boolean resumed) {
        admissions.add(id + ":" + prompt + ":" + gpuHit + ":" + cpuHit + ":" + resumed);
      }

      @Override
      public void stepFinished(long step, int freeBlocks) {
        rec.log.add("step " + step + " free=" + freeBlocks);
      }
    };
    VllmScheduler s = new VllmScheduler(rec, capacity, blockTokens, maxBatch, budget, obs);
    int[] next = {0};
    s.run(sched -> {
      if (next[0] == trace.size()) {
        return false;
      }
      Req r = trace.get(next[0]++);
      sched.enqueue(r.id(), r.prompt(), r.output(), r.hashes(), 0, r.hashes().length);
      return true;
    });
    return new Run(rec.log, admissions, s.counts(cpu));
  }

  @Test
  void fastPoolEqualsReferenceOnRandomTraces() {
    long preemptions = 0;
    long evictions = 0;
    long loads = 0;
    long resumedHits = 0;
    long skipped = 0;
    long gpuHits = 0;
    long writeThroughLoads = 0;
    for (long seed = 1; seed <= 300; seed++) {
      Random rnd = new Random(seed);
      int blockTokens = new int[] {1, 4, 16}[rnd.nextInt(3)];
      List<Req> trace = randomTrace(rnd, blockTokens, 20 + rnd.nextInt(60));
      int capacity = 10 + rnd.nextInt(60);
      int cpu = rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(80);
      int maxBatch = 1 + rnd.nextInt(8);
      long budget = rnd.nextBoolean() ? 0 : (long) blockTokens * (1 + rnd.nextInt(20));
      boolean writeThrough = cpu > 0 && rnd.nextBoolean();
      VllmBlockPool fast = new VllmBlockPool(capacity, cpu, writeThrough ? CpuStoreRule.ON_COMPUTE : CpuStoreRule.ON_EVICT);
      Run a = run(fast, capacity, cpu, blockTokens, maxBatch, budget, trace);
      Run b = run(new ReferenceVllmPool(capacity, cpu, writeThrough), capacity, cpu, blockTokens, maxBatch, budget, trace);
      String where = "seed " + seed + (writeThrough ? " (store on compute)" : "");
      if (writeThrough) {
        writeThroughLoads += a.counts().cpuLoadBlocks();
      }
      assertEquals(b.admissions(), a.admissions(), where);
      assertEquals(b.log().size(), a.log().size(), where);
      for (int i = 0; i < a.log().size(); i++) {
        assertEquals(b.log().get(i), a.log().get(i), where + ", call " + i);
      }
      assertEquals(b.counts(), a.counts(), where);
      fast.checkInvariants();
      VllmCounts c = a.counts();
      assertEquals(c.promptTokens(), c.gpuHitTokens() + c.cpuHitTokens() + c.computedTokens(), where);
      preemptions += c.preemptions();
      evictions += c.evictions();
      loads += c.cpuLoadBlocks();
      resumedHits += c.resumedHitTokens();
      skipped += c.skippedTooLarge();
      gpuHits += c.gpuHitTokens();
    }
    // the traces exercised every rule
    assertTrue(preemptions > 100, "preemptions " + preemptions);
    assertTrue(evictions > 1000, "evictions " + evictions);
    assertTrue(loads > 100, "CPU loads " + loads);
    assertTrue(writeThroughLoads > 20, "CPU loads with store on compute " + writeThroughLoads);
    assertTrue(resumedHits > 0, "hits of resumed requests " + resumedHits);
    assertTrue(gpuHits > 0, "GPU hits " + gpuHits);
    assertTrue(skipped > 0, "requests too large " + skipped);
  }
}
