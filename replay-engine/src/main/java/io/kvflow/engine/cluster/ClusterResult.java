package io.kvflow.engine.cluster;

import io.kvflow.engine.ReplayResult;
import java.util.List;

/**
 * The result of a cluster replay.
 *
 * @param router the router's name, as the config gives it
 * @param total the cluster's totals: every counter summed over the instances, the simulated time the
 *     latest instance's, the trace figures the whole trace's
 * @param instances each instance's own result, by index (the prefill pool first when disaggregated)
 * @param requests each request's routing, KV transfer and times, in arrival order
 * @param transfers the KV transfers' totals, or null without disaggregation
 */
public record ClusterResult(String router, ReplayResult total, List<ReplayResult> instances, RequestLog requests,
    TransferTotals transfers) {
  public ClusterResult {
    instances = List.copyOf(instances);
  }
}
