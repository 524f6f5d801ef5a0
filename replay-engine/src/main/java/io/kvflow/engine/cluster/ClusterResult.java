package io.kvflow.engine.cluster;

import io.kvflow.engine.ReplayResult;
import java.util.List;

/**
 * The result of a cluster replay.
 *
 * @param router the router's name, as the config gives it
 * @param total the cluster's totals: every counter summed over the instances, the simulated time the
 *     latest instance's, the trace figures the whole trace's
 * @param instances each instance's own result, by index
 */
public record ClusterResult(String router, ReplayResult total, List<ReplayResult> instances) {
  public ClusterResult {
    instances = List.copyOf(instances);
  }
}
