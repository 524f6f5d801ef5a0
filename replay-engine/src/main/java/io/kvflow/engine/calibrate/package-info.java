/** Fitting a hardware profile's compute and copy constants to measured step times ({@code kvflow calibrate}). */
package io.kvflow.engine.calibrate;
