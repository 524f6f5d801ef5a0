package io.kvflow.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.sweep.SweepPoint;
import io.kvflow.analysis.sweep.SweepRunner;
import io.kvflow.common.BadInputException;
import io.kvflow.common.Progress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * A sweep on Spark: every point is one task running {@link SweepRunner#run} on a copy of its trace
 * that Spark ships to the executor ({@code addFile}: any Hadoop-compatible path); rows come back to
 * the driver as JSON text, so the table is the local one, row for row.
 */
final class SparkSweep {
  private SparkSweep() {}

  static void run(SparkEngine engine, List<SweepPoint> points, Consumer<ObjectNode> finished, Progress progress) {
    if (points.isEmpty()) {
      return;
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(engine.session().sparkContext());
    Map<String, String> shipped = new HashMap<>();
    for (SweepPoint p : points) {
      String before = shipped.putIfAbsent(p.traceName(), p.trace());
      if (before == null) {
        engine.status(p.trace());
        jsc.addFile(p.trace());
      } else if (!before.equals(p.trace())) {
        throw new BadInputException(p.trace() + ": another trace of the sweep has the same file name (" + before
            + "); Spark ships traces by file name: rename one");
      }
    }
    AtomicLong done = new AtomicLong();
    String group = "kvflow-sweep-" + System.nanoTime();
    SparkListener listener = new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskInfo().successful()) {
          synchronized (progress) {
            progress.update(done.incrementAndGet(), points.size());
          }
        }
      }
    };
    jsc.sc().addSparkListener(listener);
    List<String> rows;
    try {
      jsc.setJobGroup(group, "kvflow sweep of " + points.size() + " points", true);
      rows = jsc.parallelize(points, points.size()).map(SparkSweep::runTask).collect();
    } finally {
      jsc.clearJobGroup();
      jsc.sc().removeSparkListener(listener);
    }
    for (String row : rows) {
      try {
        finished.accept((ObjectNode) SparkEngine.JSON.readTree(row));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a task returned a row that is not JSON: " + row, e);
      }
    }
  }

  /** One task: never throws, so one failing point cannot fail the job and lose the others. */
  private static String runTask(SweepPoint p) {
    try {
      return SweepRunner.runToJson(p, Path.of(SparkFiles.get(p.traceName())));
    } catch (Throwable t) {
      return SweepRunner.failed(p, t.getMessage() == null ? t.toString() : t.getMessage()).toString();
    }
  }
}
