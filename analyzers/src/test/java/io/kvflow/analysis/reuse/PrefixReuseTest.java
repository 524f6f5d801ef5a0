package io.kvflow.analysis.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.Hashing;
import io.kvflow.engine.policy.EvictionPolicy;
import io.kvflow.engine.policy.NextUse;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.policy.PolicyParams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Differential tests of the prefix studies: the one-pass prefix-aware LRU against a block-by-block
 * simulation at every size; tree-OPT against exhaustive search over every eviction choice, prefix
 * LRU below it, flat OPT above it; flat OPT against the engine's OPT policy.
 */
class PrefixReuseTest {
  static final int BLOCK_TOKENS = 16;

  /** Requests of a random trace with shared prefixes: raw keys, path keys, tokens, request ends. */
  record Chains(long[] raw, long[] path, int[] tokens, int[] ends) {
    int requests() {
      return ends.length;
    }

    int start(int r) {
      return r == 0 ? 0 : ends[r - 1];
    }
  }

  /**
   * Requests walking a random tree of {@code branching} children a level (raw key: the child's
   * label, so raw keys repeat under different prefixes when {@code labelsOnly}; otherwise the
   * chained hash, as real traces key blocks).
   */
  static Chains randomChains(SplittableRandom rnd, int requests, int maxDepth, int branching, boolean labelsOnly) {
    List<Long> raw = new ArrayList<>();
    List<Long> path = new ArrayList<>();
    List<Integer> tokens = new ArrayList<>();
    int[] ends = new int[requests];
    for (int r = 0; r < requests; r++) {
      int depth = 1 + rnd.nextInt(maxDepth);
      long p = ChainStream.PATH_ROOT;
      long chained = 0;
      for (int d = 0; d < depth; d++) {
        long label = rnd.nextInt(branching);
        chained = Hashing.chain(chained, label);
        long key = labelsOnly ? label : chained;
        p = Hashing.chain(p, key);
        raw.add(key);
        path.add(p);
        tokens.add(d == depth - 1 ? 1 + rnd.nextInt(BLOCK_TOKENS) : BLOCK_TOKENS);
      }
      ends[r] = raw.size();
    }
    return new Chains(raw.stream().mapToLong(Long::longValue).toArray(), path.stream().mapToLong(Long::longValue).toArray(),
        tokens.stream().mapToInt(Integer::intValue).toArray(), ends);
  }

  /**
   * The obvious prefix-aware LRU, block by block: look up the longest cached prefix, touch it in
   * order, admit the rest in order evicting the least recently touched cached leaf other than the
   * parent of the admitted block (none: stop admitting). Returns hits per reference (0/1).
   */
  static int[] slowPrefixLru(Chains c, int capacity) {
    Map<Long, Long> touched = new HashMap<>();
    Map<Long, Long> parentOf = new HashMap<>();
    long clock = 0;
    int[] hit = new int[c.path().length];
    for (int r = 0; r < c.requests(); r++) {
      int from = c.start(r);
      int to = c.ends()[r];
      int k = from;
      while (k < to && touched.containsKey(c.path()[k])) {
        hit[k] = 1;
        touched.put(c.path()[k], ++clock);
        k++;
      }
      for (int i = k; i < to; i++) {
        Long parent = i == from ? null : c.path()[i - 1];
        if (capacity == 0 || (parent != null && !touched.containsKey(parent))) {
          break;
        }
        if (touched.size() == capacity) {
          Set<Long> inner = new HashSet<>();
          for (long b : touched.keySet()) {
            if (parentOf.get(b) != null) {
              inner.add(parentOf.get(b));
            }
          }
          Long victim = null;
          for (Map.Entry<Long, Long> e : touched.entrySet()) {
            if (!inner.contains(e.getKey()) && !e.getKey().equals(parent)
                && (victim == null || e.getValue() < touched.get(victim))) {
              victim = e.getKey();
            }
          }
          if (victim == null) {
            break;
          }
          touched.remove(victim);
        }
        touched.put(c.path()[i], ++clock);
        parentOf.put(c.path()[i], parent);
      }
    }
    return hit;
  }

  static long[] prefixDistances(Chains c) {
    PrefixLruAnalyzer a = new PrefixLruAnalyzer();
    long[] d = new long[c.path().length];
    for (int r = 0; r < c.requests(); r++) {
      a.request(c.path(), c.tokens(), c.start(r), c.ends()[r], d);
    }
    a.checkInvariants();
    return d;
  }

  static RecordedChains record(Chains c) {
    RecordedChains rc = new RecordedChains();
    for (int r = 0; r < c.requests(); r++) {
      rc.request(c.raw(), c.path(), c.tokens(), c.start(r), c.ends()[r]);
    }
    return rc;
  }

