/** Sweeps: one replay per point of a grid of config values, run in parallel, resumable, as one table. */
package io.kvflow.analysis.sweep;
