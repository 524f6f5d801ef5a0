/** The {@code kvflow} command line: subcommands, exit codes, progress display. */
package io.kvflow.cli;
