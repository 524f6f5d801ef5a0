package io.kvflow.engine.spec;

import io.kvflow.engine.route.RouterKind;

/**
 * A serving cluster: {@code instances} engine instances, each with its own tiers, scheduler and
 * timing built from the same config, sharing one simulated clock; a router picks the instance of
 * each request at its arrival.
 *
 * @param instances engine instances (1 = one instance through the cluster path)
 * @param router how a request picks its instance
 * @param overlapWeight kv-aware: weight of the resident leading prompt blocks
 * @param loadWeight kv-aware: weight of the normalised load (queued + running tokens over the largest)
 * @param disaggregation prefill and decode pools and the KV link between them, or null (every instance
 *     serves whole requests)
 * @param sharedPoolTier the name of the tier (the last of {@code $.tiers}) that is one pool every
 *     instance reads and writes, with the capacity and policy the tier gives and each instance's own
 *     link to it; null: every tier is each instance's own
 * @param kvEventLagNs routers see each instance's first tier as of its KV events (blocks stored in
 *     and removed from it) this many ns old; -1: as it is at the arrival
 */
public record ClusterSpec(int instances, RouterKind router, double overlapWeight, double loadWeight,
    DisaggregationSpec disaggregation, String sharedPoolTier, long kvEventLagNs) {
  /** The most instances a replay simulates. */
  public static final int MAX_INSTANCES = 1024;

  public ClusterSpec {
    if (instances < 1 || instances > MAX_INSTANCES) {
      throw ConfigException.at("$.cluster.instances", instances + " must be in [1, " + MAX_INSTANCES + "]");
    }
    if (router == null) {
      throw ConfigException.at("$.cluster.router", "required");
    }
    if (!(overlapWeight >= 0) || !(loadWeight >= 0) || Double.isInfinite(overlapWeight) || Double.isInfinite(loadWeight)) {
      throw ConfigException.at("$.cluster.kv_aware", "weights must be finite and >= 0");
    }
    if (kvEventLagNs < -1) {
      throw ConfigException.at("$.cluster.kv_events.lag_ns", kvEventLagNs + " must be >= 0");
    }
    if (disaggregation != null && disaggregation.prefillInstances() + disaggregation.decodeInstances() != instances) {
      throw ConfigException.at("$.cluster.disaggregation", "the pools' instances must add up to $.cluster.instances");
    }
  }

  /** A cluster whose every instance serves whole requests. */
  public ClusterSpec(int instances, RouterKind router, double overlapWeight, double loadWeight) {
    this(instances, router, overlapWeight, loadWeight, null, null, -1);
  }

  /** Whether a router of this cluster (the prefill pool's or the decode pool's) is kv-aware. */
  public boolean usesKvAware() {
    return router == RouterKind.KV_AWARE
        || (disaggregation != null && disaggregation.decodeRouter() == RouterKind.KV_AWARE);
  }

  /** {@code $.cluster}, or null when the config has none. */
  static ClusterSpec bind(ConfigNode root) {
    if (!root.has("cluster")) {
      return null;
    }
    ConfigNode n = root.object("cluster");
    int instances = n.intValue("instances", 1, MAX_INSTANCES, null);
    RouterKind router = n.choice("router", RouterKind.values(), ReplayConfig::lower, RouterKind.ROUND_ROBIN);
    DisaggregationSpec pd = n.has("disaggregation") ? DisaggregationSpec.bind(n.object("disaggregation"), instances)
        : null;
    double overlap = 1;
    double load = 1;
    if (n.has("kv_aware")) {
      if (router != RouterKind.KV_AWARE && (pd == null || pd.decodeRouter() != RouterKind.KV_AWARE)) {
        throw n.fieldError("kv_aware", "weights of the kv-aware router; the router is " + ReplayConfig.lower(router)
            + (pd == null ? "" : " and the decode router " + ReplayConfig.lower(pd.decodeRouter()))
            + "; remove them or use \"router\": \"kv-aware\"");
      }
      ConfigNode k = n.object("kv_aware");
      overlap = k.doubleValue("overlap_weight", 0, Double.MAX_VALUE, 1.0);
      load = k.doubleValue("load_weight", 0, Double.MAX_VALUE, 1.0);
      k.finish();
    }
    String pool = null;
    if (n.has("shared_pool")) {
      ConfigNode p = n.object("shared_pool");
      pool = p.string("tier", null);
      p.finish();
    }
    long lag = -1;
    if (n.has("kv_events")) {
      if (!router.readsResidency() && (pd == null || !pd.decodeRouter().readsResidency())) {
        throw n.fieldError("kv_events", "a lagging view of the instances' KV events changes only routers that read "
            + "residency (kv-aware, oracle); the router is " + ReplayConfig.lower(router)
            + (pd == null ? "" : " and the decode router " + ReplayConfig.lower(pd.decodeRouter()))
            + "; remove it or use one of them");
      }
      ConfigNode k = n.object("kv_events");
      lag = k.longValue("lag_ns", 0, ConfigRules.MAX_COST_NS, null);
      k.finish();
    }
    n.finish();
    return new ClusterSpec(instances, router, overlap, load, pd, pool, lag);
  }
}
