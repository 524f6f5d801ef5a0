package io.kvflow.engine.residency;

import io.kvflow.common.LongIntHashMap;
import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.policy.EvictionPolicy;
import io.kvflow.engine.policy.PolicyParams;
import io.kvflow.engine.spec.AdmissionKind;
import io.kvflow.engine.spec.CodecKind;
import io.kvflow.engine.spec.CodecSpec;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.spec.TierConfig;
import io.kvflow.trace.AccessOp;
import java.util.List;

/**
 * Tracks which tier holds each placement unit and says, for every access, what happened: it
 * refills one {@link AccessOutcome} per access and keeps the totals as sums of the outcomes.
 *
 * <p>The rules are docs/model.md's "Residency" section, in brief: a lookup (READ or WRITE) finds
 * the fastest tier holding the unit with one probe; a hit in any tier touches that tier's policy.
 * A unit not in the first tier is offered to it (admission rule, then policy): admitted, it is
 * promoted (leaving its old tier first under an exclusive hierarchy) and the first tier's victim
 * cascades down, each tier's own victim to the next and off the last tier at the end; refused,
 * every layer-access is served where the unit is (bypass), and a new unit goes to the first lower
 * tier that admits it. APPEND adds tokens to a unit (creating it when new, with no bytes but the
 * appended ones); FREE removes it everywhere.
 *
 * <p>Each tier's policy keeps its own index (key to slot), probed fastest first; a hit is then
 * touched by slot, so a first-tier hit costs one probe of a small map. {@link #checkInvariants}
 * proves that no unit is in two tiers of an exclusive hierarchy.
 */
public final class ResidencyTracker {
  private final TierSet set;
  private final List<TierConfig> configs;
  private final EvictionPolicy[] policies;
  private final TierCounters[] counters;
  private final LongIntHashMap[] admissionCounts;
  private final AdmissionKind[] admission;
  private final int[] admitAfter;
  private final boolean exclusive;
  private final long unitBytes;
  private final long keyBytes;
  private final long tokenBytes;
  private final int dtypeBytes;
  private final int tiers;
  /** A last tier shared with other trackers, or -1. */
  private final int sharedTier;
  /** Stored bytes of one placement unit in each tier. */
  private final long[] tierKey;
  private final long[] tierUnit;
  private final CodecSpec[] codecs;
  private final AccessOutcome outcome;
  /** The tier holding the offloaded token range ($.offload), or 0 when nothing is offloaded. */
  private final int offloadTier;
  /** The first tier's policy, counters and stored layer-unit bytes, in fields for the hot path. */
  private final EvictionPolicy first;
  private final TierCounters firstCounters;
  private final long firstUnitBytes;
  /** Whether the first tier stores units uncompressed (the hit fast path applies). */
  private final boolean plainFirstTier;
  private static final int READ = AccessOp.READ.code();
  private static final int WRITE = AccessOp.WRITE.code();
  /** The codec this access's flags ask for (sparse reads, per-token codecs), or null. */
  private CodecSpec override;
  /** The slot {@link #find} or {@link #findBelowFirst} found the unit at. */
  private int foundSlot;
  private long bytesMovedSaved;
  private long decompressNs;
  private long compressNs;
  private long sourceReads;
  private long sourceBytes;
  private long appends;
  private long frees;
  private long droppedOffLastTier;
  private long inputBlocks;
  private long inputBlockHits;
  private long inputTokens;
  private long inputTokenHits;
  private long lookupLayerAccesses;
  private long foundNowhereLayerAccesses;

  private static final CodecSpec[] OVERRIDES = new CodecSpec[16];

  static {
    for (CodecKind k : CodecKind.values()) {
      OVERRIDES[k.ordinal() + 1] = CodecSpec.defaults(k);
    }
  }

  /**
   * @param unitBytes bytes of one layer of one block (one layer-access)
   * @param keyBytes bytes of one placement unit (a whole block, or one layer of it)
   * @param tokenBytes bytes of one token in one layer
   * @param firstTierParams parameters of the first tier's policy (OPT's next-use oracle)
   */
  public ResidencyTracker(ReplayConfig config, long unitBytes, long keyBytes, long tokenBytes, PolicyParams firstTierParams) {
    this(config, unitBytes, keyBytes, tokenBytes, firstTierParams, false, null);
  }

