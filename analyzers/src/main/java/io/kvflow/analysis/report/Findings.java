package io.kvflow.analysis.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * What a replay's counters mean, as sentences written by rules: a saturated link, late prefetches,
 * stalls, lookups found nowhere, blocks evicted unused, preemptions. Each rule reads only
 * report.json, so a finding can always be checked against the figures it quotes.
 */
public final class Findings {
  /** A link busy this share of the simulated time or more cannot hide further transfers. */
  static final double SATURATED_LINK = 0.9;
  /** Late prefetches are worth a sentence from this share of those issued. */
  static final double LATE_SHARE = 0.1;
  /** Stalls are worth a sentence from this share of the simulated time. */
  static final double STALL_SHARE = 0.05;

  /** One sentence; {@code warn} marks a condition that limits what the run can show. */
  public record Finding(String code, boolean warn, String text) {}

  private static final List<BiConsumer<JsonNode, List<Finding>>> RULES = List.of(
      Findings::saturatedLinks, Findings::latePrefetches, Findings::stalls, Findings::foundNowhere,
      Findings::evictedUnused, Findings::preemptions, Findings::noPrefixHashes, Findings::mrcHeadroom);

  private Findings() {}

  /** The findings of one run's report.json, in rule order. */
  public static List<Finding> of(JsonNode run) {
    List<Finding> out = new ArrayList<>();
    for (BiConsumer<JsonNode, List<Finding>> rule : RULES) {
      rule.accept(run, out);
    }
    return out;
  }

  private static void saturatedLinks(JsonNode r, List<Finding> out) {
    double span = r.path("time").path("simulated_ns").asDouble(0);
    if (span <= 0) {
      return;
    }
    for (JsonNode l : r.path("links")) {
      double busy = l.path("busy_ns").asDouble(0) / span;
      if (busy >= SATURATED_LINK) {
        out.add(new Finding("saturated_link", true, String.format(Locale.ROOT,
            "link %s busy %s of the run: prefetch cannot hide transfers (%s over it)", l.path("name").asText(),
            Unit.PERCENT.format(100 * busy), Unit.BYTES.format(l.path("bytes").asDouble()))));
      } else if (busy >= 0.5) {
        out.add(new Finding("busy_link", false, String.format(Locale.ROOT, "link %s busy %s of the run (%s over it)",
            l.path("name").asText(), Unit.PERCENT.format(100 * busy), Unit.BYTES.format(l.path("bytes").asDouble()))));
      }
    }
  }

  private static void latePrefetches(JsonNode r, List<Finding> out) {
    JsonNode p = r.path("prefetch");
    long issued = p.path("issued").asLong(0);
    long late = p.path("late").asLong(0);
    long wasted = p.path("wasted").asLong(0);
    if (issued > 0 && late >= LATE_SHARE * issued) {
      out.add(new Finding("late_prefetches", true, Unit.COUNT.format(late) + " of " + Unit.COUNT.format(issued)
          + " prefetches late (" + Unit.PERCENT.format(100.0 * late / issued) + "): the data arrived after compute needed it"));
    }
    if (issued > 0 && wasted >= LATE_SHARE * issued) {
      out.add(new Finding("wasted_prefetches", false, Unit.COUNT.format(wasted) + " of " + Unit.COUNT.format(issued)
          + " prefetches wasted (evicted or never read)"));
    }
  }

  private static void stalls(JsonNode r, List<Finding> out) {
    JsonNode t = r.path("time");
    double span = t.path("simulated_ns").asDouble(0);
    double stall = t.path("stall_ns").asDouble(0);
    if (span > 0 && stall >= STALL_SHARE * span) {
      out.add(new Finding("stalls", stall >= 0.25 * span, "compute waited for data " + Unit.PERCENT.format(100 * stall / span)
          + " of the simulated time (" + Unit.NS.format(stall) + " of " + Unit.NS.format(span) + ")"));
    } else if (span > 0) {
      out.add(new Finding("few_stalls", false, "transfers are hidden: stalls are " + Unit.PERCENT.format(100 * stall / span)
          + " of the simulated time"));
    }
  }

