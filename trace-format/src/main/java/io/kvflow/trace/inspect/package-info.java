/** Streaming statistics of a trace file, as {@code kvflow inspect} prints them. */
package io.kvflow.trace.inspect;