  /**
   * A tracker whose last tier is a pool shared with other trackers (a cluster's shared pool): a unit
   * found there is copied up and stays for the others (never moved out, never freed by one of them);
   * a unit demoted there that the pool holds already is not written again.
   *
   * @param shareWith the tracker whose pool to share, or null: this tracker creates it
   */
  public ResidencyTracker(ReplayConfig config, long unitBytes, long keyBytes, long tokenBytes, PolicyParams firstTierParams,
      boolean sharedLastTier, ResidencyTracker shareWith) {
    this.set = new TierSet(config, unitBytes, keyBytes, firstTierParams, sharedLastTier,
        shareWith == null ? null : shareWith.set);
    this.sharedTier = set.sharedTier;
    this.configs = set.configs;
    this.tiers = set.tiers;
    this.exclusive = set.exclusive;
    this.policies = set.policies;
    this.counters = set.counters;
    this.admissionCounts = set.admissionCounts;
    this.admission = set.admission;
    this.admitAfter = set.admitAfter;
    this.tierKey = set.tierKey;
    this.tierUnit = set.tierUnit;
    this.codecs = set.codecs;
    this.unitBytes = unitBytes;
    this.keyBytes = keyBytes;
    this.tokenBytes = tokenBytes;
    this.dtypeBytes = set.dtypeBytes;
    this.outcome = new AccessOutcome(tiers);
    this.offloadTier = config.offload().tier();
    // one index per tier, probed fastest first: measured faster than one index shared by all
    // tiers (docs/model.md), because a first-tier hit then probes a map of the first tier's units
    // only, which stays in cache, instead of a map of every resident unit
    first = policies[0];
    firstCounters = counters[0];
    firstUnitBytes = tierUnit[0];
    plainFirstTier = set.plainFirstTier();
  }

  /** The outcome of the last access (refilled by every call of {@link #access}). */
  public AccessOutcome outcome() {
    return outcome;
  }

  /**
   * One access; returns its outcome (the same instance every time). Kept small so that it inlines
   * into the caller: a lookup that hits the uncompressed first tier (most accesses) takes
   * {@link #firstTierHit}; everything else, {@link #update}, which skips the first tier's probe
   * when this one already missed.
   */
  public AccessOutcome access(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags) {
    int slot = EvictionPolicy.NO_SLOT;
    if (op == READ || op == WRITE) {
      slot = first.slotOf(key);
      if (slot != EvictionPolicy.NO_SLOT && plainFirstTier
          && (flags & (AccessSink.INPUT_BLOCK | AccessSink.OFFLOADED)) == 0) {
        firstTierHit(slot, key, op, weight, tokens, requestId, step, layer, flags);
        return outcome;
      }
    }
    return update(slot, key, op, weight, tokens, requestId, step, layer, flags);
  }

  /**
   * READs of {@code keys[from..to)} of {@code w} layer-accesses each, without flags, accounted
   * together while they are plain first-tier hits: each is touched in order, as {@link #access}
   * would, and the totals grow by the run's sums. Returns the end of the run: the index of the
   * first key that is not a first-tier hit (nothing done for it), or {@code to}. The outcome is not
   * refilled; {@link #hitOutcome} describes each hit for observers that want one.
   */
  public int readHits(long[] keys, int from, int to, int w) {
    if (!plainFirstTier) {
      return from;
    }
    EvictionPolicy p = first;
    int i = from;
    while (i < to) {
      int slot = p.slotOf(keys[i]);
      if (slot == EvictionPolicy.NO_SLOT) {
        break;
      }
      p.touchSlot(slot);
      i++;
    }
    long layerAccesses = (long) w * (i - from);
    long bytes = w * firstUnitBytes * (i - from);
    lookupLayerAccesses += layerAccesses;
    TierCounters c = firstCounters;
    c.hits += layerAccesses;
    c.accesses += layerAccesses;
    c.bytesRead += bytes;
    return i;
  }

