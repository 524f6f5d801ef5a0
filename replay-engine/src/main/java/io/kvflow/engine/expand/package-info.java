/** Expansion of traces into block accesses pushed to a sink, lazily and in bounded memory. */
package io.kvflow.engine.expand;
