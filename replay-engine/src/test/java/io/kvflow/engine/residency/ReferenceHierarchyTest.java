package io.kvflow.engine.residency;

import static io.kvflow.engine.residency.TestConfigs.tier;
import static io.kvflow.engine.residency.TestConfigs.tiny;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.trace.AccessOp;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The reference hierarchy on hand-worked cases of docs/model.md (and issue 12's reproductions), so
 * that the differential test compares the engine with something known to be right. The tiny model:
 * 64 bytes a layer-block, 128 bytes a block of 2 layers, 16 bytes a token a layer.
 */
class ReferenceHierarchyTest {
  static final int READ = AccessOp.READ.code();
  static final int APPEND = AccessOp.APPEND.code();
  static final int FREE = AccessOp.FREE.code();

  static ReferenceHierarchy ref(ReplayConfig c) {
    return new ReferenceHierarchy(c, new long[0]);
  }

  static ReferenceHierarchy.Outcome read(ReferenceHierarchy h, long key, int weight) {
    return h.access(key, READ, weight, 4, 0);
  }

  @Test
  void inclusiveLruBelowAOneBlockTierSeesItsHits() {
    // issue 12: HBM 1 block over LRU DRAM 2 blocks, keys 1,2,1,3,1: DRAM has 2 hits, as LRU gives
    ReferenceHierarchy h = ref(tiny("inclusive", tier("hbm", 1, "lru", "\"always\""), tier("dram", 2, "lru", "\"always\"")));
    for (long k : new long[] {1, 2, 1, 3, 1}) {
      read(h, k, 1);
    }
    ReferenceHierarchy.TierTotals dram = h.totals(1);
    assertEquals(5, dram.accesses());
    assertEquals(2, dram.hits());
    assertEquals(List.of(1L), List.copyOf(h.residentKeys(0)));
    assertEquals(List.of(1L, 3L), List.copyOf(h.residentKeys(1)));
    assertEquals(1, h.droppedOffLastTier); // 2, evicted from DRAM by 3's write-through
  }

  @Test
  void fourOneTokenAppendsWriteOneBlock() {
    // issue 12: four one-token APPENDs (both layers) fill a 128-byte block: 128 bytes written, not 256
    ReferenceHierarchy h = ref(tiny("exclusive", tier("hbm", 4, "lru", "\"always\"")));
    ReferenceHierarchy.Outcome first = h.access(9, APPEND, 2, 1, 0);
    assertTrue(first.created);
    assertTrue(first.promoted);
    assertEquals(AccessOutcome.NOT_A_LOOKUP, first.foundTier);
    for (int i = 0; i < 3; i++) {
      ReferenceHierarchy.Outcome o = h.access(9, APPEND, 2, 1, 0);
      assertFalse(o.created);
      assertEquals(32, o.bytesWritten[0]);
    }
    assertEquals(128, h.totals(0).bytesWritten());
    assertEquals(0, h.totals(0).accesses()); // APPEND is not a lookup

    // refused by the first tier: the new unit goes below, again with only the appended bytes
    ReferenceHierarchy b = ref(tiny("exclusive", tier("hbm", 4, "lru", "\"never\""), tier("dram", 4, "lru", "\"always\"")));
    for (int i = 0; i < 4; i++) {
      b.access(9, APPEND, 2, 1, 0);
    }
    assertEquals(0, b.totals(0).bytesWritten());
    assertEquals(128, b.totals(1).bytesWritten());
    assertEquals(List.of(9L), List.copyOf(b.residentKeys(1)));
  }

  @Test
  void appendPromotesAUnitFromBelow() {
    ReferenceHierarchy h = ref(tiny("exclusive", tier("hbm", 1, "lru", "\"always\""), tier("dram", 2, "lru", "\"always\"")));
    read(h, 1, 2);
    read(h, 2, 2); // 1 demoted to dram
    ReferenceHierarchy.Outcome o = h.access(1, APPEND, 2, 1, 0);
    assertTrue(o.promoted);
    assertFalse(o.created);
    assertEquals(1, o.movedFrom);
    assertEquals(128, o.movedBytes);
    assertEquals(128, o.bytesRead[1]);
    assertEquals(128 + 32, o.bytesWritten[0]); // the promoted unit and the appended token
    assertEquals(128, o.bytesWritten[1]); // 2 demoted
    assertEquals(1, o.demotions);
    assertEquals(0, o.hits[1] + o.misses[0]);
    assertEquals(List.of(1L), List.copyOf(h.residentKeys(0)));
    assertEquals(List.of(2L), List.copyOf(h.residentKeys(1)));
  }

  @Test
  void promotionAndDemotionInAnExclusiveHierarchy() {
    ReferenceHierarchy h = ref(tiny("exclusive", tier("hbm", 1, "lru", "\"always\""), tier("dram", 2, "lru", "\"always\"")));
    ReferenceHierarchy.Outcome a = read(h, 1, 2); // new: hbm miss + 1 hit, dram miss; source read; hbm written 128
    assertEquals(AccessOutcome.NOWHERE, a.foundTier);
    assertTrue(a.promoted && a.created && !a.bypassed);
    assertEquals(128, a.sourceBytes);
    assertEquals(128, a.computeReadBytes);
    read(h, 2, 2); // 1 -> dram (128 written), 2 in hbm
    ReferenceHierarchy.Outcome c = read(h, 1, 2); // found in dram: promoted (dram read 128), 2 demoted to dram
    assertEquals(1, c.foundTier);
    assertEquals(1, c.misses[0]);
    assertEquals(1, c.hits[0]);
    assertEquals(1, c.hits[1]);
    assertEquals(128, c.bytesRead[1]);
    assertEquals(128, c.movedBytes);
    assertEquals(1, c.demotions);
    assertEquals(0, c.sourceBytes);
    h.checkInvariants();
    ReferenceHierarchy.TierTotals hbm = h.totals(0);
    ReferenceHierarchy.TierTotals dram = h.totals(1);
    assertEquals(6, hbm.accesses());
    assertEquals(3, hbm.hits());
    assertEquals(3, hbm.misses());
    assertEquals(3 * 128, hbm.bytesWritten());
    assertEquals(6 * 64, hbm.bytesRead());
    assertEquals(3, dram.accesses());
    assertEquals(1, dram.hits());
    assertEquals(2 * 128, dram.bytesWritten());
    assertEquals(128, dram.bytesRead());
    assertEquals(2, h.sourceReads);
    assertEquals(0, h.droppedOffLastTier);
  }

  @Test
  void bypassedTierServesEveryLayerFromBelow() {
    ReferenceHierarchy h = ref(tiny("exclusive", tier("hbm", 4, "lru", "\"never\""), tier("dram", 4, "lru", "\"always\"")));
    ReferenceHierarchy.Outcome a = read(h, 7, 2); // nowhere: both miss twice; placed in dram; a source read of 2 layers
    assertTrue(a.bypassed && a.created && !a.promoted);
    assertEquals(128, a.sourceBytes);
    assertEquals(0, a.stagedBytes);
    ReferenceHierarchy.Outcome b = read(h, 7, 2); // in dram: hbm misses 2, dram hits 2, streamed
    assertTrue(b.bypassed);
    assertEquals(2 * 64, b.movedBytes);
    assertEquals(2 * 64, b.stagedBytes);
    assertEquals(0, b.computeReadBytes);
    ReferenceHierarchy.TierTotals hbm = h.totals(0);
    ReferenceHierarchy.TierTotals dram = h.totals(1);
    assertEquals(4, hbm.misses());
    assertEquals(0, hbm.bytesWritten());
    assertEquals(4, dram.accesses());
    assertEquals(2, dram.hits());
    assertEquals(2 * 64, dram.bytesRead());
    assertEquals(128, dram.bytesWritten());
  }

  @Test
  void admissionAfterKCountsOffersAndClearsWhenItPasses() {
    ReferenceHierarchy h = ref(tiny("exclusive", tier("hbm", 4, "lru", "{\"after\": 2}")));
    assertTrue(read(h, 5, 1).bypassed); // first offer
    assertTrue(read(h, 5, 1).promoted); // second offer: admitted, counter cleared
    assertEquals(0, read(h, 5, 1).foundTier);
    h.access(5, FREE, 1, 0, 0);
    assertTrue(read(h, 5, 1).bypassed); // gone: the first offer of a fresh count
    assertTrue(read(h, 5, 1).promoted);
    ReferenceHierarchy.TierTotals hbm = h.totals(0);
    assertEquals(5, hbm.accesses());
    assertEquals(1, hbm.hits());
    assertEquals(2, hbm.insertions());
  }

  @Test
  void staticTierKeepsItsFirstBlocks() {
    ReferenceHierarchy h = ref(tiny("exclusive", tier("hbm", 2, "static", "\"always\"")));
    for (int round = 0; round < 3; round++) {
      for (long k = 0; k < 4; k++) {
        read(h, k, 1);
      }
    }
    ReferenceHierarchy.TierTotals hbm = h.totals(0);
    assertEquals(12, hbm.accesses());
    assertEquals(4, hbm.hits());
    assertEquals(0, hbm.evictions());
  }

  @Test
  void staticFirstTierRefusalLeavesALowerUnitAndItsCounterAlone() {
    // a full static first tier refuses a unit from below before its after-k rule counts the offer
    ReferenceHierarchy h = ref(tiny("exclusive", tier("hbm", 1, "static", "{\"after\": 2}"),
        tier("dram", 2, "lru", "\"always\"")));
    read(h, 1, 1); // offer 1 of key 1: not yet; placed in dram
    read(h, 1, 1); // found in dram, offer 2: promoted into hbm, which is now full for good
    assertEquals(List.of(1L), List.copyOf(h.residentKeys(0)));
    read(h, 2, 1); // new: the rule counts its first offer of key 2; placed in dram
    ReferenceHierarchy.Outcome o = read(h, 2, 1); // in dram: static would not admit, nothing changes
    assertTrue(o.bypassed);
    assertEquals(List.of(2L), List.copyOf(h.residentKeys(1)));
    h.access(1, FREE, 1, 0, 0); // frees the static slot
    ReferenceHierarchy.Outcome p = read(h, 2, 1); // second offer counted for key 2 (the first was the new unit's)
    assertTrue(p.promoted);
  }

  @Test
  void inclusiveHierarchyWritesThroughAndDropsCleanCopies() {
    ReferenceHierarchy h = ref(tiny("inclusive", tier("hbm", 1, "lru", "\"always\""), tier("dram", 4, "lru", "\"always\"")));
    read(h, 1, 1);
    ReferenceHierarchy.Outcome b = read(h, 2, 1); // 1 evicted from hbm: dram already holds it, nothing written for it
    assertEquals(0, b.demotions);
    assertEquals(0, b.dropped);
    assertEquals(128, b.bytesWritten[1]); // 2 written through
    ReferenceHierarchy.Outcome c = read(h, 1, 1); // dram hit, promoted, copy stays in dram
    assertEquals(0, c.bytesWritten[1]);
    ReferenceHierarchy.TierTotals dram = h.totals(1);
    assertEquals(2 * 128, dram.bytesWritten());
    assertEquals(1, dram.hits());
    assertEquals(2, dram.insertions());
    assertEquals(List.of(1L, 2L), List.copyOf(h.residentKeys(1)));
  }

  @Test
  void demotionCascadesDownAndOffTheLastTier() {
    ReferenceHierarchy h = ref(tiny("exclusive", tier("hbm", 1, "fifo", "\"always\""), tier("cxl", 1, "fifo", "\"always\""),
        tier("dram", 1, "fifo", "\"always\"")));
    read(h, 1, 1);
    read(h, 2, 1);
    read(h, 3, 1);
    ReferenceHierarchy.Outcome o = read(h, 4, 1); // 3 -> cxl, 2 -> dram, 1 off the hierarchy
    assertEquals(2, o.demotions);
    assertEquals(1, o.dropped);
    assertEquals(128, o.bytesWritten[1]);
    assertEquals(128, o.bytesWritten[2]);
    assertEquals(List.of(3L), List.copyOf(h.residentKeys(1)));
    assertEquals(List.of(2L), List.copyOf(h.residentKeys(2)));
    // a found-in-dram unit promoted: it leaves dram first, so the cascade from hbm ends there
    ReferenceHierarchy.Outcome p = read(h, 2, 1);
    assertEquals(2, p.foundTier);
    assertEquals(2, p.misses[0] + p.misses[1]);
    assertEquals(2, p.demotions); // 4 -> cxl, 3 -> dram
    assertEquals(0, p.dropped);
    assertEquals(List.of(3L), List.copyOf(h.residentKeys(2)));
  }

  @Test
  void inputBlocksCountHitsInAnyTier() {
    ReferenceHierarchy h = ref(tiny("exclusive", tier("hbm", 1, "lru", "\"always\""), tier("dram", 2, "lru", "\"always\"")));
    h.access(1, AccessOp.WRITE.code(), 2, 4, AccessSink.INPUT_BLOCK); // new
    h.access(2, AccessOp.WRITE.code(), 2, 3, AccessSink.INPUT_BLOCK); // new, 1 demoted
    h.access(1, AccessOp.WRITE.code(), 2, 4, AccessSink.INPUT_BLOCK); // found in dram
    h.access(2, AccessOp.READ.code(), 2, 3, 0); // not an input block
    assertEquals(3, h.inputBlocks);
    assertEquals(1, h.inputBlockHits);
    assertEquals(11, h.inputTokens);
    assertEquals(4, h.inputTokenHits);
    assertEquals(0, h.sourceReads); // WRITEs create, they are no source reads
  }

  /** Issue 12's acceptance: a policy counts the same as the first tier or under a first tier that admits nothing. */
  @ParameterizedTest
  @EnumSource(PolicyKind.class)
  void aPolicyBelowATierThatAdmitsNothingActsAsOnItsOwn(PolicyKind kind) {
    if (kind == PolicyKind.OPT) {
      return; // single tier only
    }
    SplittableRandom rnd = new SplittableRandom(kind.ordinal() + 100);
    String name = kind.jsonName();
    for (String hierarchy : new String[] {"exclusive", "inclusive"}) {
      ReferenceHierarchy alone = ref(tiny(hierarchy, tier("dram", 7, name, "\"always\"")));
      ReferenceHierarchy below = ref(tiny(hierarchy, tier("hbm", 3, "lru", "\"never\""), tier("dram", 7, name, "\"always\"")));
      for (int i = 0; i < 3000; i++) {
        double u = rnd.nextDouble();
        long k = (long) (40 * u * u);
        read(alone, k, 1);
        read(below, k, 1);
      }
      ReferenceHierarchy.TierTotals a = alone.totals(0);
      ReferenceHierarchy.TierTotals b = below.totals(1);
      assertEquals(a.hits(), b.hits(), name);
      assertEquals(a.evictions(), b.evictions(), name);
      assertEquals(a.evictedUnused(), b.evictedUnused(), name);
      assertEquals(alone.residentKeys(0), below.residentKeys(1), name);
    }
  }
}
