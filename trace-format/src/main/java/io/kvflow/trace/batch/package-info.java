/** Arrow-backed column batches that carry trace rows between modules, refilled in place with no object per row. */
package io.kvflow.trace.batch;
