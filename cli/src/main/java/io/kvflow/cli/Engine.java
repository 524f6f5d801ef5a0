package io.kvflow.cli;

import io.kvflow.analysis.cluster.ClusterEngine;
import io.kvflow.common.BadInputException;

/** Where sweeps and partitioned reuse studies run. */
enum Engine {
  /** Threads of this JVM. */
  LOCAL,
  /** Tasks on Apache Spark, from the {@code spark/} module (never part of the core CLI's jar). */
  SPARK;

  /** The cluster engine, or null for local execution; a clear error when its module is not on the class path. */
  ClusterEngine open() {
    if (this == LOCAL) {
      return null;
    }
    String name = name().toLowerCase(java.util.Locale.ROOT);
    ClusterEngine e = ClusterEngine.find(name);
    if (e == null) {
      throw new BadInputException("option --engine " + name + ": the " + name + " module is not on the class path; run "
          + "through ./kvflow (it builds " + name + "/ on first use) or spark-submit spark/target/kvflow-spark.jar");
    }
    return e;
  }
}
