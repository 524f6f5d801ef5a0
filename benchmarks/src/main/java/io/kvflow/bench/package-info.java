/** JMH and end-to-end benchmarks; never run as tests. */
package io.kvflow.bench;
