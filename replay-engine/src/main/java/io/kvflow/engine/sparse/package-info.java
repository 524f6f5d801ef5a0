/** Sparse reads: which blocks a layer reads in a step (dense, top-k by attention mass, sink + recent window). */
package io.kvflow.engine.sparse;
