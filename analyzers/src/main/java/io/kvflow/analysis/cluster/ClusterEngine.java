package io.kvflow.analysis.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.sweep.SweepPoint;
import io.kvflow.common.Progress;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * An engine that runs work off this JVM's threads (Apache Spark): sweep points as tasks and the
 * partitions of a partitioned reuse study. Found with {@link ServiceLoader}, so the core CLI never
 * links against it; it must give exactly the results of the local execution.
 */
public interface ClusterEngine extends AutoCloseable {
  /** The name {@code --engine} selects it by. */
  String name();

  /** A stable identity of {@code trace} (location, size, modification time) for resuming sweeps. */
  String traceIdentity(String trace);

  /**
   * Runs every point, giving each finished row (as {@link io.kvflow.analysis.sweep.SweepRunner#run}
   * makes it) to {@code finished} on the calling thread; {@code progress} counts finished points.
   */
  void sweep(List<SweepPoint> points, Consumer<ObjectNode> finished, Progress progress);

  /**
   * The partitioned reuse study of {@code trace}: the same document {@link
   * io.kvflow.analysis.reuse.ReuseStudy#partitioned} makes from locally computed partitions.
   */
  ObjectNode partitionedReuse(String trace, int partitions, long seed, List<Long> sizes);

  @Override
  void close();

  /** The engine named {@code name} on the class path, or null. */
  static ClusterEngine find(String name) {
    for (ClusterEngine e : ServiceLoader.load(ClusterEngine.class)) {
      if (e.name().equals(name)) {
        return e;
      }
    }
    return null;
  }
}
