/** Report writers: report.json, CSV and the one-file HTML report. */
package io.kvflow.analysis.report;
