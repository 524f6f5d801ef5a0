package io.kvflow.engine.sglang;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.Hashing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link RadixTree} against {@link ReferenceRadixCache}: SGLang's scheduler drives each over the same
 * random trace (shared prefixes of several lengths, prompts of whole and partial blocks, 1- to
 * 4-token pages, running batches that lock their prefixes, pools small enough to evict and retract,
 * chunked prefill, a HiCache host tier with write-through or write-back, or none), and every call,
 * its answer and the cache's sizes and counters after it must be equal, request by request and step
 * by step.
 */
class SglangDifferentialTest {
  /** One generated request. */
  record Req(long id, int prompt, int output, long[] hashes) {}

  static List<Req> randomTrace(Random rnd, int blockTokens, int count) {
    int prefixCount = 1 + rnd.nextInt(4);
    long[][] prefixes = new long[prefixCount][12];
    for (int p = 0; p < prefixCount; p++) {
      long h = 0x5eed + p;
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
      for (int k = shared; k < hashes.length; k++) {
        h = Hashing.chain(h, 1_000_000L + r * 100L + k);
        hashes[k] = h;
      }
      int partial = blockTokens > 1 && rnd.nextBoolean() ? 1 + rnd.nextInt(blockTokens - 1) : 0;
      int prompt = (shared + unique) * blockTokens + partial;
      int hashCount = partial > 0 && rnd.nextBoolean() ? hashes.length : hashes.length - 1;
      int output = rnd.nextInt(4) == 0 ? 1 : 1 + rnd.nextInt(3 * blockTokens + 5);
      out.add(new Req(r, prompt, output, Arrays.copyOf(hashes, hashCount)));
    }
    return out;
  }

  /** Every call the scheduler makes to a cache, with its answer and the cache's state after it (handles left out). */
  static final class Recording implements RadixCache {
    final RadixCache cache;
    final List<String> log = new ArrayList<>();
    private final long[] c = new long[4];

    Recording(RadixCache cache) {
      this.cache = cache;
    }

    private void note(String call) {
      cache.counters(c);
      log.add(call + " free=" + cache.freePages() + " evictable=" + cache.evictablePages() + " protected="
          + cache.protectedPages() + " counters=" + Arrays.toString(c));
    }

    @Override
    public int match(long[] keys, int maxPages) {
      int n = cache.match(keys, maxPages);
      note("match " + maxPages + " -> " + n + " host " + cache.hostPages());
      return n;
    }

    @Override
    public int hostPages() {
      return cache.hostPages();
    }

    @Override
    public int lastDeviceNode() {
      return cache.lastDeviceNode();
    }

    @Override
    public int lastHostNode() {
      return cache.lastHostNode();
    }

    @Override
    public int loadBack(int hostNode) {
      int n = cache.loadBack(hostNode);
      note("loadBack -> " + n);
      return n;
    }

    @Override
    public void lock(int node) {
      cache.lock(node);
      note("lock");
    }

    @Override
    public void unlock(int node) {
      cache.unlock(node);
      note("unlock");
    }

    @Override
    public int insert(long[] keys, int pages) {
      int n = cache.insert(keys, pages);
      note("insert " + pages + " -> " + n);
      return n;
    }

    @Override
    public int evict(int pages) {
      int n = cache.evict(pages);
      note("evict " + pages + " -> " + n);
      return n;
    }

    @Override
    public boolean ensureFree(int pages) {
      boolean ok = cache.ensureFree(pages);
      note("ensureFree " + pages + " -> " + ok);
      return ok;
    }

    @Override
    public void take(int pages) {
      cache.take(pages);
      note("take " + pages);
    }

    @Override
    public void release(int pages) {
      cache.release(pages);
      note("release " + pages);
    }

    @Override
    public int freePages() {
      return cache.freePages();
    }

    @Override
    public int evictablePages() {
      return cache.evictablePages();
    }

    @Override
    public int protectedPages() {
      return cache.protectedPages();
    }

    @Override
    public void counters(long[] out) {
      cache.counters(out);
    }
  }

  record Run(List<String> log, List<String> admissions, SglangCounts counts) {}

