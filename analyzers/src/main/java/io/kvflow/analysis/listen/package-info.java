/** Analyzers that subscribe to a replay's events. */
package io.kvflow.analysis.listen;
