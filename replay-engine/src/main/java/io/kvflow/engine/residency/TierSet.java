package io.kvflow.engine.residency;

import io.kvflow.common.LongIntHashMap;
import io.kvflow.engine.policy.EvictionPolicy;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.policy.PolicyParams;
import io.kvflow.engine.policy.PolicyStats;
import io.kvflow.engine.spec.AdmissionKind;
import io.kvflow.engine.spec.CodecKind;
import io.kvflow.engine.spec.CodecSpec;
import io.kvflow.engine.spec.ConfigException;
import io.kvflow.engine.spec.Hierarchy;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.spec.TierConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tiers a {@link ResidencyTracker} moves units between: each tier's policy, counters, capacity
 * and stored sizes, built from the configuration, plus what is read off them afterwards (results,
 * stored bytes, the structural invariants). The tracker holds the rules of moving units; this
 * class holds the state they act on and its accounting.
 */
final class TierSet {
  final List<TierConfig> configs;
  final int tiers;
  final boolean exclusive;
  final EvictionPolicy[] policies;
  final TierCounters[] counters;
  final LongIntHashMap[] admissionCounts;
  final AdmissionKind[] admission;
  final int[] admitAfter;
  final long[] capacityUnits;
  /** Stored bytes of one placement unit in each tier. */
  final long[] tierKey;
  /** Stored bytes of one layer of one block in each tier. */
  final long[] tierUnit;
  final CodecSpec[] codecs;
  final long keyBytes;
  final int dtypeBytes;

  /** The tier that is a pool several trackers share (a cluster's {@code shared_pool}: the last tier), or -1. */
  final int sharedTier;

  TierSet(ReplayConfig config, long unitBytes, long keyBytes, PolicyParams firstTierParams) {
    this(config, unitBytes, keyBytes, firstTierParams, false, null);
  }

  /**
   * @param sharedLast the last tier is a pool that several trackers share
   * @param shareWith the tiers whose pool this set uses (null: this set creates it)
   */
  TierSet(ReplayConfig config, long unitBytes, long keyBytes, PolicyParams firstTierParams, boolean sharedLast,
      TierSet shareWith) {
    this.configs = config.tiers();
    this.tiers = configs.size();
    this.exclusive = config.hierarchy() == Hierarchy.EXCLUSIVE;
    this.policies = new EvictionPolicy[tiers];
    this.counters = new TierCounters[tiers];
    this.admissionCounts = new LongIntHashMap[tiers];
    this.admission = new AdmissionKind[tiers];
    this.admitAfter = new int[tiers];
    this.capacityUnits = new long[tiers];
    this.tierKey = new long[tiers];
    this.tierUnit = new long[tiers];
    this.codecs = new CodecSpec[tiers];
    this.keyBytes = keyBytes;
    this.dtypeBytes = config.model().kvDtypeBytes();
    this.sharedTier = sharedLast ? configs.size() - 1 : -1;
    long totalUnits = 0;
    for (int t = 0; t < tiers; t++) {
      TierConfig c = configs.get(t);
      codecs[t] = c.codec();
      tierKey[t] = Math.max(1, codecs[t].stored(keyBytes, dtypeBytes));
      tierUnit[t] = Math.max(1, codecs[t].stored(unitBytes, dtypeBytes));
      long units = c.capacityBlocks() > 0 ? c.capacityBlocks() : c.tier().capacityBytes() / tierKey[t];
      if (units < 1) {
        throw new ConfigException("tier " + c.tier().name() + ": capacity_bytes " + c.tier().capacityBytes()
            + " holds no placement unit of " + tierKey[t] + " bytes; raise it");
      }
      if (units > Integer.MAX_VALUE - 8 || (exclusive && totalUnits + units > Integer.MAX_VALUE - 8)) {
        throw new ConfigException("tier " + c.tier().name() + ": " + (exclusive ? totalUnits + units : units)
            + " placement units is more than this build simulates (2^31 in all tiers); use a coarser placement");
      }
      if (t > 0 && c.policy() == PolicyKind.OPT) {
        throw new ConfigException("tiers[" + t + "]: policy opt is the offline bound of a single tier; use it alone");
      }
      totalUnits += units;
      capacityUnits[t] = units;
      PolicyParams p = new PolicyParams(c.hotWindowAccesses(), c.warmThreshold(), t == 0 ? firstTierParams.nextUse() : null);
      policies[t] = sharedLast && t == tiers - 1 && shareWith != null ? shareWith.policies[t]
          : c.policy().create((int) units, p);
      counters[t] = new TierCounters();
      admission[t] = c.admission();
      admitAfter[t] = c.admitAfter();
      admissionCounts[t] = c.admission() == AdmissionKind.AFTER_K ? new LongIntHashMap(1 << 12) : null;
    }
  }