  /** Stored bytes one first-tier hit of {@code w} layer-accesses reads (what {@link #readHits} counts per hit). */
  public long firstTierHitBytes(int w) {
    return w * firstUnitBytes;
  }

  /** Refills the outcome as {@link #access} does for a plain first-tier hit already accounted by {@link #readHits}. */
  public AccessOutcome hitOutcome(long key, int w, int tokens, long requestId, int step) {
    outcome.firstTierHit(key, READ, w, tokens, requestId, step, -1, 0, w * firstUnitBytes);
    return outcome;
  }

  /** Any access but a plain first-tier hit; {@code firstSlot}: the unit's slot in the first tier when already probed. */
  private AccessOutcome update(int firstSlot, long key, int op, int weight, int tokens, long requestId, int step,
      int layer, int flags) {
    AccessOutcome o = outcome;
    o.reset(key, op, weight, tokens, requestId, step, layer, flags);
    override = OVERRIDES[(flags & AccessSink.CODEC_MASK) >>> AccessSink.CODEC_SHIFT];
    if (op == READ || op == WRITE) {
      o.span = tiers; // a first-tier hit narrows it to 1
      if ((flags & AccessSink.OFFLOADED) != 0 && offloadTier > 0) {
        lookupOffloaded(key, op, weight);
      } else {
        lookup(key, op, weight, firstSlot);
      }
      lookupLayerAccesses += weight;
      if (o.foundTier < 0) {
        foundNowhereLayerAccesses += o.misses[tiers - 1];
      }
      if ((flags & AccessSink.INPUT_BLOCK) != 0) {
        inputBlocks++;
        inputTokens += tokens;
        if (o.foundTier >= 0) {
          inputBlockHits++;
          inputTokenHits += tokens;
        }
      }
    } else if (op == AccessOp.APPEND.code()) {
      o.span = tiers;
      append(key, tokens, weight);
    } else {
      free(key);
    }
    for (int t = 0; t < o.span; t++) {
      TierCounters c = counters[t];
      c.hits += o.hits[t];
      c.misses += o.misses[t];
      c.accesses += o.hits[t] + o.misses[t];
      c.bytesRead += o.bytesRead[t];
      c.bytesWritten += o.bytesWritten[t];
      c.bytesAppended += o.bytesAppended[t];
      c.unitsWritten += o.unitsWritten[t];
    }
    sourceBytes += o.sourceBytes;
    droppedOffLastTier += o.dropped;
    decompressNs += o.decompressNs;
    return o;
  }

  /** The common case, kept small: a lookup that hits the (uncompressed) first tier. */
  private void firstTierHit(int slot, long key, int op, int w, int tokens, long requestId, int step, int layer,
      int flags) {
    first.touchSlot(slot);
    long bytes = w * firstUnitBytes;
    outcome.firstTierHit(key, op, w, tokens, requestId, step, layer, flags, bytes);
    lookupLayerAccesses += w;
    TierCounters c = firstCounters;
    c.hits += w;
    c.accesses += w;
    c.bytesRead += bytes;
  }

