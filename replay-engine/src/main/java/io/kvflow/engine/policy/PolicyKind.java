package io.kvflow.engine.policy;

import java.util.Locale;

/** The registered eviction policies; one line per policy. Names are the JSON/CLI names. */
public enum PolicyKind {
  LRU((c, p) -> new LruPolicy(c)),
  FIFO((c, p) -> new FifoPolicy(c)),
  CLOCK((c, p) -> new ClockPolicy(c)),
  LFU((c, p) -> new LfuPolicy(c)),
  ARC((c, p) -> new ArcPolicy(c)),
  S3FIFO((c, p) -> new S3FifoPolicy(c)),
  SIEVE((c, p) -> new SievePolicy(c)),
  HOT_WARM_COLD((c, p) -> new HotWarmColdPolicy(c, p.hotWindowOr(c), p.warmThreshold())),
  STATIC((c, p) -> new StaticPolicy(c)),
  OPT((c, p) -> new OptPolicy(c, p.nextUse()));

  /** Builds a policy of a capacity in blocks. */
  @FunctionalInterface
  interface Factory {
    EvictionPolicy create(int capacity, PolicyParams params);
  }

  private final Factory factory;

  PolicyKind(Factory factory) {
    this.factory = factory;
  }

  public EvictionPolicy create(int capacity, PolicyParams params) {
    return factory.create(capacity, params);
  }

  public EvictionPolicy create(int capacity) {
    return factory.create(capacity, PolicyParams.DEFAULT);
  }

  /** Whether the policy needs the next-use oracle of a first pass. */
  public boolean offline() {
    return this == OPT;
  }

  public String jsonName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static PolicyKind fromName(String name) {
    for (PolicyKind k : values()) {
      if (k.jsonName().equals(name) || k.name().equalsIgnoreCase(name) || (k == S3FIFO && name.equals("s3-fifo"))) {
        return k;
      }
    }
    return null;
  }
}