  @Test
  void onePassPrefixLruEqualsBlockByBlockSimulationAtEverySize() {
    SplittableRandom rnd = new SplittableRandom(17);
    for (int t = 0; t < 60; t++) {
      Chains c = randomChains(rnd, 20 + rnd.nextInt(120), 1 + rnd.nextInt(12), 1 + rnd.nextInt(4), false);
      long[] d = prefixDistances(c);
      PrefixLruAnalyzer a = new PrefixLruAnalyzer();
      for (int r = 0; r < c.requests(); r++) {
        a.request(c.path(), c.tokens(), c.start(r), c.ends()[r], null);
      }
      MissRatioCurve blocks = new MissRatioCurve(a.blockHistogram());
      MissRatioCurve tokens = new MissRatioCurve(a.tokenHistogram());
      long totalTokens = 0;
      for (int w : c.tokens()) {
        totalTokens += w;
      }
      for (int cap : new int[] {0, 1, 2, 3, 5, 8, 13, 21, 40, 100}) {
        int[] hit = slowPrefixLru(c, cap);
        long hitTokens = 0;
        long hits = 0;
        for (int j = 0; j < hit.length; j++) {
          boolean fast = d[j] >= 0 && d[j] < cap;
          assertEquals(hit[j] == 1, fast, "trace " + t + " capacity " + cap + " reference " + j);
          hits += hit[j];
          hitTokens += hit[j] * (long) c.tokens()[j];
        }
        assertEquals(1 - hits / (double) hit.length, blocks.missRatio(cap), 1e-12);
        assertEquals(1 - hitTokens / (double) totalTokens, tokens.missRatio(cap), 1e-12);
      }
    }
  }

  @Test
  void compactionKeepsDistancesExact() {
    // many distinct blocks: several compactions
    Chains c = randomChains(new SplittableRandom(3), 3000, 20, 3, false);
    long[] d = prefixDistances(c);
    for (int cap : new int[] {10, 300, 2000}) {
      int[] hit = slowPrefixLru(c, cap);
      for (int j = 0; j < hit.length; j++) {
        assertEquals(hit[j] == 1, d[j] >= 0 && d[j] < cap, "capacity " + cap + " reference " + j);
      }
    }
  }

  /** The most hits any prefix-closed cache of {@code capacity} blocks gets: every choice at every miss. */
  static int exhaustiveTreeOpt(Chains c, int capacity) {
    Map<Long, Integer> idOf = new HashMap<>();
    int n = c.path().length;
    int[] ids = new int[n];
    List<Integer> parents = new ArrayList<>();
    for (int r = 0; r < c.requests(); r++) {
      int up = -1;
      for (int j = c.start(r); j < c.ends()[r]; j++) {
        Integer id = idOf.get(c.path()[j]);
        if (id == null) {
          id = idOf.size();
          idOf.put(c.path()[j], id);
          parents.add(up);
        }
        ids[j] = id;
        up = id;
      }
    }
    if (idOf.size() > 62) {
      throw new IllegalArgumentException("too many blocks for the exhaustive search");
    }
    int[] parent = parents.stream().mapToInt(Integer::intValue).toArray();
    return best(0, 0L, ids, parent, capacity, new HashMap<>());
  }

  private static int best(int j, long cached, int[] ids, int[] parent, int capacity, Map<String, Integer> memo) {
    if (j == ids.length) {
      return 0;
    }
    String state = j + ":" + cached;
    Integer known = memo.get(state);
    if (known != null) {
      return known;
    }
    int id = ids[j];
    int result;
    if ((cached & (1L << id)) != 0) {
      result = 1 + best(j + 1, cached, ids, parent, capacity, memo);
    } else {
      result = best(j + 1, cached, ids, parent, capacity, memo); // not admitted
      int up = parent[id];
      if (capacity > 0 && (up < 0 || (cached & (1L << up)) != 0)) {
        if (Long.bitCount(cached) < capacity) {
          result = Math.max(result, best(j + 1, cached | (1L << id), ids, parent, capacity, memo));
        } else {
          long inner = 0;
          for (int b = 0; b < parent.length; b++) {
            if ((cached & (1L << b)) != 0 && parent[b] >= 0) {
              inner |= 1L << parent[b];
            }
          }
          for (int v = 0; v < parent.length; v++) {
            if ((cached & (1L << v)) != 0 && (inner & (1L << v)) == 0 && v != up) {
              result = Math.max(result, best(j + 1, (cached & ~(1L << v)) | (1L << id), ids, parent, capacity, memo));
            }
          }
        }
      }
    }
    memo.put(state, result);
    return result;
  }

  static long engineOptHits(long[] keys, int capacity) {
    EvictionPolicy p = PolicyKind.OPT.create(capacity, PolicyParams.DEFAULT.withNextUse(NextUse.of(keys, keys.length)));
    for (long k : keys) {
      p.access(k);
    }
    return p.stats().hits();
  }

