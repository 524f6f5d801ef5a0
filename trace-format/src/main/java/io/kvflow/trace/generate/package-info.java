/** Seeded synthetic workload generators: one file per workload, registered in {@link io.kvflow.trace.generate.Workload}. */
package io.kvflow.trace.generate;