  boolean plainFirstTier() {
    return codecs[0].kind() == CodecKind.NONE;
  }

  /** Bytes each tier holds now, at its stored size. */
  long storedBytes(int t) {
    return policies[t].size() * tierKey[t];
  }

  /** Bytes the codecs save on what the tiers hold now: units resident x (uncompressed - stored). */
  long bytesStoredSaved() {
    long saved = 0;
    for (int t = 0; t < tiers; t++) {
      saved += policies[t].size() * (keyBytes - tierKey[t]);
    }
    return saved;
  }

  CompressionResult compression(long bytesMovedSaved, long decompressNs, long compressNs) {
    List<CompressionResult.TierCodec> t = new ArrayList<>();
    for (int i = 0; i < tiers; i++) {
      t.add(new CompressionResult.TierCodec(configs.get(i).tier().name(), codecs[i].jsonName(), codecs[i].ratio(dtypeBytes),
          storedBytes(i)));
    }
    return new CompressionResult(bytesStoredSaved(), bytesMovedSaved, decompressNs, compressNs, t);
  }

  long[] residentKeys(int t) {
    long[] keys = new long[policies[t].size()];
    int[] n = {0};
    policies[t].forEachKey(k -> keys[n[0]++] = k);
    return keys;
  }

  void occupancy(long[] out) {
    for (int t = 0; t < tiers; t++) {
      out[t] = policies[t].size();
    }
  }

  List<TierResult> results() {
    List<TierResult> out = new ArrayList<>();
    for (int t = 0; t < tiers; t++) {
      TierConfig c = configs.get(t);
      TierCounters k = counters[t];
      PolicyStats s = policies[t].stats();
      out.add(new TierResult(c.tier().name(), c.tier().kind().name().toLowerCase(Locale.ROOT),
          capacityUnits[t] * tierKey[t], capacityUnits[t], tierKey[t], k.accesses, k.hits, k.misses, k.bytesRead,
          k.bytesWritten, k.unitsWritten, k.bytesAppended, s.insertions(), s.evictions(), s.evictedUnused()));
    }
    return out;
  }

  /**
   * Checks every policy's structures and the sums over tiers; throws IllegalStateException if broken.
   *
   * @param appends APPEND accesses so far (each may create an empty unit that no write brought in)
   * @param lookedUp layer-accesses looked up (READ and WRITE)
   * @param foundNowhere layer-accesses of those found in no tier
   */
  void checkInvariants(long appends, long lookedUp, long foundNowhere) {
    for (int t = 0; t < tiers; t++) {
      String name = configs.get(t).tier().name();
      policies[t].checkInvariants();
      TierCounters c = counters[t];
      check(c.hits + c.misses == c.accesses, name + ": hits + misses != accesses");
      check(t == 0 || c.accesses <= counters[t - 1].misses, name + " saw more accesses than the tier above missed");
      check(policies[t].size() <= capacityUnits[t], name + " over capacity");
      check(c.bytesWritten == c.unitsWritten * tierKey[t] + c.bytesAppended, name + ": bytes written != units written x "
          + tierKey[t] + " + appended bytes");
      if (t == sharedTier) {
        continue; // the pool's admissions are every sharer's units written in: the cluster checks them
      }
      // every admission is a unit written in, except units an APPEND created empty
      long insertions = policies[t].stats().insertions();
      check(c.unitsWritten <= insertions && insertions - c.unitsWritten <= appends, name + ": " + insertions
          + " admissions for " + c.unitsWritten + " units written");
    }
    check(counters[0].accesses == lookedUp, "the first tier saw " + counters[0].accesses + " accesses of "
        + lookedUp + " looked up");
    long hits = foundNowhere;
    for (TierCounters c : counters) {
      hits += c.hits;
    }
    check(hits == lookedUp, "hits over tiers + found nowhere = " + hits + ", looked up " + lookedUp);
    if (exclusive) {
      // no unit is in two tiers
      for (int t = 1; t < tiers; t++) {
        if (t == sharedTier) {
          continue; // a shared pool keeps its copy of a unit an instance loaded (Mooncake store's get copies)
        }
        int tier = t;
        policies[t].forEachKey(k -> {
          for (int u = 0; u < tier; u++) {
            check(!policies[u].contains(k), "unit " + k + " is in " + configs.get(u).tier().name() + " and "
                + configs.get(tier).tier().name() + " of an exclusive hierarchy");
          }
        });
      }
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("residency invariant broken: " + what);
    }
  }
}
