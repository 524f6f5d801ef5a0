package io.kvflow.analysis.reuse;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.BadInputException;
import io.kvflow.common.Progress;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An exact study with every tenant's share of it: distances in the one stack all tenants share (an
 * LRU cache serving them all), each reference's counted in its tenant's histogram, so a tenant's
 * curve is its miss ratio in the shared cache. Tenants in order of first appearance; a request
 * without a tenant counts under {@code (none)}.
 */
final class TenantReuse {
  static final String NO_TENANT = "(none)";

  private TenantReuse() {}

  static ObjectNode run(Path trace, ReuseStudy.Options o, Progress progress) {
    if (o.sampling() != ReuseStudy.Sampling.EXACT || o.policy() != null) {
      throw new IllegalArgumentException("per-tenant studies are exact and LRU only");
    }
    if (TraceReader.readMetadata(trace).kind() != TraceKind.REQUESTS) {
      throw new BadInputException(trace + ": per-tenant reuse needs a requests trace (its tenant column); "
          + "this is an accesses trace");
    }
    ReuseDistanceAnalyzer exact = new ReuseDistanceAnalyzer();
    Map<String, Integer> index = new HashMap<>();
    List<String> names = new ArrayList<>();
    List<DistanceHistogram> histograms = new ArrayList<>();
    // the tenant is looked up once per request row, not per reference
    RequestBatch[] rowBatch = {null};
    int[] row = {-1};
    int[] tenant = {-1};
    long refs = BlockStream.forEachRequestRef(trace, (key, b, r) -> {
      if (b != rowBatch[0] || r != row[0]) {
        rowBatch[0] = b;
        row[0] = r;
        String name = b.tenant(r);
        tenant[0] = index.computeIfAbsent(name == null ? NO_TENANT : name, n -> {
          names.add(n);
          histograms.add(new DistanceHistogram());
          return names.size() - 1;
        });
      }
      long d = exact.access(key);
      if (d < 0) {
        histograms.get(tenant[0]).addCold(1);
      } else {
        histograms.get(tenant[0]).add(d, 1);
      }
    }, progress);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("trace_file", trace.getFileName().toString());
    out.put("accesses", refs);
    MissRatioCurve all = ReuseStudy.putExact(out, exact);
    List<Long> sizes = ReuseStudy.putCurve(out, all, exact.distinctKeys(), o.sizes());
    ReuseStudy.putTarget(out, all, o.targetHitRatio());
    ArrayNode tenants = out.putArray("tenants");
    ObjectNode chart = JsonNodeFactory.instance.objectNode();
    chart.put("title", "Miss ratio by tenant in the shared LRU cache");
    chart.put("x", "cache size (blocks, log scale)");
    chart.put("y", "miss ratio");
    chart.put("log_x", true);
    ArrayNode series = chart.putArray("series");
    for (int t = 0; t < names.size(); t++) {
      DistanceHistogram h = histograms.get(t);
      MissRatioCurve curve = new MissRatioCurve(h);
      ObjectNode o1 = tenants.addObject();
      o1.put("tenant", names.get(t));
      o1.put("accesses", (long) h.total());
      o1.put("cold_misses", (long) h.cold());
      ArrayNode bins = o1.putArray("histogram");
      for (double c : h.log2Bins()) {
        bins.add((long) c);
      }
      ArrayNode mrc = o1.putArray("mrc");
      ObjectNode s = series.addObject();
      s.put("name", names.get(t));
      ArrayNode pts = s.putArray("points");
      for (long c : sizes) {
        mrc.addArray().add(c).add(curve.missRatio(c));
        pts.addArray().add(c).add(curve.missRatio(c));
      }
    }
    out.putArray("charts").add(chart);
    return out;
  }
}
