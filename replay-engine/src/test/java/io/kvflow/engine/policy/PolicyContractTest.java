package io.kvflow.engine.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every registered policy: contract, self-checks, and equality with its slow reference. */
class PolicyContractTest {
  /** Random traces with a skewed key distribution and some scans, as caches see them. */
  static long[] randomTrace(long seed, int n, int keys) {
    SplittableRandom rnd = new SplittableRandom(seed);
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      int mode = rnd.nextInt(10);
      if (mode < 6) {
        double u = rnd.nextDouble();
        t[i] = (long) (keys * u * u * u); // skewed
      } else if (mode < 8) {
        t[i] = rnd.nextInt(keys);
      } else {
        t[i] = keys + (i % (keys * 2)); // scan
      }
      if (rnd.nextInt(50) == 0) {
        t[i] = Long.MIN_VALUE + rnd.nextInt(3); // extreme keys are keys too
      }
    }
    return t;
  }

  static EvictionPolicy create(PolicyKind kind, int capacity, long[] trace) {
    PolicyParams params = kind.offline() ? PolicyParams.DEFAULT.withNextUse(NextUse.of(trace, trace.length))
        : PolicyParams.DEFAULT;
    return kind.create(capacity, params);
  }

  @ParameterizedTest
  @EnumSource(PolicyKind.class)
  void contractHoldsAfterEveryAccess(PolicyKind kind) {
    for (long seed = 1; seed <= 4; seed++) {
      long[] trace = randomTrace(seed, 4000, 300);
      for (int capacity : new int[] {1, 2, 7, 64, 500}) {
        EvictionPolicy p = create(kind, capacity, trace);
        long hits = 0;
        for (int i = 0; i < trace.length; i++) {
          boolean hit = p.access(trace[i]);
          hits += hit ? 1 : 0;
          assertTrue(p.size() <= capacity, kind + ": size over capacity");
          if (!hit && p.lastOutcome() != EvictionPolicy.REJECTED) {
            assertTrue(p.contains(trace[i]), kind + ": admitted key not resident");
          }
          if (!hit && p.lastOutcome() == EvictionPolicy.EVICTED) {
            assertTrue(!p.contains(p.victim()), kind + ": victim still resident");
          }
          if (i % 500 == 0) {
            p.checkInvariants();
          }
        }
        PolicyStats s = p.stats();
        assertEquals(trace.length, s.hits() + s.misses(), kind + ": hits + misses != accesses");
        assertEquals(hits, s.hits());
        p.checkInvariants();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(PolicyKind.class)
  void equalsItsSlowReference(PolicyKind kind) {
    for (long seed = 10; seed <= 16; seed++) {
      long[] trace = randomTrace(seed, 3000, 120 + (int) seed * 7);
      for (int capacity : new int[] {1, 3, 16, 50, 200}) {
        EvictionPolicy fast = create(kind, capacity, trace);
        ReferencePolicies.Ref slow = ReferencePolicies.of(kind, capacity, trace);
        for (int i = 0; i < trace.length; i++) {
          boolean a = fast.access(trace[i]);
          boolean b = slow.access(trace[i]);
          assertEquals(b, a, kind + " seed " + seed + " capacity " + capacity + ": access " + i + " differs");
        }
        assertEquals(slow.size(), fast.size(), kind + ": final size");
      }
    }
  }

  @Test
  void optIsNeverWorseThanAnyPolicy() {
    for (long seed = 20; seed <= 30; seed++) {
      long[] trace = randomTrace(seed, 5000, 400);
      for (int capacity : new int[] {5, 40, 150}) {
        EvictionPolicy opt = create(PolicyKind.OPT, capacity, trace);
        for (long k : trace) {
          opt.access(k);
        }
        for (PolicyKind kind : PolicyKind.values()) {
          EvictionPolicy p = create(kind, capacity, trace);
          for (long k : trace) {
            p.access(k);
          }
          assertTrue(opt.stats().hits() >= p.stats().hits(),
              kind + " beat OPT at seed " + seed + ", capacity " + capacity);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(PolicyKind.class)
  void removeAndInsertKeepTheStructuresConsistent(PolicyKind kind) {
    if (kind.offline()) {
      return; // OPT is driven by access() only
    }
    SplittableRandom rnd = new SplittableRandom(kind.ordinal());
    EvictionPolicy p = kind.create(50);
    for (int i = 0; i < 20_000; i++) {
      long k = rnd.nextInt(200);
      switch (rnd.nextInt(4)) {
        case 0 -> p.remove(k);
        case 1 -> {
          if (!p.contains(k)) {
            p.admit(k);
          }
        }
        default -> p.access(k);
      }
      assertTrue(p.size() <= 50);
      if (i % 1000 == 0) {
        p.checkInvariants();
      }
    }
    p.checkInvariants();
  }

  @Test
  void lruEvictedUnusedCountsKeysNeverHit() {
    EvictionPolicy p = PolicyKind.LRU.create(2);
    p.access(1);
    p.access(2);
    p.access(1); // 1 reused
    p.access(3); // evicts 2, never reused
    p.access(4); // evicts 1, reused
    PolicyStats s = p.stats();
    assertEquals(2, s.evictions());
    assertEquals(1, s.evictedUnused());
  }
}
