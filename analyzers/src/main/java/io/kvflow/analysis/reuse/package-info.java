/** Reuse (stack) distance, miss-ratio curves, SHARDS sampling and cache sizing. */
package io.kvflow.analysis.reuse;
