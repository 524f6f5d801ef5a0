package io.kvflow.engine.residency;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.policy.PolicyParams;
import io.kvflow.engine.spec.AdmissionKind;
import io.kvflow.engine.spec.Expansion;
import io.kvflow.engine.spec.FinishedRequests;
import io.kvflow.engine.spec.Hierarchy;
import io.kvflow.engine.spec.ModelSpec;
import io.kvflow.engine.spec.Placement;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.spec.TierConfig;
import io.kvflow.engine.spec.TierKind;
import io.kvflow.engine.spec.TierSpec;
import io.kvflow.trace.AccessOp;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-worked cases of the residency model: every count and byte checked. */
class ResidencyTrackerTest {
  static final ModelSpec MODEL = new ModelSpec("tiny", 2, 1, 4, 2, 4, 0, 1); // 16 bytes/token/layer

  static TierConfig tier(String name, TierKind kind, int blocks, PolicyKind policy, AdmissionKind admission, int after) {
    return new TierConfig(new TierSpec(name, kind, 0, 1e9, 1e9, 0), blocks, policy, admission, after, 0, 2);
  }

  static ResidencyTracker tracker(Hierarchy h, TierConfig... tiers) {
    ReplayConfig c = new ReplayConfig(MODEL, List.of(tiers), h, Placement.BLOCK, FinishedRequests.CACHE,
        Expansion.FULL, 1, 0, null);
    // unit = 16 B/token * 4 tokens = 64 B; a whole block (2 layers) = 128 B
    return new ResidencyTracker(c, 64, 128, 16, PolicyParams.DEFAULT);
  }

  static void read(ResidencyTracker s, long key, int weight) {
    s.access(key, AccessOp.READ.code(), weight, 4, 0, 0, -1, 0);
  }

  @Test
  void promotionAndDemotionInAnExclusiveHierarchy() {
    ResidencyTracker t = tracker(Hierarchy.EXCLUSIVE,
        tier("hbm", TierKind.HBM, 1, PolicyKind.LRU, AdmissionKind.ALWAYS, 1),
        tier("dram", TierKind.DRAM, 2, PolicyKind.LRU, AdmissionKind.ALWAYS, 1));
    read(t, 1, 2); // new: hbm miss + 1 hit (second layer), dram miss; source read; hbm written 128
    read(t, 2, 2); // new: 1 -> dram (128 written), 2 in hbm
    read(t, 1, 2); // found in dram: hbm miss, dram hit, promoted (dram read 128), 2 demoted to dram
    t.checkInvariants();
    TierResult hbm = t.results().get(0);
    TierResult dram = t.results().get(1);
    assertEquals(6, hbm.accesses());
    assertEquals(3, hbm.hits());
    assertEquals(3, hbm.misses());
    assertEquals(3 * 128, hbm.bytesWritten());
    assertEquals(6 * 64, hbm.bytesRead());
    assertEquals(3, dram.accesses());
    assertEquals(1, dram.hits());
    assertEquals(2 * 128, dram.bytesWritten());
    assertEquals(128, dram.bytesRead());
    assertEquals(2, t.sourceReads());
    assertEquals(0, t.droppedOffLastTier());
  }

  @Test
  void bypassedTierServesEveryLayerFromBelow() {
    ResidencyTracker t = tracker(Hierarchy.EXCLUSIVE,
        tier("hbm", TierKind.HBM, 4, PolicyKind.LRU, AdmissionKind.NEVER, 1),
        tier("dram", TierKind.DRAM, 4, PolicyKind.LRU, AdmissionKind.ALWAYS, 1));
    read(t, 7, 2); // not anywhere: both miss twice; placed in dram
    read(t, 7, 2); // in dram: hbm misses 2, dram hits 2, dram reads 2 units
    t.checkInvariants();
    TierResult hbm = t.results().get(0);
    TierResult dram = t.results().get(1);
    assertEquals(4, hbm.misses());
    assertEquals(0, hbm.bytesWritten());
    assertEquals(4, dram.accesses());
    assertEquals(2, dram.hits());
    assertEquals(2 * 64, dram.bytesRead());
    assertEquals(128, dram.bytesWritten());
  }

  @Test
  void admissionAfterKUsesAndFrees() {
    ResidencyTracker t = tracker(Hierarchy.EXCLUSIVE, tier("hbm", TierKind.HBM, 4, PolicyKind.LRU, AdmissionKind.AFTER_K, 2));
    read(t, 5, 1); // first use: not admitted
    read(t, 5, 1); // second use: admitted
    read(t, 5, 1); // hit
    t.access(5, AccessOp.FREE.code(), 1, 0, 0, 0, -1, 0);
    read(t, 5, 1); // gone again: miss, first use of a fresh count
    t.checkInvariants();
    TierResult hbm = t.results().get(0);
    assertEquals(4, hbm.accesses());
    assertEquals(1, hbm.hits());
    assertEquals(1, hbm.insertions());
    assertEquals(1, t.frees());
  }

