package io.kvflow.engine.spec;

/**
 * The timing model's settings; absent from a config, replay counts without time.
 *
 * @param hardware GPU and links
 * @param prefetch prefetch policy
 * @param depth layers ahead for layer-ahead prefetch
 * @param budgetBytesPerStep most bytes prefetched per step (0 = unlimited); the rest is demand-fetched
 * @param maxTransferBytes adjacent blocks of one layer on one link are coalesced into transfers of up to this size (0 = one transfer per block)
 */
public record TimingSpec(HardwareSpec hardware, PrefetchKind prefetch, int depth, long budgetBytesPerStep, long maxTransferBytes) {}
