package io.kvflow.engine;

import io.kvflow.common.LongHashSet;
import io.kvflow.engine.residency.AccessOutcome;
import io.kvflow.engine.residency.ResidencyResult;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.time.TimedListener;

/**
 * Recomputes a replay's totals from its access outcomes and the timing model's events, apart from
 * the stages that produced them, and fails if anything does not add up: every lookup's
 * layer-accesses are hits in some tier or found nowhere; a lower tier sees no more than the tier
 * above missed; bytes read leave as compute reads or moved units; the per-tier sums equal the
 * result; bytes written are units written times the unit size plus appended bytes; every request
 * is timed exactly once and every step once. The engine attaches it to every replay when the
 * system property {@code kvflow.checks} is true (the build sets it for all tests).
 */
public final class ConservationCheck implements ReplayListener, TimedListener {
  private long[] hits;
  private long[] misses;
  private long[] bytesRead;
  private long[] bytesWritten;
  private long[] unitsWritten;
  private long[] bytesAppended;
  private long lookups;
  private long foundNowhere;
  private long sourceBytes;
  private long dropped;
  private long accesses;
  private final LongHashSet started = new LongHashSet(256);
  private final LongHashSet timed = new LongHashSet(256);
  private long finishedRequests;
  private long requestsTimed;
  private long stepsTimed;

  /** Whether replays should attach this check (system property {@code kvflow.checks}). */
  public static boolean enabled() {
    return Boolean.getBoolean("kvflow.checks");
  }

  @Override
  public void access(AccessOutcome o) {
    int tiers = o.tiers();
    if (hits == null) {
      hits = new long[tiers];
      misses = new long[tiers];
      bytesRead = new long[tiers];
      bytesWritten = new long[tiers];
      unitsWritten = new long[tiers];
      bytesAppended = new long[tiers];
    }
    accesses++;
    if (o.lookup()) {
      long found = o.foundNowhere();
      for (int t = 0; t < tiers; t++) {
        found += o.hits[t];
      }
      check(found == o.weight, "hits over tiers + found nowhere = " + found + " for a lookup of weight " + o.weight);
      check(o.hits[0] + o.misses[0] == o.weight, "the first tier did not see every layer-access");
      for (int t = 1; t < tiers; t++) {
        check(o.hits[t] + o.misses[t] <= o.misses[t - 1], "tier " + t + " saw more than tier " + (t - 1) + " missed");
      }
      lookups += o.weight;
      foundNowhere += o.foundNowhere();
    } else {
      for (int t = 0; t < tiers; t++) {
        check(o.hits[t] == 0 && o.misses[t] == 0, "an APPEND or FREE counted as a lookup");
      }
    }
    check(o.bytesRead[0] == o.computeReadBytes, "first tier bytes read " + o.bytesRead[0] + " != compute reads "
        + o.computeReadBytes);
    for (int t = 1; t < tiers; t++) {
      long moved = o.movedFrom == t ? o.movedBytes : 0;
      check(o.bytesRead[t] == moved, "tier " + t + " bytes read " + o.bytesRead[t] + " != bytes moved out " + moved);
    }
    for (int t = 0; t < tiers; t++) {
      hits[t] += o.hits[t];
      misses[t] += o.misses[t];
      bytesRead[t] += o.bytesRead[t];
      bytesWritten[t] += o.bytesWritten[t];
      unitsWritten[t] += o.unitsWritten[t];
      bytesAppended[t] += o.bytesAppended[t];
    }
    sourceBytes += o.sourceBytes;
    dropped += o.dropped;
  }

  @Override
  public void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {
    started.add(requestId);
  }

  @Override
  public void requestFinished(long requestId) {
    finishedRequests++;
  }

  @Override
  public void stepTimed(long step, long startNs, long stepNs, long stallNs, long computeNs) {
    check(stepNs == stallNs + computeNs, "step " + step + ": time " + stepNs + " != stall " + stallNs + " + compute "
        + computeNs);
    stepsTimed++;
  }

  @Override
  public void requestTimed(long requestId, long ttftNs, long tpotNs, long e2eNs) {
    check(timed.add(requestId), "request " + requestId + " timed twice");
    check(ttftNs <= e2eNs, "request " + requestId + ": TTFT " + ttftNs + " after its end " + e2eNs);
    requestsTimed++;
  }

  @Override
  public void finished(ReplayResult result) {
    ResidencyResult r = result.residency();
    if (hits != null) {
      for (int t = 0; t < r.tiers().size(); t++) {
        TierResult tier = r.tiers().get(t);
        String n = tier.name();
        check(tier.hits() == hits[t], n + ": hits " + tier.hits() + ", outcomes say " + hits[t]);
        check(tier.misses() == misses[t], n + ": misses " + tier.misses() + ", outcomes say " + misses[t]);
        check(tier.accesses() == hits[t] + misses[t], n + ": accesses != hits + misses");
        check(tier.bytesRead() == bytesRead[t], n + ": bytes read " + tier.bytesRead() + ", outcomes say " + bytesRead[t]);
        check(tier.bytesWritten() == bytesWritten[t], n + ": bytes written " + tier.bytesWritten() + ", outcomes say "
            + bytesWritten[t]);
        check(tier.bytesWritten() == unitsWritten[t] * tier.unitStoredBytes() + bytesAppended[t],
            n + ": bytes written != units written x unit size + appended bytes");
      }
      check(r.tiers().get(0).accesses() == lookups, "the first tier's accesses != looked-up layer-accesses");
    }
    check(r.lookupLayerAccesses() == lookups, "lookups " + r.lookupLayerAccesses() + ", outcomes say " + lookups);
    check(r.foundNowhere() == foundNowhere, "found nowhere " + r.foundNowhere() + ", outcomes say " + foundNowhere);
    check(r.sourceBytes() == sourceBytes, "source bytes " + r.sourceBytes() + ", outcomes say " + sourceBytes);
    check(r.droppedOffLastTier() == dropped, "dropped " + r.droppedOffLastTier() + ", outcomes say " + dropped);
    if (result.time() != null) {
      check(stepsTimed == result.time().steps(), "steps timed " + stepsTimed + " != " + result.time().steps());
      if ("requests".equals(result.traceKind())) {
        check(finishedRequests == started.size(), finishedRequests + " requests finished of " + started.size() + " started");
        check(requestsTimed == started.size(), requestsTimed + " requests timed of " + started.size() + " started");
      }
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("conservation broken: " + what);
    }
  }
}
