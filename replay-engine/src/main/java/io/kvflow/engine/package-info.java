/** The replay engine: expansion of traces into KV accesses, tiered residency, policies and simulated time. */
package io.kvflow.engine;
