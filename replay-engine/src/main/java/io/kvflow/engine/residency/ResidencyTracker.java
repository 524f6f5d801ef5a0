package io.kvflow.engine.residency;

import io.kvflow.common.LongIntHashMap;
import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.policy.EvictionPolicy;
import io.kvflow.engine.policy.PolicyParams;
import io.kvflow.engine.policy.PolicyStats;
import io.kvflow.engine.spec.AdmissionKind;
import io.kvflow.engine.spec.Hierarchy;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.spec.TierConfig;
import io.kvflow.trace.AccessOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Tracks which tier holds each placement unit and counts every access, byte and eviction.
 *
 * <p>A READ or WRITE looks the key up tier by tier, fastest first. Found in the first tier: a hit
 * there for every layer-access it stands for. Found lower (or nowhere): the first layer-access
 * misses every tier above; the unit is then promoted into the first tier if that tier admits it
 * (removed from its old tier under an exclusive hierarchy), the first tier's victim cascades down
 * (each tier's own victim to the next, off the last tier), and the remaining layer-accesses hit the
 * first tier. If the first tier does not admit it, every layer-access is served from where the unit
 * is (bypass). A WRITE of a unit found nowhere creates it; a READ of one found nowhere is a source
 * read (recomputation or a fetch from outside the hierarchy). APPEND adds tokens to a unit (creating
 * it when new); FREE removes it everywhere.
 */
public final class ResidencyTracker implements AccessSink {
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
  private final long[] capacityUnits;
  /** Stored bytes of one placement unit / one layer-access in each tier (after its codec). */
  private final long[] tierKey;
  private final long[] tierUnit;
  private final io.kvflow.engine.spec.CodecSpec[] codecs;
  private long bytesMovedSaved;
  private long decompressNs;
  private long compressNs;
  private long lastMovedBytes;
  private long lastDecompressNs;
  private long sourceReads;
  private long sourceBytes;
  private long appends;
  private long frees;
  private long droppedOffLastTier;
  private long inputBlocks;
  private long inputBlockHits;
  private long inputTokens;
  private long inputTokenHits;

  /**
   * @param unitBytes bytes of one layer of one block (one layer-access)
   * @param keyBytes bytes of one placement unit (a whole block, or one layer of it)
   * @param tokenBytes bytes of one token in one layer
   */
  public ResidencyTracker(ReplayConfig config, long unitBytes, long keyBytes, long tokenBytes, PolicyParams firstTierParams) {
    this.configs = config.tiers();
    this.tiers = configs.size();
    this.policies = new EvictionPolicy[tiers];
    this.counters = new TierCounters[tiers];
    this.admissionCounts = new LongIntHashMap[tiers];
    this.admission = new AdmissionKind[tiers];
    this.admitAfter = new int[tiers];
    this.capacityUnits = new long[tiers];
    this.exclusive = config.hierarchy() == Hierarchy.EXCLUSIVE;
    this.unitBytes = unitBytes;
    this.keyBytes = keyBytes;
    this.tokenBytes = tokenBytes;
    this.dtypeBytes = config.model().kvDtypeBytes();
    this.tierKey = new long[tiers];
    this.tierUnit = new long[tiers];
    this.codecs = new io.kvflow.engine.spec.CodecSpec[tiers];
    int dtype = config.model().kvDtypeBytes();
    for (int t = 0; t < tiers; t++) {
      codecs[t] = configs.get(t).codec();
      tierKey[t] = Math.max(1, codecs[t].stored(keyBytes, dtype));
      tierUnit[t] = Math.max(1, codecs[t].stored(unitBytes, dtype));
    }
    for (int t = 0; t < tiers; t++) {
      TierConfig c = configs.get(t);
      long units = c.capacityBlocks() > 0 ? c.capacityBlocks() : c.tier().capacityBytes() / tierKey[t];
      if (units < 1) {
        throw new io.kvflow.engine.spec.ConfigException("tier " + c.tier().name() + ": capacity_bytes "
            + c.tier().capacityBytes() + " holds no placement unit of " + tierKey[t] + " bytes; raise it");
      }
      if (units > Integer.MAX_VALUE - 8) {
        throw new io.kvflow.engine.spec.ConfigException("tier " + c.tier().name() + ": " + units
            + " placement units is more than this build simulates (2^31); use a coarser placement");
      }
      capacityUnits[t] = units;
      PolicyParams p = new PolicyParams(c.hotWindowAccesses(), c.warmThreshold(), t == 0 ? firstTierParams.nextUse() : null);
      policies[t] = c.policy().create((int) units, p);
      counters[t] = new TierCounters();
      admission[t] = c.admission();
      admitAfter[t] = c.admitAfter();
      admissionCounts[t] = c.admission() == AdmissionKind.AFTER_K ? new LongIntHashMap(1 << 12) : null;
    }
  }

  private boolean admits(int t, long key) {
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

  private int find(long key) {
    for (int t = 0; t < tiers; t++) {
      if (policies[t].contains(key)) {
        return t;
      }
    }
    return -1;
  }

  /** The tier that held the unit of the last lookup before it (-1 nowhere), or -2 after APPEND/FREE. */
  public int lastFound() {
    return lastFound;
  }

  private int lastFound;
  private boolean lastPromoted;

  /** Whether the last lookup brought its unit into the first tier (false: hit there, or bypass). */
  public boolean lastPromoted() {
    return lastPromoted;
  }

  @Override
  public void access(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags) {
    lastFound = -2;
    lastPromoted = false;
    lastMovedBytes = 0;
    lastDecompressNs = 0;
    override = OVERRIDES[(flags & CODEC_MASK) >>> CODEC_SHIFT];
    if (op == AccessOp.READ.code() || op == AccessOp.WRITE.code()) {
      int found = lookup(key, op, weight);
      lastFound = found;
      if ((flags & INPUT_BLOCK) != 0) {
        inputBlocks++;
        inputTokens += tokens;
        if (found >= 0) {
          inputBlockHits++;
          inputTokenHits += tokens;
        }
      }
    } else if (op == AccessOp.APPEND.code()) {
      appends++;
      if (!policies[0].contains(key)) {
        int f = find(key);
        boolean moved = exclusive && f > 0 && policies[f].remove(key);
        if (placeInFirstTier(key)) {
          if (f > 0) {
            moveOut(f, keyBytes, 1);
          }
        } else if (moved) {
          policies[f].insert(key);
        } else if (f < 0) {
          placeBelow(key, 1);
        }
      }
      int where = find(key);
      if (where >= 0) {
        counters[where].bytesWritten += codecs[where].stored((long) tokens * tokenBytes * weight, dtypeBytes);
      }
    } else {
      frees++;
      for (int t = 0; t < tiers; t++) {
        policies[t].remove(key);
      }
    }
  }

  /** Returns the tier the key was found in before the access (-1: nowhere). */
  private int lookup(long key, int op, int weight) {
    int f = find(key);
    if (f == 0) {
      policies[0].access(key);
      TierCounters c = counters[0];
      c.accesses += weight;
      c.hits += weight;
      c.bytesRead += weight * tierUnit[0];
      if (codecs[0].kind() != io.kvflow.engine.spec.CodecKind.NONE) {
        lastDecompressNs = codecs[0].decompressNs(weight * unitBytes, 1); // compute reads compressed KV in place
        decompressNs += lastDecompressNs;
      }
      return 0;
    }
    int above = f < 0 ? tiers : f;
    for (int t = 0; t < above; t++) {
      counters[t].accesses++;
      counters[t].misses++;
    }
    if (f > 0) {
      counters[f].accesses++;
      counters[f].hits++;
    }
    // exclusive: leave the old tier first, so its space can take the first tier's victim
    boolean moved = exclusive && f > 0 && policies[f].remove(key);
    if (placeInFirstTier(key)) {
      lastPromoted = true;
      if (f > 0) {
        moveOut(f, keyBytes, 1);
      } else if (op == AccessOp.READ.code()) {
        sourceReads++;
        sourceBytes += keyBytes;
      }
      if (!exclusive && f < 0) {
        copyBelow(key);
      }
      TierCounters c0 = counters[0];
      c0.bytesRead += weight * tierUnit[0];
      c0.accesses += weight - 1;
      c0.hits += weight - 1;
    } else {
      if (moved) {
        policies[f].insert(key); // not promoted after all: it stays where it was
      }
      // bypass: every layer-access is served where the unit is (or from the source)
      int rest = weight - 1;
      for (int t = 0; t < above; t++) {
        counters[t].accesses += rest;
        counters[t].misses += rest;
      }
      if (f > 0) {
        counters[f].accesses += rest;
        counters[f].hits += rest;
        moveOut(f, weight * unitBytes, 1);
      } else {
        if (op == AccessOp.READ.code()) {
          sourceReads++;
          sourceBytes += weight * unitBytes;
        }
        placeBelow(key, 1);
      }
    }
    return f;
  }

  /** Admits {@code key} into the first tier (counted as the access of its policy); cascades the victim. */
  private boolean placeInFirstTier(long key) {
    if (!admits(0, key)) {
      return false;
    }
    EvictionPolicy p = policies[0];
    p.access(key);
    int out = p.lastOutcome();
    if (out == EvictionPolicy.REJECTED) {
      return false;
    }
    written(0);
    if (out == EvictionPolicy.EVICTED) {
      demote(p.victim(), 1);
    }
    return true;
  }

  /** Puts a unit the first tier refused into the first lower tier that takes it. */
  private void placeBelow(long key, int level) {
    for (int t = level; t < tiers; t++) {
      if (store(t, key)) {
        return;
      }
    }
  }

  /**
   * Writes {@code key} into lower tier {@code t} unless it is there already or the tier refuses it,
   * demoting the tier's victim; returns whether it was written.
   */
  private boolean store(int t, long key) {
    if (policies[t].contains(key) || !admits(t, key)) {
      return false;
    }
    int out = policies[t].insert(key);
    if (out == EvictionPolicy.REJECTED) {
      return false;
    }
    written(t);
    if (out == EvictionPolicy.EVICTED) {
      demote(policies[t].victim(), t + 1);
    }
    return true;
  }

  /** Inclusive hierarchy: a new unit is written through to every lower tier. */
  private void copyBelow(long key) {
    for (int t = 1; t < tiers; t++) {
      store(t, key);
    }
  }

  /** A unit evicted from tier {@code level - 1} moves to {@code level} (or off the hierarchy). */
  private void demote(long key, int level) {
    for (int t = level; t < tiers; t++) {
      if (policies[t].contains(key)) {
        return; // inclusive: a copy is already there
      }
      if (!admits(t, key)) {
        continue;
      }
      int out = policies[t].insert(key);
      if (out == EvictionPolicy.REJECTED) {
        continue;
      }
      written(t);
      if (out == EvictionPolicy.EVICTED) {
        key = policies[t].victim();
        continue;
      }
      return;
    }
    droppedOffLastTier++;
  }

  /**
   * Data leaves tier {@code t} for the compute tier: {@code bytes} uncompressed in {@code units}
   * units, moved at the tier's stored size and decompressed when the tier is compressed.
   */
  private void moveOut(int t, long bytes, long units) {
    io.kvflow.engine.spec.CodecSpec codec = override != null && t > 0 ? override : codecs[t];
    long stored = codec.stored(bytes, dtypeBytes);
    counters[t].bytesRead += stored;
    lastMovedBytes = stored;
    bytesMovedSaved += bytes - stored;
    lastDecompressNs = codec.decompressNs(bytes, units);
    decompressNs += lastDecompressNs;
  }

  /** The distance rule's codec for the current access (null: the tiers' own). */
  private io.kvflow.engine.spec.CodecSpec override;

  private static final io.kvflow.engine.spec.CodecSpec[] OVERRIDES = new io.kvflow.engine.spec.CodecSpec[16];

  static {
    for (io.kvflow.engine.spec.CodecKind k : io.kvflow.engine.spec.CodecKind.values()) {
      OVERRIDES[k.ordinal() + 1] = io.kvflow.engine.spec.CodecSpec.defaults(k);
    }
  }

  /** A unit is written into tier {@code t} (compressed on the way when the tier has a codec). */
  private void written(int t) {
    counters[t].bytesWritten += tierKey[t];
    compressNs += codecs[t].compressNs(keyBytes);
  }

  /** Bytes the last lookup moved out of its tier (stored size), and the decompression it needs. */
  public long lastMovedBytes() {
    return lastMovedBytes;
  }

  public long lastDecompressNs() {
    return lastDecompressNs;
  }

  /** Stored bytes of one layer of one block in tier {@code t}. */
  public long tierUnitBytes(int t) {
    return tierUnit[t];
  }

  /** The codec of tier {@code t} (for the last access: the distance rule's, when it set one). */
  public io.kvflow.engine.spec.CodecSpec codec(int t) {
    return override != null && t > 0 ? override : codecs[t];
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
    long saved = 0;
    for (int t = 0; t < tiers; t++) {
      saved += policies[t].size() * (keyBytes - tierKey[t]);
    }
    return saved;
  }

  public CompressionResult compression() {
    List<CompressionResult.TierCodec> t = new ArrayList<>();
    for (int i = 0; i < tiers; i++) {
      t.add(new CompressionResult.TierCodec(configs.get(i).tier().name(), codecs[i].jsonName(), codecs[i].ratio(dtypeBytes),
          storedBytes(i)));
    }
    return new CompressionResult(bytesStoredSaved(), bytesMovedSaved, decompressNs, compressNs, t);
  }

  /** Bytes each tier holds now, at its stored size. */
  public long storedBytes(int t) {
    return policies[t].size() * tierKey[t];
  }

  /** Checks every policy's structures and the tracker's own sums; throws IllegalStateException if broken. */
  public void checkInvariants() {
    for (int t = 0; t < tiers; t++) {
      policies[t].checkInvariants();
      TierCounters c = counters[t];
      if (c.hits + c.misses != c.accesses) {
        throw new IllegalStateException("tier " + configs.get(t).tier().name() + ": hits + misses != accesses");
      }
      if (t > 0 && c.accesses > counters[t - 1].misses) {
        throw new IllegalStateException("tier " + configs.get(t).tier().name() + " saw more accesses than the tier above missed");
      }
      if (policies[t].size() > capacityUnits[t]) {
        throw new IllegalStateException("tier " + configs.get(t).tier().name() + " over capacity");
      }
    }
  }

  public List<TierResult> results() {
    List<TierResult> out = new ArrayList<>();
    for (int t = 0; t < tiers; t++) {
      TierConfig c = configs.get(t);
      TierCounters k = counters[t];
      PolicyStats s = policies[t].stats();
      out.add(new TierResult(c.tier().name(), c.tier().kind().name().toLowerCase(Locale.ROOT),
          capacityUnits[t] * tierKey[t], capacityUnits[t], k.accesses, k.hits, k.misses, k.bytesRead, k.bytesWritten,
          s.insertions(), s.evictions(), s.evictedUnused()));
    }
    return out;
  }

  /** Occupancy of each tier now, in placement units. */
  public void occupancy(long[] out) {
    for (int t = 0; t < tiers; t++) {
      out[t] = policies[t].size();
    }
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

  public long inputBlocks() {
    return inputBlocks;
  }

  public long inputBlockHits() {
    return inputBlockHits;
  }

  public long inputTokens() {
    return inputTokens;
  }

  public long inputTokenHits() {
    return inputTokenHits;
  }
}
