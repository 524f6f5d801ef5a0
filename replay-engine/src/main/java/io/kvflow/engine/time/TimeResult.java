package io.kvflow.engine.time;

import java.util.List;

/**
 * Totals of the timing model.
 *
 * @param simulatedNs end of the last layer of the last step
 * @param computeNs sum of layer compute times
 * @param stallNs sum of the time compute waited for data (step time = compute + stall)
 * @param hiddenTransferNs transfer time that overlapped compute: the links' busy time minus the stall
 * @param steps steps timed
 * @param prefetchIssued transfers issued ahead of their layer
 * @param prefetchUseful of which complete before their layer started
 * @param prefetchLate of which still in flight when their layer started (a stall, shortened)
 * @param prefetchWasted prefetched data evicted before use (layer-ahead prefetches exactly what the layer reads: 0)
 * @param links per-link totals
 */
public record TimeResult(long simulatedNs, long computeNs, long stallNs, long hiddenTransferNs, long steps,
    long prefetchIssued, long prefetchUseful, long prefetchLate, long prefetchWasted, List<LinkResult> links) {

  /**
   * @param name link name
   * @param bytes bytes moved
   * @param transfers transfers
   * @param busyNs time the link spent moving data
   */
  public record LinkResult(String name, long bytes, long transfers, long busyNs) {}
}
