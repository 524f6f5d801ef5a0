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

  /**
   * {@link EvictionPolicy#accessAll} (the bulk path that looks ahead) against the slow reference
   * fed one key at a time: the hits of every chunk, the counters and the resident keys agree.
   */
  @ParameterizedTest
  @EnumSource(PolicyKind.class)
  void accessAllEqualsItsSlowReference(PolicyKind kind) {
    for (long seed = 20; seed <= 25; seed++) {
      long[] trace = randomTrace(seed, 5000, 150 + (int) seed * 5);
      for (int capacity : new int[] {1, 2, 9, 64, 300}) {
        EvictionPolicy fast = create(kind, capacity, trace);
        ReferencePolicies.Ref slow = ReferencePolicies.of(kind, capacity, trace);
        SplittableRandom rnd = new SplittableRandom(seed * 7 + capacity);
        long slowHits = 0;
        int i = 0;
        while (i < trace.length) {
          int n = Math.min(trace.length - i, rnd.nextInt(40)); // chunks shorter and longer than the look-ahead
          long[] chunk = java.util.Arrays.copyOfRange(trace, i, i + n);
          long before = fast.stats().hits();
          fast.accessAll(chunk, n);
          long chunkHits = 0;
          for (long k : chunk) {
            chunkHits += slow.access(k) ? 1 : 0;
          }
          assertEquals(chunkHits, fast.stats().hits() - before,
              kind + " seed " + seed + " capacity " + capacity + ": hits of the chunk at " + i);
          slowHits += chunkHits;
          i += n;
        }
        PolicyStats s = fast.stats();
        assertEquals(slowHits, s.hits(), kind + ": hits");
        assertEquals(trace.length, s.hits() + s.misses(), kind + ": hits + misses != accesses");
        assertEquals(slow.size(), fast.size(), kind + ": final size");
        fast.checkInvariants();
      }
    }
  }

  /** accessAll and one access per key give the same counters on a longer trace (every policy, no reference). */
  @ParameterizedTest
  @EnumSource(PolicyKind.class)
  void accessAllEqualsAccessOneByOne(PolicyKind kind) {
    long[] trace = randomTrace(77, 200_000, 20_000);
    for (int capacity : new int[] {100, 5000}) {
      EvictionPolicy bulk = create(kind, capacity, trace);
      EvictionPolicy single = create(kind, capacity, trace);
      for (int i = 0; i < trace.length; i += 4096) {
        int n = Math.min(4096, trace.length - i);
        bulk.accessAll(java.util.Arrays.copyOfRange(trace, i, i + n), n);
      }
      for (long k : trace) {
        single.access(k);
      }
      assertEquals(single.stats(), bulk.stats(), kind + " capacity " + capacity);
      assertEquals(keysOf(single), keysOf(bulk), kind + " capacity " + capacity + ": resident keys");
      bulk.checkInvariants();
    }
  }

  /** The keys an engine policy holds, sorted. */
  static java.util.TreeSet<Long> keysOf(EvictionPolicy p) {
    java.util.TreeSet<Long> s = new java.util.TreeSet<>();
    p.forEachKey(s::add);
    return s;
  }

  /**
   * The split API against the slow references: random mixes of touch, admit, remove, access and
   * wouldAdmit on the same keys, every return value, victim, key set and counter compared. OPT
   * sees its oracle's sequence (every lookup is a touch or an admit, or an access) and no removals;
   * among its residents never used again the victim may differ, so only the others are compared.
   */
  @ParameterizedTest
  @EnumSource(PolicyKind.class)
  void splitApiEqualsItsSlowReference(PolicyKind kind) {
    for (long seed = 50; seed <= 61; seed++) {
      long[] keys = randomTrace(seed, 2500, 60 + (int) seed);
      for (int capacity : new int[] {1, 2, 5, 16, 40}) {
        EvictionPolicy fast = create(kind, capacity, keys);
        ReferencePolicies.Ref slow = ReferencePolicies.of(kind, capacity, keys);
        SplittableRandom rnd = new SplittableRandom(seed * 31 + capacity);
        for (int i = 0; i < keys.length; i++) {
          long k = keys[i];
          String at = kind + " seed " + seed + " capacity " + capacity + " op " + i + " key " + k + ": ";
          int op = rnd.nextInt(20);
          if (op < 6) {
            assertEquals(slow.access(k), fast.access(k), at + "access");
          } else if (op < 9 && !kind.offline()) {
            long r = keys[rnd.nextInt(keys.length)];
            assertEquals(slow.remove(r), fast.remove(r), at + "remove " + r);
            i--; // the key is still to be looked up (removals are not in OPT's sequence)
            continue;
          } else {
            boolean hit = slow.touch(k);
            assertEquals(hit, fast.touch(k), at + "touch");
            if (!hit) {
              assertEquals(slow.wouldAdmit(k), fast.wouldAdmit(k), at + "wouldAdmit");
              int outcome = slow.admit(k);
              assertEquals(outcome, fast.admit(k), at + "admit");
              if (outcome == EvictionPolicy.EVICTED && !kind.offline()) {
                assertEquals(slow.victim(), fast.victim(), at + "victim");
              }
            }
          }
          assertEquals(slow.size(), fast.size(), at + "size");
          assertEquals(slow.contains(k), fast.contains(k), at + "contains");
          if (i % 97 == 0) {
            assertEquals(comparable(kind, slow.keys(), keys, i), comparable(kind, keysOf(fast), keys, i), at + "keys");
            fast.checkInvariants();
          }
        }
        assertEquals(comparable(kind, slow.keys(), keys, keys.length), comparable(kind, keysOf(fast), keys, keys.length),
            kind + " capacity " + capacity + ": final keys");
        PolicyStats s = fast.stats();
        assertEquals(slow.insertions(), s.insertions(), kind + " capacity " + capacity + ": insertions");
        assertEquals(slow.evictions(), s.evictions(), kind + " capacity " + capacity + ": evictions");
        assertEquals(slow.evictedUnused(), s.evictedUnused(), kind + " capacity " + capacity + ": evicted unused");
        fast.checkInvariants();
      }
    }
  }

  /** The keys to compare: all of them, or for OPT those used again after position {@code done}. */
  private static java.util.TreeSet<Long> comparable(PolicyKind kind, java.util.Set<Long> resident, long[] keys, int done) {
    java.util.TreeSet<Long> s = new java.util.TreeSet<>(resident);
    if (kind.offline()) {
      java.util.Set<Long> future = new java.util.HashSet<>();
      for (int j = done + 1; j < keys.length; j++) {
        future.add(keys[j]);
      }
      s.retainAll(future);
    }
    return s;
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
