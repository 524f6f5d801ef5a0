/** The timing model: a simulated clock, DMA links, the compute roofline, and layer-ahead prefetch overlapped with compute. */
package io.kvflow.engine.time;
