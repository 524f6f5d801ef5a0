package io.kvflow.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.cluster.ClusterEngine;
import io.kvflow.analysis.sweep.SweepPoint;
import io.kvflow.common.BadInputException;
import io.kvflow.common.Progress;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code spark} engine: a Spark session ({@code local[*]} on loopback unless {@code spark.master}
 * is set, as spark-submit does), created on first use and stopped on close.
 */
public final class SparkEngine implements ClusterEngine {
  static final ObjectMapper JSON = new ObjectMapper();
  private SparkSession session;

  @Override
  public String name() {
    return "spark";
  }

  /** The session, started on first use. */
  SparkSession session() {
    if (session == null) {
      if (System.getProperty("log4j2.configurationFile") == null) {
        System.setProperty("log4j2.configurationFile", "kvflow-spark-log4j2.properties");
      }
      SparkSession.Builder b = SparkSession.builder().appName("kvflow");
      if (System.getProperty("spark.master") == null) {
        b.master("local[*]")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.ui.enabled", "false");
      }
      session = b.getOrCreate();
    }
    return session;
  }

  @Override
  public String traceIdentity(String trace) {
    FileStatus st = status(trace);
    metadata(st); // not a trace at all: one line now, before any task runs
    return st.getPath() + "|" + st.getLen() + "|" + st.getModificationTime();
  }

  /** The file status of {@code trace} on its file system, or a one-line error naming it. */
  FileStatus status(String trace) {
    try {
      Path p = new Path(trace);
      FileStatus st = p.getFileSystem(session().sparkContext().hadoopConfiguration()).getFileStatus(p);
      if (!st.isFile()) {
        throw new BadInputException(trace + ": not a file (a trace is one Parquet file)");
      }
      return st;
    } catch (FileNotFoundException e) {
      throw new BadInputException(trace + ": no such trace file");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + trace, e);
    }
  }

  @Override
  public void sweep(List<SweepPoint> points, Consumer<ObjectNode> finished, Progress progress) {
    SparkSweep.run(this, points, finished, progress);
  }

  @Override
  public ObjectNode partitionedReuse(String trace, int partitions, long seed, List<Long> sizes) {
    return SparkReuse.run(this, trace, partitions, seed, sizes);
  }

  @Override
  public void close() {
    if (session != null) {
      session.stop();
      session = null;
    }
  }

  /** The trace's schema-v1 metadata from the Parquet footer, or a one-line error. */
  TraceMetadata metadata(FileStatus st) {
    Map<String, String> kv;
    try (ParquetFileReader r = ParquetFileReader.open(
        HadoopInputFile.fromStatus(st, session().sparkContext().hadoopConfiguration()))) {
      kv = r.getFooter().getFileMetaData().getKeyValueMetaData();
    } catch (IOException | RuntimeException e) {
      // parquet-java reports a short or footerless file with a RuntimeException
      throw new BadInputException(st.getPath() + ": not a Parquet trace file (" + e.getMessage() + ")");
    }
    TraceKind kind = TraceKind.fromWireName(kv.get(TraceMetadata.KEY_KIND));
    if (kind == null) {
      throw new BadInputException(st.getPath() + ": footer key " + TraceMetadata.KEY_KIND
          + " is missing or unknown; expected a KVFlow schema v1 trace (kvflow import converts other formats)");
    }
    int blockTokens;
    try {
      blockTokens = Integer.parseInt(kv.getOrDefault(TraceMetadata.KEY_BLOCK_TOKENS, ""));
    } catch (NumberFormatException e) {
      throw new BadInputException(st.getPath() + ": footer key " + TraceMetadata.KEY_BLOCK_TOKENS
          + " must be a positive integer");
    }
    return TraceMetadata.of(kind, Math.max(1, blockTokens), kv.get(TraceMetadata.KEY_SOURCE));
  }
}