  private static void foundNowhere(JsonNode r, List<Finding> out) {
    JsonNode t = r.path("totals");
    long lookups = t.path("lookup_layer_accesses").asLong(0);
    long nowhere = t.path("found_nowhere").asLong(0);
    if (lookups > 0 && nowhere > 0) {
      out.add(new Finding("found_nowhere", nowhere >= 0.5 * lookups, Unit.PERCENT.format(100.0 * nowhere / lookups)
          + " of lookups found in no tier (" + Unit.COUNT.format(nowhere) + " of " + Unit.COUNT.format(lookups)
          + " layer-accesses): first uses and recomputations, read from the source"));
    }
  }

  private static void evictedUnused(JsonNode r, List<Finding> out) {
    JsonNode first = r.path("tiers").path(0);
    long evictions = first.path("evictions").asLong(0);
    long unused = first.path("evicted_unused").asLong(0);
    if (evictions > 0 && unused >= 0.5 * evictions) {
      out.add(new Finding("evicted_unused", false, Unit.PERCENT.format(100.0 * unused / evictions) + " of units evicted from "
          + first.path("name").asText() + " were never read after they were written: the trace has little reuse at this size"));
    }
  }

  private static void preemptions(JsonNode r, List<Finding> out) {
    long n = r.path("totals").path("preemptions").asLong(0);
    if (n > 0) {
      out.add(new Finding("preemptions", true, Unit.COUNT.format(n)
          + " preemptions: running requests ran out of KV memory and were preempted"));
    }
  }

  private static void noPrefixHashes(JsonNode r, List<Finding> out) {
    if ("unknown".equals(r.path("prefix_cache").path("prefix_info").asText(null)) && !warned(r, "no_prefix_hashes")) {
      out.add(new Finding("no_prefix_hashes", true, "trace has no prefix hashes: prefix hit ratios show no sharing"));
    }
  }

  /** What the LRU curve says about the first tier: misses at its size and at twice it. */
  private static void mrcHeadroom(JsonNode r, List<Finding> out) {
    JsonNode mrc = r.path("mrc");
    JsonNode first = r.path("tiers").path(0);
    long units = first.path("capacity_units").asLong(0);
    if (!mrc.isArray() || mrc.size() < 2 || units <= 0) {
      return;
    }
    double at = interpolate(mrc, units);
    double twice = interpolate(mrc, 2.0 * units);
    double floor = mrc.get(mrc.size() - 1).get(1).asDouble();
    if (Double.isFinite(at) && Double.isFinite(twice)) {
      long accesses = first.path("accesses").asLong(0);
      String policy = r.path("config").path("tiers").path(0).path("policy").asText("");
      String measured = accesses > 0 ? String.format(Locale.ROOT, " (the replay's %s there: %s)",
          policy.isEmpty() ? "policy" : policy, Unit.RATIO.format((double) first.path("misses").asLong(0) / accesses))
          : "";
      out.add(new Finding("mrc_headroom", false, String.format(Locale.ROOT,
          "LRU miss ratio of the lookups: %s at %s's size%s, %s at twice it, %s with unlimited space",
          Unit.RATIO.format(at), first.path("name").asText(), measured, Unit.RATIO.format(twice), Unit.RATIO.format(floor))));
    }
  }

  /** Miss ratio at {@code size} on a log-spaced curve of (size, miss ratio), linear in log size; NaN outside. */
  static double interpolate(JsonNode mrc, double size) {
    for (int i = 1; i < mrc.size(); i++) {
      double x0 = mrc.get(i - 1).get(0).asDouble();
      double x1 = mrc.get(i).get(0).asDouble();
      if (size >= x0 && size <= x1) {
        double f = x1 > x0 ? (Math.log(size) - Math.log(x0)) / (Math.log(x1) - Math.log(x0)) : 0;
        return mrc.get(i - 1).get(1).asDouble() + f * (mrc.get(i).get(1).asDouble() - mrc.get(i - 1).get(1).asDouble());
      }
    }
    double last = mrc.get(mrc.size() - 1).get(0).asDouble();
    return size > last ? mrc.get(mrc.size() - 1).get(1).asDouble() : Double.NaN;
  }

  static boolean warned(JsonNode r, String code) {
    for (JsonNode w : r.path("warnings")) {
      if (code.equals(w.path("code").asText())) {
        return true;
      }
    }
    return false;
  }
}
