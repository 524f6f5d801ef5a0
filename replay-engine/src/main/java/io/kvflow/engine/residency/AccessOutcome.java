package io.kvflow.engine.residency;

import io.kvflow.engine.spec.CodecSpec;

/**
 * What residency did with one access, as data: the tracker refills one instance per access (no
 * object per access) and every later stage (timing, listeners, exports) reads it instead of asking
 * the tracker back. Per-tier arrays are indexed fastest tier first; counts are layer-accesses and
 * bytes are stored bytes (after the tier's codec), as in docs/model.md.
 */
public final class AccessOutcome {
  /** {@link #foundTier} of a unit held by no tier. */
  public static final int NOWHERE = -1;
  /** {@link #foundTier} of an APPEND or FREE (not a lookup). */
  public static final int NOT_A_LOOKUP = -2;

  // the access itself
  public long key;
  public int op;
  public int weight;
  public int tokens;
  public long requestId;
  public int step;
  public int layer;
  public int flags;

  // what residency did
  /** The fastest tier that held the unit before the access, {@link #NOWHERE} or {@link #NOT_A_LOOKUP}. */
  public int foundTier;
  /** The unit was written into the first tier by this access (from a lower tier, or new). */
  public boolean promoted;
  /** A lookup the first tier did not admit: every layer-access was served where the unit was (or from the source). */
  public boolean bypassed;
  /** The access created the unit (a lookup or APPEND of a unit no tier held, placed in some tier). */
  public boolean created;
  /** Units the eviction cascade wrote into lower tiers. */
  public int demotions;
  /** Whether a unit was evicted from the first tier by this access ({@link #firstTierVictim} says which). */
  public boolean firstTierEvicted;
  /** The unit the first tier evicted to make room (when {@link #firstTierEvicted}). */
  public long firstTierVictim;
  /** Units evicted off the last tier (they leave the hierarchy). */
  public int dropped;
  /** Per tier: layer-accesses that found the unit there. */
  public final long[] hits;
  /** Per tier: layer-accesses that looked there and did not find it. */
  public final long[] misses;
  /** Per tier: bytes read out (by compute, or moved toward it). */
  public final long[] bytesRead;
  /** Per tier: bytes written in (new units, promotions, demotions, appended tokens). */
  public final long[] bytesWritten;
  /** Per tier: whole units written in (new, promoted, written through, demoted); each costs the tier's unit size. */
  public final long[] unitsWritten;
  /** Per tier: bytes of appended tokens written in (the rest of {@link #bytesWritten}). */
  public final long[] bytesAppended;
  /** The tier {@link #movedBytes} left (-1: nothing moved); an APPEND may promote a unit too. */
  public int movedFrom;
  /** Stored bytes that left {@link #movedFrom} for the compute tier (a promotion, or a bypass stream). */
  public long movedBytes;
  /** The codec the moved bytes were stored with (the tier's, or the distance rule's); null when nothing moved. */
  public CodecSpec movedCodec;
  /** Decompression the access needs (of moved data, or of compressed KV read in place in the first tier). */
  public long decompressNs;
  /** Bytes compute reads from the first tier for this access. */
  public long computeReadBytes;
  /** Uncompressed bytes of bypassed lower-tier data streamed into a staging buffer for compute. */
  public long stagedBytes;
  /** Bytes of a READ of a unit held by no tier: recomputed, or fetched from outside the hierarchy. */
  public long sourceBytes;

  /**
   * How many leading tiers' per-tier values this access may have set (the rest are zero): a
   * first-tier hit writes tier 0 only, so clearing and summing stop there.
   */
  int span;
  /**
   * False only after {@link #firstTierHit}: then the access, foundTier, hits[0], bytesRead[0] and
   * computeReadBytes are the only fields that may be set.
   */
  boolean dirty = true;

  public AccessOutcome(int tiers) {
    hits = new long[tiers];
    misses = new long[tiers];
    bytesRead = new long[tiers];
    bytesWritten = new long[tiers];
    unitsWritten = new long[tiers];
    bytesAppended = new long[tiers];
  }

  /** Clears the outcome and records the access it describes. */
  void reset(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags) {
    this.key = key;
    this.op = op;
    this.weight = weight;
    this.tokens = tokens;
    this.requestId = requestId;
    this.step = step;
    this.layer = layer;
    this.flags = flags;
    foundTier = NOT_A_LOOKUP;
    if (dirty) {
      promoted = false;
      bypassed = false;
      created = false;
      demotions = 0;
      dropped = 0;
      firstTierEvicted = false;
      movedFrom = -1;
      movedBytes = 0;
      movedCodec = null;
      decompressNs = 0;
      stagedBytes = 0;
      sourceBytes = 0;
    }
    computeReadBytes = 0;
    for (int t = 0; t < span; t++) {
      hits[t] = 0;
      misses[t] = 0;
      bytesRead[t] = 0;
      bytesWritten[t] = 0;
      unitsWritten[t] = 0;
      bytesAppended[t] = 0;
    }
    span = 0;
    dirty = true;
  }

  /**
   * Refills the outcome of a lookup that hit the uncompressed first tier: {@code weight} hits and
   * {@code bytes} read there by compute. After another such hit nothing else needs clearing (it set
   * these same fields only), so the common run of first-tier hits writes just the access and them.
   */
  void firstTierHit(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags,
      long bytes) {
    if (dirty) {
      reset(key, op, weight, tokens, requestId, step, layer, flags);
      dirty = false;
    } else {
      this.key = key;
      this.op = op;
      this.weight = weight;
      this.tokens = tokens;
      this.requestId = requestId;
      this.step = step;
      this.layer = layer;
      this.flags = flags;
    }
    foundTier = 0;
    span = 1;
    hits[0] = weight;
    bytesRead[0] = bytes;
    computeReadBytes = bytes;
  }

  public int tiers() {
    return hits.length;
  }

  /** Whether the access was a lookup (READ or WRITE). */
  public boolean lookup() {
    return foundTier != NOT_A_LOOKUP;
  }

  /** Layer-accesses of this lookup that found the unit in no tier (they missed the last tier). */
  public long foundNowhere() {
    return foundTier == NOWHERE ? misses[misses.length - 1] : 0;
  }
}
