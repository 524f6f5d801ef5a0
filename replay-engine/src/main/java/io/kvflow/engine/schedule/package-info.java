/** Continuous batching of a requests trace: which requests run each iteration, which wait, stop and resume. */
package io.kvflow.engine.schedule;
