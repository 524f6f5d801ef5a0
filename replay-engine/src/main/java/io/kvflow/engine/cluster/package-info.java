/** A serving cluster in the replay: engine instances stepped on one simulated clock, a router between them. */
package io.kvflow.engine.cluster;
