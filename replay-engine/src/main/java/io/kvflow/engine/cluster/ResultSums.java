package io.kvflow.engine.cluster;

import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.residency.CompressionResult;
import io.kvflow.engine.residency.ResidencyResult;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.time.TimeResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Cluster totals from the instances' results: counters and capacities summed (tier by tier, link by
 * link), sizes of one unit kept, simulated time the largest; a shared pool's capacity, admissions
 * and evictions once (each instance reports the pool's own). Occupancy samples are per instance
 * (their times differ); the total keeps them only for a single instance.
 */
final class ResultSums {
  private ResultSums() {}

  /** @param sharedPool the last tier is one pool all instances share: its capacity and admissions count once */
  static ReplayResult total(boolean sharedPool, List<ReplayResult> parts, ReplayResult.TraceResult trace) {
    ReplayResult first = parts.get(0);
    List<ResidencyResult> residency = new ArrayList<>();
    long preemptions = 0;
    long waited = 0;
    for (ReplayResult r : parts) {
      residency.add(r.residency());
      preemptions += r.schedule().preemptions();
      waited += r.schedule().waitedForMemory();
    }
    return new ReplayResult(trace, residency(sharedPool, residency), new ReplayResult.ScheduleResult(preemptions, waited),
        time(parts), compression(parts), null, parts.size() == 1 ? first.occupancy() : List.of());
  }

  private static ResidencyResult residency(boolean sharedPool, List<ResidencyResult> parts) {
    ResidencyResult f = parts.get(0);
    List<TierResult> tiers = new ArrayList<>();
    for (int t = 0; t < f.tiers().size(); t++) {
      TierResult a = f.tiers().get(t);
      long cb = 0, cu = 0, acc = 0, hits = 0, misses = 0, read = 0, written = 0, unitsWritten = 0, appended = 0;
      long ins = 0, ev = 0, unused = 0;
      for (ResidencyResult r : parts) {
        TierResult x = r.tiers().get(t);
        cb += x.capacityBytes();
        cu += x.capacityUnits();
        acc += x.accesses();
        hits += x.hits();
        misses += x.misses();
        read += x.bytesRead();
        written += x.bytesWritten();
        unitsWritten += x.unitsWritten();
        appended += x.bytesAppended();
        ins += x.insertions();
        ev += x.evictions();
        unused += x.evictedUnused();
      }
      if (sharedPool && t == f.tiers().size() - 1) {
        // one pool: every instance reports its capacity and its policy's admissions and evictions
        cb = a.capacityBytes();
        cu = a.capacityUnits();
        ins = a.insertions();
        ev = a.evictions();
        unused = a.evictedUnused();
      }
      tiers.add(new TierResult(a.name(), a.kind(), cb, cu, a.unitStoredBytes(), acc, hits, misses, read, written,
          unitsWritten, appended, ins, ev, unused));
    }
    long[] s = new long[11];
    for (ResidencyResult r : parts) {
      s[0] += r.sourceReads();
      s[1] += r.sourceBytes();
      s[2] += r.appends();
      s[3] += r.frees();
      s[4] += r.droppedOffLastTier();
      s[5] += r.lookupLayerAccesses();
      s[6] += r.foundNowhere();
      s[7] += r.inputBlocks();
      s[8] += r.inputBlockHits();
      s[9] += r.inputTokens();
      s[10] += r.inputTokenHits();
    }
    return new ResidencyResult(tiers, f.unitBytes(), f.placementUnitBytes(), s[0], s[1], s[2], s[3], s[4], s[5], s[6],
        s[7], s[8], s[9], s[10]);
  }

  private static TimeResult time(List<ReplayResult> parts) {
    TimeResult f = parts.get(0).time();
    if (f == null) {
      return null;
    }
    long[] s = new long[9];
    List<TimeResult.LinkResult> links = new ArrayList<>();
    for (int l = 0; l < f.links().size(); l++) {
      long bytes = 0, transfers = 0, busy = 0;
      for (ReplayResult r : parts) {
        TimeResult.LinkResult x = r.time().links().get(l);
        bytes += x.bytes();
        transfers += x.transfers();
        busy += x.busyNs();
      }
      links.add(new TimeResult.LinkResult(f.links().get(l).name(), bytes, transfers, busy));
    }
    for (ReplayResult r : parts) {
      TimeResult t = r.time();
      s[0] = Math.max(s[0], t.simulatedNs());
      s[1] += t.computeNs();
      s[2] += t.stallNs();
      s[3] += t.hiddenTransferNs();
      s[4] += t.steps();
      s[5] += t.prefetchIssued();
      s[6] += t.prefetchUseful();
      s[7] += t.prefetchLate();
      s[8] += t.prefetchWasted();
    }
    return new TimeResult(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], links);
  }

  private static CompressionResult compression(List<ReplayResult> parts) {
    CompressionResult f = parts.get(0).compression();
    long stored = 0, moved = 0, decompress = 0, compress = 0;
    List<CompressionResult.TierCodec> tiers = new ArrayList<>();
    for (int t = 0; t < f.tiers().size(); t++) {
      long bytes = 0;
      for (ReplayResult r : parts) {
        bytes += r.compression().tiers().get(t).storedBytes();
      }
      CompressionResult.TierCodec a = f.tiers().get(t);
      tiers.add(new CompressionResult.TierCodec(a.name(), a.codec(), a.ratio(), bytes));
    }
    for (ReplayResult r : parts) {
      stored += r.compression().bytesStoredSaved();
      moved += r.compression().bytesMovedSaved();
      decompress += r.compression().decompressNs();
      compress += r.compression().compressNs();
    }
    return new CompressionResult(stored, moved, decompress, compress, tiers);
  }
}
