/** Reuse (stack) distance, miss-ratio curves (flat, prefix-aware, offline optimum), SHARDS sampling and cache sizing. */
package io.kvflow.analysis.reuse;
