package io.kvflow.analysis.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.AtomicOutput;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.residency.TierResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Builds and writes report.json of a replay (field meanings: docs/model.md). */
public final class ReplayReport {
  public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ReplayReport() {}

  public static ObjectNode toJson(ReplayResult r, Manifest m, ObjectNode config) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode manifest = root.putObject("manifest");
    manifest.put("kvflow_version", m.kvflowVersion());
    manifest.put("trace_file", m.traceFile());
    manifest.put("trace_sha256", m.traceSha256());
    manifest.put("config", m.configName());
    manifest.put("config_sha256", m.configSha256());
    manifest.put("seed", m.seed());
    ObjectNode trace = root.putObject("trace");
    trace.put("kind", r.traceKind());
    trace.put("requests", r.requests());
    trace.put("block_refs", r.trace().blockRefs());
    trace.put("distinct_blocks", r.trace().distinctBlocks());
    ArrayNode tiers = root.putArray("tiers");
    for (TierResult t : r.tiers()) {
      ObjectNode o = tiers.addObject();
      o.put("name", t.name());
      o.put("kind", t.kind());
      o.put("capacity_bytes", t.capacityBytes());
      o.put("capacity_units", t.capacityUnits());
      o.put("accesses", t.accesses());
      o.put("hits", t.hits());
      o.put("misses", t.misses());
      o.put("hit_ratio", t.hitRatio());
      o.put("bytes_read", t.bytesRead());
      o.put("bytes_written", t.bytesWritten());
      o.put("unit_stored_bytes", t.unitStoredBytes());
      o.put("units_written", t.unitsWritten());
      o.put("bytes_appended", t.bytesAppended());
      o.put("insertions", t.insertions());
      o.put("evictions", t.evictions());
      o.put("evicted_unused", t.evictedUnused());
    }
    ObjectNode totals = root.putObject("totals");
    totals.put("unit_bytes", r.unitBytes());
    totals.put("placement_unit_bytes", r.placementUnitBytes());
    totals.put("lookup_layer_accesses", r.residency().lookupLayerAccesses());
    totals.put("found_nowhere", r.residency().foundNowhere());
    totals.put("source_reads", r.residency().sourceReads());
    totals.put("source_bytes", r.residency().sourceBytes());
    totals.put("appends", r.residency().appends());
    totals.put("frees", r.residency().frees());
    totals.put("dropped_off_last_tier", r.residency().droppedOffLastTier());
    totals.put("preemptions", r.schedule().preemptions());
    totals.put("admissions_waited_for_memory", r.schedule().waitedForMemory());
    if ("requests".equals(r.traceKind())) {
      ObjectNode prefix = root.putObject("prefix_cache");
      prefix.put("prefix_info", r.trace().prefixInfo()); // known, synthetic or unknown
      prefix.put("input_blocks", r.residency().inputBlocks());
      prefix.put("input_block_hits", r.residency().inputBlockHits());
      prefix.put("block_hit_ratio", r.prefixBlockHitRatio());
      prefix.put("input_tokens", r.residency().inputTokens());
      prefix.put("input_token_hits", r.residency().inputTokenHits());
      prefix.put("token_hit_ratio", r.prefixTokenHitRatio());
    }
    EngineReport.add(root, r.engine());
    SglangReport.add(root, r.sglang());
    if (!r.occupancy().isEmpty()) {
      ObjectNode occ = root.putObject("occupancy");
      boolean timed = r.time() != null;
      occ.put("x", timed ? "simulated ns" : "accesses");
      ArrayNode names = occ.putArray("tiers");
      r.tiers().forEach(t -> names.add(t.name()));
      ArrayNode samples = occ.putArray("samples");
      for (long[] s : r.occupancy()) {
        // stored as {accesses, units per tier..., simulated ns}; written as {x, units per tier...}
        ArrayNode a = samples.addArray();
        a.add(timed ? s[s.length - 1] : s[0]);
        for (int i = 1; i < s.length - 1; i++) {
          a.add(s[i]);
        }
      }
    }
    if (r.sparse() != null) {
      ObjectNode sp = root.putObject("sparse_reads");
      sp.put("policy", r.sparse().policy());
      sp.put("reads_in", r.sparse().readsIn());
      sp.put("reads_kept", r.sparse().readsKept());
      sp.put("tokens_discarded", r.sparse().tokensDiscarded());
      sp.put("window_exceeds_context", r.sparse().windowExceedsContext());
      var mass = r.sparse().retained();
      ObjectNode am = root.putObject("attention_mass_retained");
      am.put("groups", mass.count());
      if (mass.count() > 0) {
        am.put("p50", mass.percentile(50));
        am.put("p10", mass.percentile(10));
        am.put("p1", mass.percentile(1));
        am.put("min", mass.min());
        am.put("mean", mass.mean());
      }
    }
    var comp = r.compression();
    if (comp != null && (comp.bytesMovedSaved() != 0 || comp.tiers().stream().anyMatch(t -> !t.codec().equals("none")))) {
      ObjectNode c = root.putObject("compression");
      c.put("bytes_stored_saved", comp.bytesStoredSaved());
      c.put("bytes_moved_saved", comp.bytesMovedSaved());
      c.put("decompress_ns", comp.decompressNs());
      c.put("compress_ns", comp.compressNs());
      ArrayNode ct = c.putArray("tiers");
      for (var t : comp.tiers()) {
        ObjectNode o = ct.addObject();
        o.put("name", t.name());
        o.put("codec", t.codec());
        o.put("ratio", t.ratio());
        o.put("stored_bytes", t.storedBytes());
      }
    }
    if (r.time() != null) {
      var t = r.time();
      ObjectNode time = root.putObject("time");
      time.put("simulated_ns", t.simulatedNs());
      time.put("compute_ns", t.computeNs());
      time.put("stall_ns", t.stallNs());
      time.put("hidden_transfer_ns", t.hiddenTransferNs());
      time.put("steps", t.steps());
      ObjectNode prefetch = root.putObject("prefetch");
      prefetch.put("issued", t.prefetchIssued());
      prefetch.put("useful", t.prefetchUseful());
      prefetch.put("late", t.prefetchLate());
      prefetch.put("wasted", t.prefetchWasted());
      ArrayNode links = root.putArray("links");
      for (var l : t.links()) {
        ObjectNode o = links.addObject();
        o.put("name", l.name());
        o.put("bytes", l.bytes());
        o.put("transfers", l.transfers());
        o.put("busy_ns", l.busyNs());
      }
    }
    root.set("config", config);
    return root;
  }

  /** The retained-mass histogram as CSV (share, groups), non-empty bins only; null for dense reads. */
  public static String retainedMassCsv(ReplayResult r) {
    if (r.sparse() == null) {
      return null;
    }
    StringBuilder sb = new StringBuilder("mass_retained,groups\n");
    long[] bins = r.sparse().retained().bins();
    for (int i = 0; i < bins.length; i++) {
      if (bins[i] > 0) {
        sb.append(String.format(java.util.Locale.ROOT, "%.4f", (double) i / io.kvflow.engine.sparse.RetainedMass.BINS))
            .append(',').append(bins[i]).append('\n');
      }
    }
    return sb.toString();
  }

  /**
   * Adds the miss-ratio curve of the replay's lookups (LRU, SHARDS estimate) at log-spaced sizes
   * and at the first tier's size and twice it (the sizes the findings read).
   */
  public static void addMrc(ObjectNode report, io.kvflow.analysis.listen.ShardsMrcListener mrc, long maxUnits) {
    ArrayNode a = report.putArray("mrc");
    long first = report.path("tiers").path(0).path("capacity_units").asLong(0);
    java.util.List<Long> exact = first > 0 ? java.util.List.of(first, 2 * first) : java.util.List.of();
    for (long c : io.kvflow.analysis.reuse.MissRatioCurve.defaultSizes(Math.max(1, maxUnits), exact)) {
      ArrayNode p = a.addArray();
      p.add(c);
      p.add(mrc.curve().missRatio(c));
    }
    ObjectNode info = report.putObject("mrc_info");
    info.put("of", "layer-accesses of the lookups, LRU of placement units (a unit's first layer has its reuse "
        + "distance, its other layers distance 0, as the tiers count them; an APPEND is an uncounted reference, a FREE "
        + "removes the unit)");
    info.put("method", "SHARDS fixed-size, " + io.kvflow.analysis.listen.ShardsMrcListener.SAMPLE_KEYS + " keys");
    info.put("final_rate", mrc.rate());
    info.put("references", mrc.references());
  }

  /** Trace facts shown in reports: source text and tenant names (strings from the trace, escaped in HTML). */
  public static void addTraceFacts(ObjectNode report, String source, java.util.List<String> tenants) {
    ObjectNode trace = (ObjectNode) report.get("trace");
    trace.put("source", source);
    ArrayNode t = trace.putArray("tenants");
    tenants.forEach(t::add);
  }

  public static void write(Path file, ObjectNode report) {
    try {
      AtomicOutput.writeBytes(file, (JSON.writeValueAsString(report) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
