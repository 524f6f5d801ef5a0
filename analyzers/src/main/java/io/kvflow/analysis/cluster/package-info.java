/** The contract of engines that run sweeps and partitioned reuse studies outside this JVM, such as Spark. */
package io.kvflow.analysis.cluster;
