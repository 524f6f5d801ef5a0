package io.kvflow.engine.sglang;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvflow.common.Hashing;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each radix-cache rule worked by hand, on the fast tree and on the reference alike. Sequences are
 * written as token lists; page size 1, so a token is a page, and keys chain as a trace's hashes do.
 */
class SglangRulesTest {
  static List<Object[]> caches() {
    List<Object[]> out = new ArrayList<>();
    out.add(new Object[] {"fast", (Factory) RadixTree::new});
    out.add(new Object[] {"reference", (Factory) ReferenceRadixCache::new});
    return out;
  }

  /** Makes a cache of (page tokens, GPU pages, host pages, write-back). */
  interface Factory {
    RadixCache make(int pageTokens, int gpuPages, int hostPages, boolean writeBack);
  }

  /** Chained keys of a token sequence: key j names tokens 0..j. */
  static long[] seq(int... tokens) {
    long[] k = new long[tokens.length];
    long h = 17;
    for (int i = 0; i < tokens.length; i++) {
      h = Hashing.mix64(Hashing.chain(h, tokens[i]));
      k[i] = h;
    }
    return k;
  }

  /** Inserts a request's pages the way the scheduler does: take them, insert, free what the tree had. */
  static void cacheRequest(RadixCache c, long[] keys) {
    c.ensureFree(keys.length);
    c.take(keys.length);
    int present = c.insert(keys, keys.length);
    c.release(present);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caches")
  void evictsLeavesOnlyLeastRecentlyUsedFirstAndThenTheirParents(String name, Factory f) {
    RadixCache c = f.make(1, 10, 0, false);
    cacheRequest(c, seq(1, 2, 3));          // [1 2 3]
    cacheRequest(c, seq(1, 2, 4, 5));       // [1 2] -> [3], [4 5]: 5 pages
    assertEquals(5, 10 - c.freePages());
    assertEquals(5, c.evictablePages());
    // the least recently used leaf is [3]; the shared [1 2] is not a leaf
    assertEquals(1, c.evict(1));
    assertEquals(0, c.match(seq(1, 2, 3), 3) - 2, "[1 2] stays, [3] went");
    // [1 2] was just used; [4 5] is now the only leaf, then [1 2] becomes one in the same call
    assertEquals(4, c.evict(3));
    assertEquals(10, c.freePages());
    assertEquals(0, c.match(seq(1, 2), 2));
    long[] counters = new long[4];
    c.counters(counters);
    assertEquals(5, counters[0]);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caches")
  void lockPinsANodeAndItsAncestors(String name, Factory f) {
    RadixCache c = f.make(1, 10, 0, false);
    cacheRequest(c, seq(1, 2, 3));
    cacheRequest(c, seq(1, 2, 4, 5));
    assertEquals(4, c.match(seq(1, 2, 4, 5, 6), 5));
    int node = c.lastDeviceNode();
    c.lock(node);
    assertEquals(4, c.protectedPages());
    assertEquals(1, c.evictablePages());
    assertEquals(1, c.evict(10), "only [3] is unlocked");
    assertEquals(4, c.match(seq(1, 2, 4, 5), 4));
    c.unlock(node);
    assertEquals(0, c.protectedPages());
    assertEquals(4, c.evict(10));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caches")
  void aPartialMatchSplitsTheNode(String name, Factory f) {
    RadixCache c = f.make(1, 10, 0, false);
    cacheRequest(c, seq(1, 2, 3, 4));       // one node of 4 pages
    assertEquals(2, c.match(seq(1, 2, 9), 3));
    int node = c.lastDeviceNode();
    c.lock(node);                            // pins the new node [1 2] only
    assertEquals(2, c.protectedPages());
    assertEquals(2, c.evict(1), "the split-off [3 4] is a leaf of its own and goes whole");
    assertEquals(2, c.match(seq(1, 2, 3, 4), 4));
    c.unlock(node);
    // an insert that diverges inside a node splits it too and reports the shared part as present
    assertEquals(2, c.insert(seq(1, 2, 7), 0) + 2);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caches")
  void insertReportsThePagesTheTreeHeld(String name, Factory f) {
    RadixCache c = f.make(1, 10, 0, false);
    cacheRequest(c, seq(1, 2, 3));
    c.ensureFree(4);
    c.take(4);
    assertEquals(3, c.insert(seq(1, 2, 3, 4), 4));
    c.release(3);
    assertEquals(4, 10 - c.freePages());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caches")
  void writeThroughKeepsEvictedNodesOnTheHostAndLoadsThemBack(String name, Factory f) {
    RadixCache c = f.make(4, 10, 10, false);  // 4-token pages: a 3-page load (12 tokens) passes the threshold
    cacheRequest(c, seq(1, 2, 3));
    long[] counters = new long[4];
    c.counters(counters);
    assertEquals(3, counters[1], "written to the host when inserted");
    assertEquals(3, c.evict(3));
    assertEquals(0, c.match(seq(1, 2, 3, 4), 4));
    assertEquals(3, c.hostPages());
    assertEquals(3, c.loadBack(c.lastHostNode()));
    assertEquals(7, c.freePages());
    assertEquals(3, c.match(seq(1, 2, 3, 4), 4));
    assertEquals(0, c.hostPages());
    c.counters(counters);
    assertEquals(3, counters[2], "loaded");
    assertEquals(3, counters[1], "not written again");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caches")
  void aLoadBelowTheThresholdIsRecomputed(String name, Factory f) {
    RadixCache c = f.make(1, 10, 10, false);
    cacheRequest(c, seq(1, 2, 3));
    c.evict(3);
    assertEquals(0, c.match(seq(1, 2, 3, 4), 4));
    assertEquals(3, c.hostPages());
    assertEquals(0, c.loadBack(c.lastHostNode()), "3 tokens < " + RadixTree.LOAD_BACK_THRESHOLD_TOKENS);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caches")
  void writeBackWritesOnEvictionOnly(String name, Factory f) {
    RadixCache c = f.make(1, 10, 10, true);
    cacheRequest(c, seq(1, 2, 3));
    long[] counters = new long[4];
    c.counters(counters);
    assertEquals(0, counters[1]);
    assertEquals(3, c.evict(3));
    c.counters(counters);
    assertEquals(3, counters[1], "written when evicted");
    assertEquals(0, c.match(seq(1, 2, 3), 3));
    assertEquals(3, c.hostPages());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caches")
  void theHostDropsHostOnlyLeavesLeastRecentlyUsedFirst(String name, Factory f) {
    RadixCache c = f.make(1, 10, 5, false);
    cacheRequest(c, seq(1, 2, 3));            // host 3
    c.evict(3);                                // host-only [1 2 3]
    cacheRequest(c, seq(7, 8));                // host 5
    cacheRequest(c, seq(9));                   // host full: [1 2 3] is the only host-only leaf and goes
    long[] counters = new long[4];
    c.counters(counters);
    assertEquals(3, counters[3]);
    assertEquals(0, c.match(seq(1, 2, 3), 3));
    assertEquals(0, c.hostPages());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caches")
  void aRecomputedHostOnlyNodeReturnsToTheGpuWithoutCountingAsPresent(String name, Factory f) {
    RadixCache c = f.make(1, 10, 10, false);
    cacheRequest(c, seq(1, 2, 3));
    c.evict(3);
    c.ensureFree(3);
    c.take(3);
    assertEquals(0, c.insert(seq(1, 2, 3), 3), "the request's pages replace the host-only node's GPU copy");
    assertEquals(3, c.evictablePages());
    assertEquals(3, c.match(seq(1, 2, 3), 3));
  }

  /**
   * Through the scheduler, one request at a time: a 10-token prompt in 4-token pages leaves 2 whole
   * pages in the tree; the same prompt hits them (8 tokens); an 8-token prompt of those pages hits
   * only 1, as SGLang matches at most {@code tokens - 1} tokens.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("caches")
  void schedulerCachesWholePagesAndRecomputesTheLastToken(String name, Factory f) {
    RadixCache c = f.make(4, 20, 0, false);
    List<String> admitted = new ArrayList<>();
    SglangScheduler s = new SglangScheduler(c, 20, 4, 4, 1, 0,
        (id, prompt, gpu, host, resumed) -> admitted.add(id + ":" + gpu));
    long[] hashes = {101, 102, 103};
    int[] next = {0};
    s.run(sched -> {
      if (next[0] == 3) {
        return false;
      }
      int r = next[0]++;
      // request 0: 10 tokens, output 1 (inserts 10 tokens: 2 whole pages); request 1: same prompt;
      // request 2: exactly 8 tokens, the first 8 of them (2 cached pages, but the last token is recomputed)
      sched.enqueue(r, r == 2 ? 8 : 10, 1, hashes, 0, r == 2 ? 2 : 3);
      return true;
    });
    assertEquals(List.of("0:0", "1:8", "2:4"), admitted);
  }

  /**
   * Retraction by hand (page 1, 36 GPU tokens, 3 running at most). A (prompt 4) and B (prompt 5),
   * 10 output tokens each, are admitted together: their full outputs are reserved (14 + 15 of 36).
   * C (prompt 3) enters next step: the running ones reserve only 9 x 0.7 each, 27 free - 12.6 > 13.
   * The three need 13 + 14 + 12 = 39 tokens: after 8 decode steps the pool is empty with nothing
   * evictable, and the decode retracts one request: all have 9 output tokens, so the longest prompt,
   * B, goes; it is admitted again later with its prompt and 9 output tokens to compute.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("caches")
  void retractsTheFewestOutputsThenTheLongestPrompt(String name, Factory f) {
    RadixCache c = f.make(1, 36, 0, false);
    List<String> admitted = new ArrayList<>();
    SglangScheduler s = new SglangScheduler(c, 36, 1, 1, 3, 0,
        (id, prompt, gpu, host, resumed) -> admitted.add(id + (resumed ? " again" : "")));
    int[] prompts = {4, 5, 3};
    int[] next = {0};
    s.run(sched -> {
      if (next[0] == 3) {
        return false;
      }
      int r = next[0]++;
      long[] hashes = new long[prompts[r]];
      for (int i = 0; i < hashes.length; i++) {
        hashes[i] = 1000L * (r + 1) + i;
      }
      sched.enqueue(r, prompts[r], 10, hashes, 0, hashes.length);
      return true;
    });
    assertEquals(List.of("0", "1", "2", "1 again"), admitted);
    SglangCounts counts = s.counts(0, false);
    assertEquals(1, counts.retractions());
    assertEquals(30, counts.generatedTokens(), "B keeps its 9 output tokens (SGLang keeps output_ids) and recomputes them");
    assertEquals(14, counts.resumedQueryTokens(), "B looks up its prompt and the 9 tokens it had");
  }
}