  @Test
  void staticTierKeepsItsFirstBlocks() {
    ResidencyTracker t = tracker(Hierarchy.EXCLUSIVE, tier("hbm", TierKind.HBM, 2, PolicyKind.STATIC, AdmissionKind.ALWAYS, 1));
    for (int round = 0; round < 3; round++) {
      for (long k = 0; k < 4; k++) {
        read(t, k, 1);
      }
    }
    TierResult hbm = t.results().get(0);
    assertEquals(12, hbm.accesses());
    assertEquals(4, hbm.hits()); // keys 0 and 1, rounds 2 and 3
    assertEquals(0, hbm.evictions());
  }

  @Test
  void inclusiveHierarchyWritesThroughAndDropsCleanCopies() {
    ResidencyTracker t = tracker(Hierarchy.INCLUSIVE,
        tier("hbm", TierKind.HBM, 1, PolicyKind.LRU, AdmissionKind.ALWAYS, 1),
        tier("dram", TierKind.DRAM, 4, PolicyKind.LRU, AdmissionKind.ALWAYS, 1));
    read(t, 1, 1);
    read(t, 2, 1); // 1 evicted from hbm: dram already holds it, nothing written
    read(t, 1, 1); // dram hit, promoted, copy stays in dram
    TierResult dram = t.results().get(1);
    assertEquals(2 * 128, dram.bytesWritten());
    assertEquals(1, dram.hits());
    assertEquals(2, dram.insertions());
  }

  @Test
  void aLowerTierInAnInclusiveHierarchyRunsItsOwnLru() {
    // the reproduction: DRAM reported 1 hit (its LRU acted as FIFO: hits never reached it)
    ResidencyTracker t = tracker(Hierarchy.INCLUSIVE,
        tier("hbm", TierKind.HBM, 1, PolicyKind.LRU, AdmissionKind.ALWAYS, 1),
        tier("dram", TierKind.DRAM, 2, PolicyKind.LRU, AdmissionKind.ALWAYS, 1));
    for (long k : new long[] {1, 2, 1, 3, 1}) {
      read(t, k, 1);
    }
    t.checkInvariants();
    // 1 and 2 written through; 1 hits DRAM (touched: most recent); 3 evicts DRAM's LRU, 2; 1 hits again
    assertEquals(2, t.results().get(1).hits());
  }

  @Test
  void appendsThatCreateABlockChargeOnlyTheirTokens() {
    ResidencyTracker t = tracker(Hierarchy.EXCLUSIVE, tier("hbm", TierKind.HBM, 4, PolicyKind.LRU, AdmissionKind.ALWAYS, 1));
    for (int i = 0; i < 4; i++) {
      t.access(9, AccessOp.APPEND.code(), 2, 1, 0, i, -1, 0); // one token, both layers: 32 bytes
    }
    t.checkInvariants();
    TierResult hbm = t.results().get(0);
    assertEquals(128, hbm.bytesWritten()); // the 128-byte block, once (256 before the fix)
    assertEquals(128, hbm.bytesAppended());
    assertEquals(0, hbm.unitsWritten());
    assertEquals(1, hbm.insertions());
  }

  @Test
  void aRefusedPromotionLeavesTheLowerTierAsItWas() {
    // a full static first tier refuses: the unit is touched where it is, not re-inserted (FIFO order kept)
    ResidencyTracker t = tracker(Hierarchy.EXCLUSIVE,
        tier("hbm", TierKind.HBM, 1, PolicyKind.STATIC, AdmissionKind.ALWAYS, 1),
        tier("dram", TierKind.DRAM, 2, PolicyKind.FIFO, AdmissionKind.ALWAYS, 1));
    read(t, 1, 1); // pinned in hbm
    read(t, 2, 1); // dram [2]
    read(t, 3, 1); // dram [3, 2]
    read(t, 2, 1); // dram hit; FIFO order unchanged
    read(t, 4, 1); // evicts 2, the oldest admitted (LRU would evict 3)
    AccessOutcome o = t.access(3, AccessOp.READ.code(), 1, 4, 0, 0, -1, 0);
    assertEquals(1, o.foundTier);
    assertEquals(true, o.bypassed);
    assertEquals(1, o.hits[1]);
    assertEquals(64, o.movedBytes);
    t.checkInvariants();
    assertEquals(2, t.results().get(1).hits());
    assertEquals(1, t.results().get(1).evictions());
  }
}