  /** A READ or WRITE; {@code firstSlot}: the unit's slot in the first tier, {@link EvictionPolicy#NO_SLOT} if it is not there. */
  private void lookup(long key, int op, int w, int firstSlot) {
    AccessOutcome o = outcome;
    int f;
    if (firstSlot != EvictionPolicy.NO_SLOT) {
      f = 0;
      foundSlot = firstSlot;
    } else {
      f = findBelowFirst(key);
    }
    o.foundTier = f;
    if (f == 0) {
      policies[0].touchSlot(foundSlot);
      o.span = 1;
      o.hits[0] = w;
      o.bytesRead[0] = w * tierUnit[0];
      o.computeReadBytes = w * tierUnit[0];
      if (codecs[0].kind() != CodecKind.NONE) {
        o.decompressNs = codecs[0].decompressNs(w * unitBytes, 1); // compute reads compressed KV in place
      }
      return;
    }
    int above = f < 0 ? tiers : f;
    for (int t = 0; t < above; t++) {
      o.misses[t] = 1;
    }
    if (f > 0) {
      o.hits[f] = 1;
      policies[f].touchSlot(foundSlot);
    }
    if (offerFirst(key, f)) {
      o.promoted = true;
      written(0, true);
      if (f > 0) {
        moveOut(f, keyBytes, 1);
      } else {
        o.created = true;
        if (op == AccessOp.READ.code()) {
          sourceReads++;
          o.sourceBytes = keyBytes;
        }
        if (!exclusive) {
          for (int t = 1; t < tiers; t++) {
            store(t, key, true); // inclusive: a new unit is written through
          }
        }
      }
      o.hits[0] += w - 1;
      o.bytesRead[0] += w * tierUnit[0];
      o.computeReadBytes = w * tierUnit[0];
      return;
    }
    // bypass: every layer-access is served where the unit is (or from the source)
    o.bypassed = true;
    int rest = w - 1;
    for (int t = 0; t < above; t++) {
      o.misses[t] += rest;
    }
    if (f > 0) {
      o.hits[f] += rest;
      moveOut(f, unitBytes, w);
      o.stagedBytes = w * unitBytes;
    } else {
      if (op == AccessOp.READ.code()) {
        sourceReads++;
        o.sourceBytes = w * unitBytes;
      }
      o.created = placeBelow(key, true) >= 0;
    }
  }

  /**
   * A block of the offloaded token range ({@code $.offload}): served where it is found (streamed
   * from a lower tier, as a bypass), then kept in the offload tier whatever the policies above
   * would do: moved there from a faster tier, or created there.
   */
  private void lookupOffloaded(long key, int op, int w) {
    AccessOutcome o = outcome;
    int f = find(key);
    o.foundTier = f;
    if (f == 0) {
      policies[0].touchSlot(foundSlot);
      o.hits[0] = w;
      o.bytesRead[0] = w * tierUnit[0];
      o.computeReadBytes = w * tierUnit[0];
      policies[0].removeSlot(foundSlot);
      keepInOffloadTier(key);
      return;
    }
    int above = f < 0 ? tiers : f;
    for (int t = 0; t < above; t++) {
      o.misses[t] = w;
    }
    o.bypassed = true;
    if (f > 0) {
      o.hits[f] = w;
      policies[f].touchSlot(foundSlot);
      moveOut(f, unitBytes, w);
      o.stagedBytes = w * unitBytes;
      if (f != offloadTier) {
        policies[f].removeSlot(foundSlot);
        keepInOffloadTier(key);
      }
      return;
    }
    if (op == AccessOp.READ.code()) {
      sourceReads++;
      o.sourceBytes = w * unitBytes;
    }
    o.created = keepInOffloadTier(key);
  }

  /** Writes {@code key} into the offload tier (its admission rule does not apply); demotes the victim. */
  private boolean keepInOffloadTier(long key) {
    int t = offloadTier;
    if (policies[t].contains(key)) {
      return true;
    }
    int out = policies[t].admit(key);
    if (out == EvictionPolicy.REJECTED) {
      outcome.dropped++; // a full static offload tier: the unit leaves the hierarchy
      return false;
    }
    written(t, true);
    if (out == EvictionPolicy.EVICTED) {
      demote(policies[t].victim(), t + 1);
    }
    return true;
  }

  private void append(long key, int tokens, int w) {
    AccessOutcome o = outcome;
    appends++;
    int f = find(key);
    int holder;
    if (f == 0) {
      holder = 0;
    } else if (offerFirst(key, f)) {
      holder = 0;
      o.promoted = true;
      if (f > 0) {
        written(0, true);
        moveOut(f, keyBytes, 1);
      } else {
        o.created = true; // a new unit holds nothing but the appended tokens
      }
    } else if (f > 0) {
      holder = f;
    } else {
      holder = placeBelow(key, false);
      o.created = holder >= 0;
    }
    if (holder >= 0) {
      long bytes = codecs[holder].stored((long) tokens * tokenBytes * w, dtypeBytes);
      o.bytesWritten[holder] += bytes;
      o.bytesAppended[holder] += bytes;
    }
  }

