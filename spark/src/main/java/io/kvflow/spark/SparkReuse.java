package io.kvflow.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.udf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.reuse.PartitionedReuse;
import io.kvflow.analysis.reuse.ReuseDistanceAnalyzer;
import io.kvflow.analysis.reuse.ReuseStudy;
import io.kvflow.common.BadInputException;
import io.kvflow.common.Hashing;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.TraceSchema;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A partitioned reuse study on Spark. Spark reads the trace's Parquet file (any Hadoop-compatible
 * path) and numbers the references in file order; a shuffle sends each reference to the partition
 * its block hashes to ({@link PartitionedReuse#partitionOf}, so every block lands in exactly one),
 * sorted back into file order; each partition's exact stack distances are computed in one task and
 * the driver combines the partitions' curves. Same partitions, same study as the local
 * {@code --partitions} run, byte for byte.
 */
final class SparkReuse {
  private static final StructType REFERENCES = new StructType()
      .add("ord", DataTypes.LongType, false)
      .add("idx", DataTypes.IntegerType, false)
      .add("block", DataTypes.LongType, false);

  private SparkReuse() {}

  static ObjectNode run(SparkEngine engine, String trace, int partitions, long seed, List<Long> sizes) {
    FileStatus st = engine.status(trace);
    TraceMetadata meta = engine.metadata(st);
    Dataset<Row> file = engine.session().read().parquet(trace);
    Dataset<Row> refs;
    if (meta.kind() == TraceKind.ACCESSES) {
      // the block of every READ and WRITE row, numbered in file order
      refs = file.select(col(TraceSchema.BLOCK), col(TraceSchema.OP))
          .withColumn("ord", monotonically_increasing_id())
          .filter(col(TraceSchema.OP).isin((int) AccessOp.READ.code(), (int) AccessOp.WRITE.code()))
          .select(col("ord"), lit(0).as("idx"), col(TraceSchema.BLOCK).as("block"));
    } else {
      // each request's input blocks in order; a request without hashes gets keys of its own
      int blockTokens = meta.blockTokens();
      refs = file.select(col(TraceSchema.REQUEST_ID), col(TraceSchema.INPUT_TOKENS), col(TraceSchema.BLOCK_HASHES))
          .withColumn("ord", monotonically_increasing_id())
          .flatMap((FlatMapFunction<Row, Row>) r -> requestBlocks(r, blockTokens), Encoders.row(REFERENCES));
    }
    UDF1<Long, Integer> partitionOf = block -> PartitionedReuse.partitionOf(block, partitions, seed);
    Dataset<Row> sorted = refs
        .withColumn("part", udf(partitionOf, DataTypes.IntegerType).apply(col("block")))
        .repartition(partitions, col("part"))
        .sortWithinPartitions("part", "ord", "idx");
    List<PartitionedReuse.Part> parts = new ArrayList<>(sorted.select("part", "block").javaRDD()
        .mapPartitions(SparkReuse::analyse).collect());
    boolean[] seen = new boolean[partitions];
    for (PartitionedReuse.Part p : parts) {
      seen[p.index()] = true;
    }
    for (int i = 0; i < partitions; i++) {
      if (!seen[i]) {
        parts.add(new PartitionedReuse.Part(i, 0, 0, 0, new long[0]));
      }
    }
    return ReuseStudy.partitioned(st.getPath().getName(), seed, parts, sizes);
  }

  /** One task: the rows of several block partitions, each contiguous and in file order. */
  private static Iterator<PartitionedReuse.Part> analyse(Iterator<Row> rows) {
    List<PartitionedReuse.Part> out = new ArrayList<>();
    int current = -1;
    ReuseDistanceAnalyzer a = null;
    while (rows.hasNext()) {
      Row r = rows.next();
      int part = r.getInt(0);
      if (part != current) {
        if (a != null) {
          out.add(PartitionedReuse.Part.of(current, a));
        }
        current = part;
        a = new ReuseDistanceAnalyzer();
      }
      a.access(r.getLong(1));
    }
    if (a != null) {
      out.add(PartitionedReuse.Part.of(current, a));
    }
    return out.iterator();
  }

  private static Iterator<Row> requestBlocks(Row r, int blockTokens) {
    long ord = r.getLong(3);
    List<Object> hashes = r.getList(2);
    List<Row> out = new ArrayList<>();
    if (!hashes.isEmpty()) {
      for (int k = 0; k < hashes.size(); k++) {
        out.add(RowFactory.create(ord, k, hashes.get(k)));
      }
    } else {
      long requestId = r.getLong(0);
      long blocks = (r.getInt(1) + (long) blockTokens - 1) / blockTokens;
      for (int k = 0; k < blocks; k++) {
        out.add(RowFactory.create(ord, k, Hashing.chain(Hashing.chain(0x7072_6976L, requestId), k)));
      }
    }
    return out.iterator();
  }
}
