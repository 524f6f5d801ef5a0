/** Analyzers subscribing to replay events and trace streams: reuse distance, miss-ratio curves, latency histograms, reports. */
package io.kvflow.analysis;