  private void free(long key) {
    frees++;
    if (exclusive) {
      int f = find(key);
      if (f >= 0 && f != sharedTier) {
        policies[f].removeSlot(foundSlot);
      }
    } else {
      for (int t = 0; t < tiers; t++) {
        if (t != sharedTier) {
          policies[t].remove(key);
        }
      }
    }
  }

  /** The fastest tier below the first holding {@code key} (its slot in {@link #foundSlot}), or -1. */
  private int findBelowFirst(long key) {
    for (int t = 1; t < tiers; t++) {
      int s = policies[t].slotOf(key);
      if (s != EvictionPolicy.NO_SLOT) {
        foundSlot = s;
        return t;
      }
    }
    return -1;
  }

  /** The fastest tier holding {@code key} (its slot in {@link #foundSlot}), or -1. */
  private int find(long key) {
    for (int t = 0; t < tiers; t++) {
      int s = policies[t].slotOf(key);
      if (s != EvictionPolicy.NO_SLOT) {
        foundSlot = s;
        return t;
      }
    }
    return -1;
  }

  private boolean admitsRule(int t, long key) {
    return switch (admission[t]) {
      case ALWAYS -> true;
      case NEVER -> false;
      case AFTER_K -> {
        int seen = admissionCounts[t].increment(key, 1);
        if (seen >= admitAfter[t]) {
          admissionCounts[t].remove(key);
          yield true;
        }
        yield false;
      }
    };
  }

  /**
   * Offers a unit found in tier {@code f} (-1: nowhere) to the first tier; on admission it leaves
   * {@code f} first under an exclusive hierarchy and the first tier's victim is demoted. For a unit
   * from a lower tier the first tier's policy is asked whether it would take it before the
   * admission rule counts the offer, so a refusal changes nothing.
   */
  private boolean offerFirst(long key, int f) {
    EvictionPolicy first = policies[0];
    if (f > 0 && !first.wouldAdmit(key)) {
      return false; // asked before the rule, so the refusal changes nothing (not even an after-k count)
    }
    if (!admitsRule(0, key)) {
      return false;
    }
    if (f > 0 && exclusive && f != sharedTier) {
      policies[f].removeSlot(foundSlot);
    }
    int out = first.admit(key);
    if (out == EvictionPolicy.REJECTED) {
      if (f > 0) {
        throw new IllegalStateException(configs.get(0).tier().name() + ": policy refused a unit it said it would take");
      }
      return false;
    }
    if (out == EvictionPolicy.EVICTED) {
      long victim = first.victim();
      outcome.firstTierEvicted = true;
      outcome.firstTierVictim = victim;
      demote(victim, 1);
    }
    return true;
  }

  /** Places a unit no tier holds in the first lower tier that admits it; returns that tier or -1. */
  private int placeBelow(long key, boolean wholeUnit) {
    for (int t = 1; t < tiers; t++) {
      if (store(t, key, wholeUnit)) {
        return t;
      }
    }
    return -1;
  }

  /** Writes {@code key} into tier {@code t} unless it is there or the tier refuses it; demotes the victim. */
  private boolean store(int t, long key, boolean wholeUnit) {
    if (policies[t].contains(key) || !admitsRule(t, key)) {
      return false;
    }
    int out = policies[t].admit(key);
    if (out == EvictionPolicy.REJECTED) {
      return false;
    }
    written(t, wholeUnit);
    if (out == EvictionPolicy.EVICTED) {
      demote(policies[t].victim(), t + 1);
    }
    return true;
  }

  /** A unit evicted from tier {@code level - 1} moves to the first tier from {@code level} down that takes it. */
  private void demote(long key, int level) {
    for (int t = level; t < tiers; t++) {
      if (policies[t].contains(key)) {
        return; // inclusive: a copy is already there
      }
      if (!admitsRule(t, key)) {
        continue;
      }
      int out = policies[t].admit(key);
      if (out == EvictionPolicy.REJECTED) {
        continue;
      }
      written(t, true);
      outcome.demotions++;
      if (out == EvictionPolicy.EVICTED) {
        key = policies[t].victim();
        continue;
      }
      return;
    }
    outcome.dropped++;
  }

