package io.kvflow.engine.route;

import io.kvflow.engine.spec.ClusterSpec;
import java.util.function.Function;

/** The routers, one line each; the config names them in lower case with dashes ({@code kv-aware}). */
public enum RouterKind {
  ROUND_ROBIN(c -> new RoundRobinRouter()),
  LEAST_LOADED(c -> new LeastLoadedRouter()),
  SESSION_AFFINITY(c -> new SessionAffinityRouter()),
  KV_AWARE(c -> new KvAwareRouter(c.overlapWeight(), c.loadWeight())),
  ORACLE(c -> new OracleRouter());

  private final Function<ClusterSpec, Router> factory;

  RouterKind(Function<ClusterSpec, Router> factory) {
    this.factory = factory;
  }

  /** A new router (with fresh state) for one replay of {@code cluster}. */
  public Router create(ClusterSpec cluster) {
    return factory.apply(cluster);
  }

  /** Whether the router reads the instances' residency (so a lagging view of it changes its choices). */
  public boolean readsResidency() {
    return this == KV_AWARE || this == ORACLE;
  }

  /** The name the config and the report use. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
