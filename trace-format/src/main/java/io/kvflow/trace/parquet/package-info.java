/** Parquet reading and writing of schema v1 traces: own write support, own codecs, page decoding into column batches. */
package io.kvflow.trace.parquet;
