package io.kvflow.engine.spec;

/**
 * One memory tier.
 *
 * @param name unique name (used in reports and links)
 * @param kind its technology
 * @param capacityBytes bytes it holds for KV
 * @param readBandwidthBps bytes per second it reads (timing model)
 * @param writeBandwidthBps bytes per second it writes (timing model)
 * @param latencyNs access latency (timing model)
 */
public record TierSpec(String name, TierKind kind, long capacityBytes, double readBandwidthBps, double writeBandwidthBps,
    long latencyNs) {}