  static Run run(RadixCache cache, int capacity, int page, int blockTokens, int host, boolean writeBack, int maxBatch,
      long chunk, List<Req> trace) {
    Recording rec = new Recording(cache);
    List<String> admissions = new ArrayList<>();
    SglangObserver obs = new SglangObserver() {
      @Override
      public void admitted(long id, int prompt, long deviceHit, long hostHit, boolean resumed) {
        admissions.add(id + ":" + prompt + ":" + deviceHit + ":" + hostHit + ":" + resumed);
      }

      @Override
      public void stepFinished(long step, int freePages, int evictablePages) {
        rec.log.add("step " + step + " free=" + freePages + " evictable=" + evictablePages);
      }
    };
    SglangScheduler s = new SglangScheduler(rec, capacity, page, blockTokens, maxBatch, chunk, obs);
    int[] next = {0};
    s.run(sched -> {
      if (next[0] == trace.size()) {
        return false;
      }
      Req r = trace.get(next[0]++);
      sched.enqueue(r.id(), r.prompt(), r.output(), r.hashes(), 0, r.hashes().length);
      return true;
    });
    return new Run(rec.log, admissions, s.counts(host, writeBack));
  }

  @Test
  void fastTreeEqualsReferenceOnRandomTraces() {
    long retractions = 0;
    long evicted = 0;
    long hostLoads = 0;
    long hostEvicted = 0;
    long deviceHits = 0;
    long resumedHits = 0;
    long skipped = 0;
    long chunkedBatches = 0;
    for (long seed = 1; seed <= 300; seed++) {
      Random rnd = new Random(seed);
      int blockTokens = new int[] {1, 4, 16}[rnd.nextInt(3)];
      int page = new int[] {1, 1, 2, 4}[rnd.nextInt(4)];
      List<Req> trace = randomTrace(rnd, blockTokens, 20 + rnd.nextInt(60));
      int capacity = (blockTokens * (10 + rnd.nextInt(50))) / page;
      int host = rnd.nextBoolean() ? 0 : (blockTokens * (1 + rnd.nextInt(80))) / page;
      boolean writeBack = rnd.nextBoolean();
      int maxBatch = 1 + rnd.nextInt(8);
      long chunk = rnd.nextBoolean() ? 0 : (long) page * (1 + rnd.nextInt(20 * blockTokens / page + 1));
      RadixTree fast = new RadixTree(page, capacity, host, writeBack);
      Run a = run(fast, capacity, page, blockTokens, host, writeBack, maxBatch, chunk, trace);
      Run b = run(new ReferenceRadixCache(page, capacity, host, writeBack), capacity, page, blockTokens, host, writeBack,
          maxBatch, chunk, trace);
      String where = "seed " + seed;
      assertEquals(b.admissions(), a.admissions(), where);
      assertEquals(b.log().size(), a.log().size(), where);
      for (int i = 0; i < a.log().size(); i++) {
        assertEquals(b.log().get(i), a.log().get(i), where + ", call " + i);
      }
      assertEquals(b.counts(), a.counts(), where);
      fast.checkInvariants();
      assertEquals(0, fast.protectedPages(), where + ": locks left");
      assertEquals(capacity, fast.freePages() + fast.treeDevicePages(), where + ": pages held by no request");
      SglangCounts c = a.counts();
      assertEquals(c.promptTokens(), c.deviceHitTokens() + c.hostHitTokens() + c.computedTokens(), where);
      retractions += c.retractions();
      evicted += c.evictedTokens();
      hostLoads += c.hostLoadedTokens();
      hostEvicted += c.hostEvictedTokens();
      deviceHits += c.deviceHitTokens();
      resumedHits += c.resumedHitTokens();
      skipped += c.skippedTooLarge();
      chunkedBatches += chunk > 0 ? c.prefillBatches() : 0;
    }
    // the traces exercised every rule
    System.out.println("sglang differential: retractions " + retractions + ", evicted " + evicted + ", host loads "
        + hostLoads + ", host evictions " + hostEvicted + ", GPU hits " + deviceHits + ", resumed hits " + resumedHits
        + ", too large " + skipped + ", chunked batches " + chunkedBatches);
    assertTrue(retractions > 20, "retractions " + retractions);
    assertTrue(evicted > 1000, "evicted tokens " + evicted);
    assertTrue(hostLoads > 100, "host loads " + hostLoads);
    assertTrue(hostEvicted > 100, "host evictions " + hostEvicted);
    assertTrue(deviceHits > 1000, "GPU hits " + deviceHits);
    assertTrue(resumedHits > 0, "hits of retracted requests " + resumedHits);
    assertTrue(skipped > 0, "requests too large " + skipped);
    assertTrue(chunkedBatches > 0, "chunked prefill batches " + chunkedBatches);
  }
}
