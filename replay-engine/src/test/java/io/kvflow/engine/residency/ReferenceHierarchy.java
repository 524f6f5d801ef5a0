package io.kvflow.engine.residency;

import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.policy.EvictionPolicy;
import io.kvflow.engine.policy.ReferencePolicies;
import io.kvflow.engine.spec.AdmissionKind;
import io.kvflow.engine.spec.CodecSpec;
import io.kvflow.engine.spec.Hierarchy;
import io.kvflow.engine.spec.ModelSpec;
import io.kvflow.engine.spec.Placement;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.spec.TierConfig;
import io.kvflow.trace.AccessOp;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A slow, obvious whole-hierarchy simulator written from the "Residency" section of docs/model.md,
 * for differential tests of {@link ResidencyTracker}: every tier is a reference policy
 * ({@link ReferencePolicies}, hash maps and linked lists), "where is this unit?" asks every tier in
 * turn, and each step of the document is one method here. It shares no code with the engine's
 * residency or policy classes; only the configuration records (and {@link CodecSpec#stored} for
 * byte sizes) come from the main sources.
 *
 * <p>Reading of the document that the code fixes (each is a sentence of docs/model.md):
 * <ul>
 *   <li>Offering tier {@code t} a unit: the admission rule first (an {@code after: k} counter counts
 *       every offer and is cleared when it passes), then the policy's admit. For a unit found in a
 *       lower tier the first tier's policy is asked {@code wouldAdmit} before anything else, so a
 *       refusal changes nothing (not even the rule's counter).
 *   <li>A lower tier's hit touches that tier's policy once per access (the first layer-access).
 *   <li>A new unit (lookup or APPEND) placed below a first tier that refused it goes to the first
 *       lower tier that admits it; a new unit of a lookup admitted by the first tier is written
 *       through (inclusive only) to every lower tier not holding it that admits it.
 *   <li>An APPEND moves the unit as a lookup would but touches no policy and counts no hit or miss;
 *       a unit it creates holds only the appended bytes, wherever it lands.
 *   <li>FREE removes the unit from every tier and leaves the admission counters alone.
 * </ul>
 */
final class ReferenceHierarchy {
  /** What one access did: the fields of {@link AccessOutcome}. */
  static final class Outcome {
    int foundTier = AccessOutcome.NOT_A_LOOKUP;
    boolean promoted;
    boolean bypassed;
    boolean created;
    int demotions;
    int dropped;
    final long[] hits;
    final long[] misses;
    final long[] bytesRead;
    final long[] bytesWritten;
    int movedFrom = -1;
    long movedBytes;
    long sourceBytes;
    long computeReadBytes;
    long stagedBytes;

    Outcome(int tiers) {
      hits = new long[tiers];
      misses = new long[tiers];
      bytesRead = new long[tiers];
      bytesWritten = new long[tiers];
    }
  }

  /** Sums over a tier's outcomes, and its policy's counters. */
  record TierTotals(long accesses, long hits, long misses, long bytesRead, long bytesWritten, long insertions,
      long evictions, long evictedUnused) {}

  private final int tierCount;
  private final ReferencePolicies.Ref[] tiers;
  private final AdmissionKind[] rule;
  private final int[] after;
  private final Map<Long, Integer>[] offers;
  private final CodecSpec[] codec;
  private final boolean inclusive;
  private final int dtypeBytes;
  /** Uncompressed bytes of one layer of one block, one placement unit, one token of one layer. */
  final long unitBytes;
  final long keyBytes;
  final long tokenBytes;
  /** U_t and K_t of docs/model.md: stored bytes of one layer-block and of one placement unit in tier t. */
  private final long[] layerStored;
  private final long[] unitStored;
  private final long[] hitsOf;
  private final long[] missesOf;
  private final long[] readOf;
  private final long[] writtenOf;

  long sourceReads;
  long sourceBytes;
  long droppedOffLastTier;
  long inputBlocks;
  long inputBlockHits;
  long inputTokens;
  long inputTokenHits;

  private Outcome out;

  /**
   * @param lookups the keys of the trace's READ and WRITE accesses in order (OPT's future)
   */
  @SuppressWarnings("unchecked")
  ReferenceHierarchy(ReplayConfig config, long[] lookups) {
    ModelSpec m = config.model();
    tokenBytes = 2L * m.kvHeads() * m.headDim() * m.kvDtypeBytes();
    unitBytes = tokenBytes * m.blockTokens();
    keyBytes = config.placement() == Placement.BLOCK ? unitBytes * m.layers() : unitBytes;
    dtypeBytes = m.kvDtypeBytes();
    inclusive = config.hierarchy() == Hierarchy.INCLUSIVE;
    tierCount = config.tiers().size();
    tiers = new ReferencePolicies.Ref[tierCount];
    rule = new AdmissionKind[tierCount];
    after = new int[tierCount];
    offers = new Map[tierCount];
    codec = new CodecSpec[tierCount];
    layerStored = new long[tierCount];
    unitStored = new long[tierCount];
    hitsOf = new long[tierCount];
    missesOf = new long[tierCount];
    readOf = new long[tierCount];
    writtenOf = new long[tierCount];
    for (int t = 0; t < tierCount; t++) {
      TierConfig c = config.tiers().get(t);
      codec[t] = c.codec();
      layerStored[t] = codec[t].stored(unitBytes, dtypeBytes);
      unitStored[t] = codec[t].stored(keyBytes, dtypeBytes);
      long units = c.capacityBlocks() > 0 ? c.capacityBlocks() : c.tier().capacityBytes() / unitStored[t];
      tiers[t] = ReferencePolicies.of(c.policy(), (int) units, c.hotWindowAccesses(), c.warmThreshold(), lookups);
      rule[t] = c.admission();
      after[t] = c.admitAfter();
      offers[t] = new HashMap<>();
    }
  }

  int tierCount() {
    return tierCount;
  }

  /** Replays one access and returns what it did. */
  Outcome access(long key, int op, int weight, int tokens, int flags) {
    out = new Outcome(tierCount);
    if (op == AccessOp.READ.code() || op == AccessOp.WRITE.code()) {
      lookup(key, op == AccessOp.READ.code(), weight);
      if ((flags & AccessSink.INPUT_BLOCK) != 0) {
        inputBlocks++;
        inputTokens += tokens;
        if (out.foundTier >= 0) {
          inputBlockHits++;
          inputTokenHits += tokens;
        }
      }
    } else if (op == AccessOp.APPEND.code()) {
      append(key, weight, tokens);
    } else if (op == AccessOp.FREE.code()) {
      for (ReferencePolicies.Ref tier : tiers) {
        tier.remove(key);
      }
    } else {
      throw new IllegalArgumentException("op " + op);
    }
    for (int t = 0; t < tierCount; t++) {
      hitsOf[t] += out.hits[t];
      missesOf[t] += out.misses[t];
      readOf[t] += out.bytesRead[t];
      writtenOf[t] += out.bytesWritten[t];
    }
    return out;
  }

  /** Step 1: the fastest tier holding the unit, or NOWHERE. */
  private int fastestHolding(long key) {
    for (int t = 0; t < tierCount; t++) {
      if (tiers[t].contains(key)) {
        return t;
      }
    }
    return AccessOutcome.NOWHERE;
  }

  /** A READ or WRITE of {@code weight} layer-accesses (steps 1-3). */
  private void lookup(long key, boolean read, int weight) {
    int f = fastestHolding(key);
    out.foundTier = f;
    if (f == 0) { // step 2
      tiers[0].touch(key);
      out.hits[0] += weight;
      computeRead(weight);
      return;
    }
    // step 3: the first layer-access misses every tier above f and hits f
    int above = f < 0 ? tierCount : f;
    for (int t = 0; t < above; t++) {
      out.misses[t]++;
    }
    if (f > 0) {
      out.hits[f]++;
      tiers[f].touch(key);
    }
    if (offerFirstTier(key, f)) { // promoted
      out.promoted = true;
      if (f > 0) {
        moved(f, unitStored[f]);
      } else {
        out.created = true;
        if (read) {
          sourceRead(keyBytes);
        }
        out.bytesWritten[0] += unitStored[0];
        if (inclusive) {
          for (int t = 1; t < tierCount; t++) { // write-through
            if (!tiers[t].contains(key)) {
              store(t, key, true);
            }
          }
        }
      }
      out.hits[0] += weight - 1;
      computeRead(weight);
    } else { // bypassed
      out.bypassed = true;
      for (int t = 0; t < above; t++) {
        out.misses[t] += weight - 1;
      }
      if (f > 0) {
        out.hits[f] += weight - 1;
        moved(f, weight * layerStored[f]);
        out.stagedBytes += weight * unitBytes;
      } else {
        if (read) {
          sourceRead(weight * unitBytes);
        }
        if (placeBelow(key, true)) {
          out.created = true;
        }
      }
    }
  }

  /**
   * Offers the first tier a unit it does not hold, found in tier {@code f} (NOWHERE: new). On
   * admission the unit leaves {@code f} first in an exclusive hierarchy, the first tier's victim is
   * demoted, and the promotion write of a unit from below is counted; a new unit's write is the
   * caller's (an APPEND creates it empty).
   */
  private boolean offerFirstTier(long key, int f) {
    if (f > 0 && !tiers[0].wouldAdmit(key)) {
      return false;
    }
    if (!ruleAdmits(0, key)) {
      return false;
    }
    if (f > 0 && !inclusive) {
      tiers[f].remove(key);
    }
    int result = tiers[0].admit(key);
    if (result == EvictionPolicy.REJECTED) {
      if (f > 0) {
        throw new IllegalStateException("reference: tier 0 refused " + key + " after wouldAdmit said yes");
      }
      return false;
    }
    if (f > 0) {
      out.bytesWritten[0] += unitStored[0];
    }
    if (result == EvictionPolicy.EVICTED) {
      demote(tiers[0].victim(), 1);
    }
    return true;
  }

  /** An APPEND of {@code tokens} tokens to the unit (not a lookup: no policy touched). */
  private void append(long key, int weight, int tokens) {
    int f = fastestHolding(key);
    if (f != 0) {
      if (offerFirstTier(key, f)) {
        out.promoted = true;
        if (f > 0) {
          moved(f, unitStored[f]);
        } else {
          out.created = true; // empty: no bytes but the appended ones, not written through
        }
      } else if (f < 0 && placeBelow(key, false)) {
        out.created = true;
      }
    }
    int holder = fastestHolding(key);
    if (holder >= 0) {
      out.bytesWritten[holder] += codec[holder].stored((long) tokens * tokenBytes * weight, dtypeBytes);
    }
  }

  /** A new unit the first tier refused goes to the first lower tier that admits it. */
  private boolean placeBelow(long key, boolean countUnitWrite) {
    for (int t = 1; t < tierCount; t++) {
      if (store(t, key, countUnitWrite)) {
        return true;
      }
    }
    return false;
  }

  /** Offers lower tier {@code t} a unit it does not hold; on admission its victim is demoted. */
  private boolean store(int t, long key, boolean countUnitWrite) {
    if (!ruleAdmits(t, key)) {
      return false;
    }
    int result = tiers[t].admit(key);
    if (result == EvictionPolicy.REJECTED) {
      return false;
    }
    if (countUnitWrite) {
      out.bytesWritten[t] += unitStored[t];
    }
    if (result == EvictionPolicy.EVICTED) {
      demote(tiers[t].victim(), t + 1);
    }
    return true;
  }

  /** Step 4: a victim evicted from tier {@code from - 1} goes down, or off the hierarchy. */
  private void demote(long victim, int from) {
    long v = victim;
    for (int t = from; t < tierCount; t++) {
      if (tiers[t].contains(v)) {
        return; // an inclusive copy
      }
      if (!ruleAdmits(t, v)) {
        continue;
      }
      int result = tiers[t].admit(v);
      if (result == EvictionPolicy.REJECTED) {
        continue;
      }
      out.bytesWritten[t] += unitStored[t];
      out.demotions++;
      if (result != EvictionPolicy.EVICTED) {
        return;
      }
      v = tiers[t].victim();
    }
    out.dropped++;
    droppedOffLastTier++;
  }

  /** Tier {@code t}'s admission rule on one offer of {@code key}. */
  private boolean ruleAdmits(int t, long key) {
    switch (rule[t]) {
      case ALWAYS:
        return true;
      case NEVER:
        return false;
      default:
        int seen = offers[t].merge(key, 1, Integer::sum);
        if (seen >= after[t]) {
          offers[t].remove(key);
          return true;
        }
        return false;
    }
  }

  private void computeRead(int weight) {
    out.bytesRead[0] += weight * layerStored[0];
    out.computeReadBytes += weight * layerStored[0];
  }

  private void moved(int from, long bytes) {
    out.bytesRead[from] += bytes;
    out.movedFrom = from;
    out.movedBytes += bytes;
  }

  private void sourceRead(long bytes) {
    sourceReads++;
    sourceBytes += bytes;
    out.sourceBytes += bytes;
  }

  /** The keys tier {@code t} holds now, sorted. */
  TreeSet<Long> residentKeys(int t) {
    return new TreeSet<>(tiers[t].keys());
  }

  Set<Long> unsortedKeys(int t) {
    return tiers[t].keys();
  }

  ReferencePolicies.Ref policy(int t) {
    return tiers[t];
  }

  TierTotals totals(int t) {
    ReferencePolicies.Ref p = tiers[t];
    return new TierTotals(hitsOf[t] + missesOf[t], hitsOf[t], missesOf[t], readOf[t], writtenOf[t], p.insertions(),
        p.evictions(), p.evictedUnused());
  }

  /** Sizes add up and no unit is in two tiers of an exclusive hierarchy. */
  void checkInvariants() {
    Set<Long> seen = new java.util.HashSet<>();
    for (int t = 0; t < tierCount; t++) {
      for (long k : tiers[t].keys()) {
        if (!inclusive && !seen.add(k)) {
          throw new IllegalStateException("reference: unit " + k + " in two tiers of an exclusive hierarchy");
        }
      }
    }
  }
}