  @Test
  void treeOptEqualsExhaustiveSearchAndSitsBetweenPrefixLruAndFlatOpt() {
    SplittableRandom rnd = new SplittableRandom(2026);
    for (int t = 0; t < 200; t++) {
      Chains c = randomChains(rnd, 2 + rnd.nextInt(5), 1 + rnd.nextInt(4), 1 + rnd.nextInt(3), false);
      RecordedChains rc = record(c);
      long[] d = prefixDistances(c);
      for (int cap = 0; cap <= 6; cap++) {
        long tree = OfflineOptimum.run(rc, OfflineOptimum.Kind.TREE, cap).hitBlocks();
        long flat = OfflineOptimum.run(rc, OfflineOptimum.Kind.FLAT, cap).hitBlocks();
        long lru = 0;
        for (long x : d) {
          lru += x >= 0 && x < cap ? 1 : 0;
        }
        String where = "trace " + t + " capacity " + cap;
        assertEquals(exhaustiveTreeOpt(c, cap), tree, where);
        assertTrue(lru <= tree, where + ": prefix LRU " + lru + " above tree-OPT " + tree);
        assertTrue(tree <= flat, where + ": tree-OPT " + tree + " above flat OPT " + flat);
        // raw keys chain the prefix here, so the two optima coincide (docs/reuse.md)
        assertEquals(flat, tree, where);
        if (cap > 0) {
          assertEquals(engineOptHits(c.raw(), cap), flat, where + ": flat OPT vs the engine's OPT");
        }
      }
    }
  }

  @Test
  void flatOptCountsHitsNoPrefixCacheCanHaveWhenHashesDoNotChainThePrefix() {
    // raw keys are labels: the same key under different prefixes; flat OPT may count a block present
    // though its prefix is not, tree-OPT may not
    SplittableRandom rnd = new SplittableRandom(5);
    long gapTraces = 0;
    for (int t = 0; t < 200; t++) {
      Chains c = randomChains(rnd, 2 + rnd.nextInt(5), 1 + rnd.nextInt(4), 1 + rnd.nextInt(3), true);
      RecordedChains rc = record(c);
      for (int cap = 1; cap <= 6; cap++) {
        long tree = OfflineOptimum.run(rc, OfflineOptimum.Kind.TREE, cap).hitBlocks();
        long flat = OfflineOptimum.run(rc, OfflineOptimum.Kind.FLAT, cap).hitBlocks();
        assertEquals(exhaustiveTreeOpt(c, cap), tree, "trace " + t + " capacity " + cap);
        assertEquals(engineOptHits(c.raw(), cap), flat);
        gapTraces += flat > tree ? 1 : 0;
      }
    }
    assertTrue(gapTraces > 0, "labels under different prefixes give flat OPT hits tree-OPT cannot have");
  }

  @Test
  void treeOptTokensCountTheHitBlocksTokens() {
    Chains c = randomChains(new SplittableRandom(9), 50, 6, 2, false);
    RecordedChains rc = record(c);
    OfflineOptimum.Result all = OfflineOptimum.run(rc, OfflineOptimum.Kind.TREE, 1 << 20);
    long[] d = prefixDistances(c);
    long tokens = 0;
    long hits = 0;
    for (int j = 0; j < d.length; j++) {
      if (d[j] >= 0) {
        tokens += c.tokens()[j];
        hits++;
      }
    }
    // an unbounded cache misses only first uses, under every policy
    assertEquals(hits, all.hitBlocks());
    assertEquals(tokens, all.hitTokens());
  }

  @Test
  void prefixStudyKeepsTheFlatStudyAndIsDeterministic() {
    List<Long> sizes = List.of(100L, 1000L);
    var plain = ReuseStudy.run(TenantReuseTest.CHAT, new ReuseStudy.Options(ReuseStudy.Sampling.EXACT, 1, 0, 1, sizes, null),
        io.kvflow.common.Progress.NONE);
    PrefixStudy.Options o = new PrefixStudy.Options(sizes, java.util.EnumSet.allOf(PrefixStudy.Curve.class), 0, Double.NaN);
    var prefix = PrefixStudy.run(TenantReuseTest.CHAT, o, io.kvflow.common.Progress.NONE);
    for (String f : new String[] {"accesses", "cold_misses", "distinct_blocks", "histogram", "reuse_time_log2", "mrc"}) {
      assertEquals(plain.get(f), prefix.get(f), f);
    }
    assertEquals(prefix, PrefixStudy.run(TenantReuseTest.CHAT, o, io.kvflow.common.Progress.NONE), "same trace, same study");
    assertEquals(prefix.get("accesses").asLong(), prefix.path("prefix_aware").path("references").asLong());
  }
}
