/** Trace schema v1: the two trace kinds, their columns and file metadata, shared by every reader and writer. */
package io.kvflow.trace;
