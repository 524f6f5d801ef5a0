package io.kvflow.engine.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** The reference policies' split API on hand-worked cases: what touch, admit, remove and wouldAdmit promise. */
class ReferencePoliciesTest {
  @ParameterizedTest
  @EnumSource(PolicyKind.class)
  void touchOfAnAbsentKeyChangesNothingAndRemoveCountsNoEviction(PolicyKind kind) {
    long[] lookups = {1, 2, 3, 1, 2, 3, 1, 2, 3};
    ReferencePolicies.Ref p = ReferencePolicies.of(kind, 2, lookups);
    assertFalse(p.touch(1));
    assertEquals(0, p.size());
    assertEquals(EvictionPolicy.INSERTED, p.admit(1));
    assertEquals(EvictionPolicy.INSERTED, p.admit(2));
    assertTrue(p.remove(1));
    assertFalse(p.remove(1));
    assertFalse(p.contains(1));
    assertEquals(0, p.evictions());
    assertEquals(Set.of(2L), p.keys());
    assertEquals(2, p.insertions());
  }

  @Test
  void arcRemovalLeavesNoGhost() {
    ReferencePolicies.Arc a = new ReferencePolicies.Arc(2);
    a.admit(1);
    a.touch(1); // T2
    a.admit(2); // T1
    a.admit(3); // full, |T1| > p = 0: 2 to ghost B1
    assertEquals(2, a.victim());
    assertTrue(a.b1.contains(2L));
    a.remove(3);
    assertFalse(a.b1.contains(3L) || a.b2.contains(3L));
    a.admit(4); // no ghost hit; the free frame is taken without replacing
    assertTrue(a.t1.contains(4L));
    assertEquals(Set.of(1L, 4L), a.keys());
    a.remove(4);
    a.admit(2); // ghost hit while not full: p adapts, 2 enters T2, nothing evicted
    assertTrue(a.t2.contains(2L));
    assertEquals(1.0, a.p);
    assertEquals(1, a.evictions());
  }

  @Test
  void s3fifoRemovalLeavesNoGhost() {
    ReferencePolicies.S3Fifo s = new ReferencePolicies.S3Fifo(2);
    s.admit(1);
    s.remove(1);
    assertTrue(s.g.isEmpty());
    s.admit(1);
    assertTrue(s.s.contains(1L));
  }

  @Test
  void staticAndOptRefuseAndWouldAdmitIsPure() {
    ReferencePolicies.Ref st = ReferencePolicies.of(PolicyKind.STATIC, 1, new long[0]);
    assertTrue(st.wouldAdmit(5));
    st.admit(5);
    assertFalse(st.wouldAdmit(6));
    assertEquals(EvictionPolicy.REJECTED, st.admit(6));
    st.remove(5);
    assertTrue(st.wouldAdmit(6));

    long[] lookups = {1, 2, 3, 2, 1};
    ReferencePolicies.Ref opt = ReferencePolicies.of(PolicyKind.OPT, 1, lookups);
    assertTrue(opt.wouldAdmit(1));
    assertEquals(EvictionPolicy.INSERTED, opt.admit(1)); // next use 4
    assertTrue(opt.wouldAdmit(2)); // next use 3 < 4
    assertTrue(opt.wouldAdmit(2)); // pure: asking again gives the same
    assertEquals(EvictionPolicy.EVICTED, opt.admit(2));
    assertEquals(1, opt.victim());
    assertFalse(opt.wouldAdmit(3)); // never used again
    assertEquals(EvictionPolicy.REJECTED, opt.admit(3));
    assertTrue(opt.touch(2));
  }

  @ParameterizedTest
  @EnumSource(PolicyKind.class)
  void accessIsTouchElseAdmit(PolicyKind kind) {
    long[] trace = PolicyContractTest.randomTrace(kind.ordinal() + 40, 2000, 90);
    ReferencePolicies.Ref a = ReferencePolicies.of(kind, 13, trace);
    ReferencePolicies.Ref b = ReferencePolicies.of(kind, 13, trace);
    SplittableRandom rnd = new SplittableRandom(kind.ordinal());
    for (long k : trace) {
      boolean hit = a.access(k);
      assertEquals(hit, b.touch(k));
      if (!hit) {
        assertEquals(a.contains(k), b.admit(k) != EvictionPolicy.REJECTED);
      }
      assertEquals(a.keys(), b.keys());
      assertTrue(a.size() <= 13);
      if (rnd.nextInt(7) == 0 && kind != PolicyKind.OPT) {
        long r = trace[rnd.nextInt(trace.length)];
        assertEquals(a.remove(r), b.remove(r));
      }
    }
    assertEquals(a.evictedUnused(), b.evictedUnused());
    assertTrue(a.evictedUnused() <= a.evictions());
  }
}
