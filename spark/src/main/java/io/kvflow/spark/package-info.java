/** Apache Spark execution of sweeps (points as tasks) and of partitioned reuse studies (partitions as tasks). */
package io.kvflow.spark;
