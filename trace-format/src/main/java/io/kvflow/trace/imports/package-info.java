/** Importers of real trace formats into schema v1: one file per format, registered in {@link io.kvflow.trace.imports.ImportFormat}. */
package io.kvflow.trace.imports;
