package io.kvflow.engine.spec;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Everything a replay needs besides the trace.
 *
 * @param model model shape (block bytes, layers)
 * @param tiers tiers, fastest first; the first is the one compute reads from
 * @param hierarchy exclusive or inclusive
 * @param placement whole blocks or block x layer
 * @param finished what happens to a finished request's blocks
 * @param expansion how requests become accesses
 * @param maxBatch requests decoded together (simple batching until the scheduler lands)
 * @param seed seed of any random choice (recorded in the report)
 */
public record ReplayConfig(ModelSpec model, List<TierConfig> tiers, Hierarchy hierarchy, Placement placement,
    FinishedRequests finished, Expansion expansion, int maxBatch, long seed) {

  public ReplayConfig {
    tiers = List.copyOf(tiers);
  }

  public ReplayConfig withTiers(List<TierConfig> t) {
    return new ReplayConfig(model, t, hierarchy, placement, finished, expansion, maxBatch, seed);
  }

  public ReplayConfig withModel(ModelSpec m) {
    return new ReplayConfig(m, tiers, hierarchy, placement, finished, expansion, maxBatch, seed);
  }

  public ReplayConfig withExpansion(Expansion e) {
    return new ReplayConfig(model, tiers, hierarchy, placement, finished, e, maxBatch, seed);
  }

  static <E extends Enum<E>> String lower(E e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static ReplayConfig bind(ConfigNode n) {
    var modelNode = n.raw("model");
    ModelSpec model;
    if (modelNode == null) {
      throw n.fieldError("model", "missing; name a preset (" + Presets.modelNames() + ") or give an object");
    } else if (modelNode.isTextual()) {
      model = Presets.model(modelNode.asText(), n.source(), n.path() + ".model");
    } else {
      model = ModelSpec.bind(n.object("model"));
    }
    List<ConfigNode> tierNodes = n.objects("tiers");
    if (tierNodes.isEmpty()) {
      throw n.fieldError("tiers", "at least one tier is needed");
    }
    List<TierConfig> tiers = tierNodes.stream().map(TierConfig::bind).toList();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < tiers.size(); i++) {
      TierConfig t = tiers.get(i);
      if (!names.add(t.tier().name())) {
        throw n.error(n.path() + ".tiers[" + i + "].name", "duplicate tier name '" + t.tier().name() + "'");
      }
      if (i > 0 && t.tier().kind().ordinal() < tiers.get(i - 1).tier().kind().ordinal()) {
        throw n.error(n.path() + ".tiers[" + i + "].kind", "tiers out of order: " + lower(t.tier().kind())
            + " after " + lower(tiers.get(i - 1).tier().kind()) + "; list tiers fastest first (sram, hbm, cxl, dram, ssd)");
      }
      if (i > 0 && t.policy() == io.kvflow.engine.policy.PolicyKind.OPT) {
        throw n.error(n.path() + ".tiers[" + i + "].policy", "OPT is available for the first tier only");
      }
    }
    if (tiers.size() > 1 && tiers.get(0).policy() == io.kvflow.engine.policy.PolicyKind.OPT) {
      throw n.error(n.path() + ".tiers[0].policy", "OPT needs a single-tier configuration (its oracle is that tier's access sequence)");
    }
    Hierarchy h = n.choice("hierarchy", Hierarchy.values(), ReplayConfig::lower, Hierarchy.EXCLUSIVE);
    Placement p = n.choice("placement", Placement.values(), ReplayConfig::lower, Placement.BLOCK);
    FinishedRequests f = n.choice("finished_requests", FinishedRequests.values(), ReplayConfig::lower, FinishedRequests.CACHE);
    Expansion e = n.choice("expansion", Expansion.values(), ReplayConfig::lower, Expansion.FULL);
    int batch = n.intValue("max_batch", 1, 1_000_000, 8);
    long seed = n.longValue("seed", Long.MIN_VALUE, Long.MAX_VALUE, 0L);
    n.finish();
    return new ReplayConfig(model, tiers, h, p, f, e, batch, seed);
  }
}