  /**
   * {@code pieces} pieces of {@code pieceBytes} uncompressed bytes each (one placement unit, or the
   * layer-accesses of a bypass) leave tier {@code t} for the compute tier, each moved at its stored
   * size in the tier (or under the distance rule's codec) and decompressed when that is compressed.
   */
  private void moveOut(int t, long pieceBytes, int pieces) {
    AccessOutcome o = outcome;
    CodecSpec codec = override != null ? override : codecs[t];
    long stored = Math.max(1, codec.stored(pieceBytes, dtypeBytes)) * pieces;
    long bytes = pieceBytes * pieces;
    o.bytesRead[t] += stored;
    o.movedBytes += stored;
    o.movedFrom = t;
    o.movedCodec = codec;
    bytesMovedSaved += bytes - stored;
    o.decompressNs += codec.decompressNs(bytes, 1);
  }

  /** A unit is written into tier {@code t} (compressed on the way when the tier has a codec). */
  private void written(int t, boolean wholeUnit) {
    if (wholeUnit) {
      outcome.unitsWritten[t]++;
      outcome.bytesWritten[t] += tierKey[t];
      compressNs += codecs[t].compressNs(keyBytes);
    }
  }

  /** Stored bytes of one layer of one block in tier {@code t}. */
  public long tierUnitBytes(int t) {
    return tierUnit[t];
  }

  public long bytesMovedSaved() {
    return bytesMovedSaved;
  }

  public long decompressNs() {
    return decompressNs;
  }

  public long compressNs() {
    return compressNs;
  }

  /** Bytes the codecs save on what the tiers hold now: units resident x (uncompressed - stored). */
  public long bytesStoredSaved() {
    return set.bytesStoredSaved();
  }

  public CompressionResult compression() {
    return set.compression(bytesMovedSaved, decompressNs, compressNs);
  }

  /** Bytes each tier holds now, at its stored size. */
  public long storedBytes(int t) {
    return set.storedBytes(t);
  }

  /** Whether {@code key} is resident in the first tier; changes nothing (a router's look, not an access). */
  public boolean residentInFirstTier(long key) {
    return first.slotOf(key) != EvictionPolicy.NO_SLOT;
  }

  /** Units a shared pool (the last tier) has admitted, from every tracker sharing it (-1 without one). */
  public long sharedTierInsertions() {
    return sharedTier < 0 ? -1 : policies[sharedTier].stats().insertions();
  }

  /** Whether {@code key} is resident in any tier; changes nothing (a cluster's look, not an access). */
  public boolean residentAnywhere(long key) {
    for (int t = 0; t < tiers; t++) {
      if (set.policies[t].slotOf(key) != EvictionPolicy.NO_SLOT) {
        return true;
      }
    }
    return false;
  }

  /** The keys resident in tier {@code t} (for checks and tests). */
  public long[] residentKeys(int t) {
    return set.residentKeys(t);
  }

  /** Checks every policy's structures and the tracker's own sums; throws IllegalStateException if broken. */
  public void checkInvariants() {
    set.checkInvariants(appends, lookupLayerAccesses, foundNowhereLayerAccesses);
  }

  public List<TierResult> results() {
    return set.results();
  }

  /** The stage's totals for the replay result. */
  public ResidencyResult result() {
    return new ResidencyResult(results(), unitBytes, keyBytes, sourceReads, sourceBytes, appends, frees,
        droppedOffLastTier, lookupLayerAccesses, foundNowhereLayerAccesses, inputBlocks, inputBlockHits, inputTokens,
        inputTokenHits);
  }

  /** Occupancy of each tier now, in placement units. */
  public void occupancy(long[] out) {
    set.occupancy(out);
  }

  public int tierCount() {
    return tiers;
  }

  public long sourceReads() {
    return sourceReads;
  }

  public long sourceBytes() {
    return sourceBytes;
  }

  public long appends() {
    return appends;
  }

  public long frees() {
    return frees;
  }

  public long droppedOffLastTier() {
    return droppedOffLastTier;
  }
}
