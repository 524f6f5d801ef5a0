package io.kvflow.engine.cluster;

/**
 * The KV transfers of a disaggregated cluster replay, totalled.
 *
 * @param prefillInstances instances of the prefill pool
 * @param decodeInstances instances of the decode pool
 * @param transfers transfers made (a request whose blocks the decode instance all held makes none)
 * @param blocks blocks moved
 * @param bytes bytes moved (blocks x the uncompressed bytes of a block, every layer)
 * @param reusedBlocks prompt blocks the decode instance held already (not moved)
 * @param linkBusyNs time the links were busy, summed over the links
 * @param transferNs prefill end to KV landed, summed over the requests (link queue and latency included)
 * @param maxTransferNs the longest such time
 */
public record TransferTotals(int prefillInstances, int decodeInstances, long transfers, long blocks, long bytes,
    long reusedBlocks, long linkBusyNs, long transferNs, long maxTransferNs) {}
