package io.kvflow.cli;

import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.spec.PrefetchKind;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Every rule that turns an answer into a {@link Warning}: the conditions under which a number KVFlow
 * prints is computed correctly but answers a question nobody asked (a hit ratio of a trace that
 * cannot show hits, a latency that is all queueing, a capacity for a target no capacity reaches).
 * Commands call these and print what they return; the rules live here and nowhere else.
 */
final class WarningRules {
  /** Simulated span over trace span above which a replay is overloaded ... */
  static final double OVERLOAD_FACTOR = 2.0;
  /** ... when the difference is also above this (short traces are all start-up). */
  static final long OVERLOAD_MIN_EXCESS_NS = 1_000_000_000L;
  /** The metadata key vLLM event imports set: the trace records stores and evictions, not reuse. */
  static final String KEY_HITS_OBSERVED = "kvflow.hits_observed";

  private WarningRules() {}

  /** What a trace's metadata says its figures cannot show; {@code name} names it in the messages. */
  static List<Warning> trace(String name, TraceMetadata meta) {
    List<Warning> w = new ArrayList<>();
    if (meta.kind() == TraceKind.REQUESTS && !meta.prefixInfoKnown()) {
      w.add(noPrefixHashes(name));
    }
    if ("false".equals(meta.extra().get(KEY_HITS_OBSERVED))) {
      w.add(new Warning("hits_not_observed", name + " has " + KEY_HITS_OBSERVED + "=false (imported from vLLM KV "
          + "events, which record stores and evictions but not reuse): its accesses are writes, so hit ratios and "
          + "reuse distances measure the cache's own churn, not the workload's reuse"));
    }
    return w;
  }

  /**
   * The warnings of an inspected trace: its metadata's, and {@code no_prefix_hashes} also when the
   * metadata claims prefix hashes that no row carries ({@code prefixSharingKnown} false).
   */
  static List<Warning> inspected(String name, TraceMetadata meta, boolean prefixSharingKnown) {
    List<Warning> w = trace(name, meta);
    if (meta.kind() == TraceKind.REQUESTS && !prefixSharingKnown && !w.contains(noPrefixHashes(name))) {
      w.add(noPrefixHashes(name));
    }
    return w;
  }

  private static Warning noPrefixHashes(String name) {
    return new Warning("no_prefix_hashes", name + " has no prefix hashes: no request is assumed to share a block "
        + "with another, so prefix hit ratios are 0 by construction, not measured");
  }

  /**
   * The warnings of one replay: the trace's own, then what the result shows.
   *
   * @param traceSpanNs last minus first arrival of a requests trace (unused for accesses traces)
   * @param firstNs the trace's first arrival
   */
  static List<Warning> replay(String name, TraceMetadata meta, ReplayConfig c, ReplayResult r, long firstNs,
      long traceSpanNs) {
    List<Warning> w = new ArrayList<>(trace(name, meta));
    boolean requests = meta.kind() == TraceKind.REQUESTS;
    if (requests && meta.prefixInfoKnown() && r.requests() > 0 && r.trace().blockRefs() == 0) {
      w.add(noPrefixHashes(name));
    }
    if (r.trace().blockRefs() == 0 && r.tiers().stream().allMatch(t -> t.accesses() == 0)) {
      w.add(new Warning("empty_trace", name + " has no block references: every ratio is 0 of 0"));
    }
    if (c.timing() == null || r.time() == null) {
      return w;
    }
    if (r.time().steps() == 0) {
      w.add(new Warning("no_steps_timed", "the timing model is configured but timed no step: the latency figures "
          + "are empty"));
      return w;
    }
    long simulatedSpanNs = r.time().simulatedNs() - Math.max(0, firstNs);
    if (requests && overloaded(simulatedSpanNs, traceSpanNs)) {
      w.add(new Warning("overloaded", "simulated span " + duration(simulatedSpanNs) + " vs trace span "
          + duration(traceSpanNs) + ": the configuration is overloaded; TTFT is mostly queueing"));
    }
    if (c.timing().execution() == io.kvflow.engine.spec.Execution.EAGER && r.time().links().stream()
        .anyMatch(l -> l.bytes() > 0)) {
      w.add(new Warning("eager_host_bound", "execution eager with transfers: steps whose host issue outweighs the GPU "
          + "work (small offload fractions, layer-ahead) measured up to 55% apart on one H200 between two runs, so "
          + "their times are indicative; graph execution is predicted within 5% (docs/fidelity.md)"));
    }
    if (c.timing().prefetch() != PrefetchKind.NONE && r.time().prefetchIssued() == 0) {
      long lowerTierBytes = r.time().links().stream().mapToLong(l -> l.bytes()).sum();
      w.add(new Warning("prefetch_idle", "prefetch " + c.timing().prefetch().name().toLowerCase(Locale.ROOT)
          .replace('_', '-') + " is configured but issued no transfer ("
          + (lowerTierBytes == 0 ? "no block was read from a lower tier" : "every transfer was a demand transfer")
          + "): prefetch changes nothing here"));
    }
    return w;
  }

  /** Whether a replay whose steps span {@code simulatedSpanNs} fell behind a trace spanning {@code traceSpanNs}. */
  static boolean overloaded(long simulatedSpanNs, long traceSpanNs) {
    return simulatedSpanNs > OVERLOAD_FACTOR * traceSpanNs && simulatedSpanNs - traceSpanNs > OVERLOAD_MIN_EXCESS_NS;
  }

  /**
   * A hit-ratio target no capacity reaches: the ideal (infinite cache) hit ratio is below it. Null
   * when the target is reachable.
   */
  static Warning unreachableTarget(double idealHitRatio, double target) {
    if (idealHitRatio >= target) {
      return null;
    }
    return new Warning("target_unreachable", String.format(Locale.ROOT,
        "ideal hit ratio %.3f: no capacity reaches %s (every block's first access misses)", idealHitRatio,
        plain(target)));
  }

  /** A reachable target that no point of the sizing grid reaches; null when one does. */
  static Warning targetOffGrid(double bestOnGrid, double target, double idealHitRatio) {
    if (bestOnGrid >= target || idealHitRatio < target) {
      return null;
    }
    return new Warning("target_off_grid", String.format(Locale.ROOT,
        "no grid point reaches %s (best %.3f); larger capacities can (ideal hit ratio %.3f)", plain(target), bestOnGrid,
        idealHitRatio));
  }

  /** A duration for a person: "850 ns", "12 ms", "4.2 s", "59 min", "21 h". */
  static String duration(long ns) {
    double v;
    String unit;
    if (ns < 1_000) {
      return ns + " ns";
    } else if (ns < 1_000_000) {
      v = ns / 1e3;
      unit = "µs";
    } else if (ns < 1_000_000_000) {
      v = ns / 1e6;
      unit = "ms";
    } else if (ns < 60_000_000_000L) {
      v = ns / 1e9;
      unit = "s";
    } else if (ns < 3_600_000_000_000L) {
      v = ns / 60e9;
      unit = "min";
    } else {
      v = ns / 3600e9;
      unit = "h";
    }
    return (v < 10 ? String.format(Locale.ROOT, "%.1f", v) : Long.toString(Math.round(v))) + " " + unit;
  }

  /** 0.9 as "0.9", 0.95 as "0.95": the target as the user wrote it. */
  private static String plain(double x) {
    return java.math.BigDecimal.valueOf(x).stripTrailingZeros().toPlainString();
  }
}
