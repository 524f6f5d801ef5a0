package io.kvflow.trace.parquet;

import io.kvflow.trace.TraceFormatException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;

/**
 * Names the column and page at fault when parquet-java cannot load a row group (a CRC32 mismatch,
 * an unreadable page header, a page count that disagrees with the footer): parquet-java's own
 * exceptions name neither.
 *
 * <p>First the row group's chunks are walked page by page from the file ({@link PageWalk}); if no
 * page is at fault, each column is loaded alone to find the one that fails. Runs only after a
 * failure, so its cost does not matter.
 */
final class RowGroupDiagnosis {
  private RowGroupDiagnosis() {}

  /**
   * The one-line error for row group {@code index} of {@code path}, which failed to load with
   * {@code failure}; {@code columns} are the columns being read (name to descriptor). Leaves
   * {@code reader} unusable for further reads.
   */
  static TraceFormatException unreadable(Path path, ParquetFileReader reader, int index,
      Map<String, ColumnDescriptor> columns, Exception failure) {
    String file = path.toString();
    List<BlockMetaData> groups = reader.getRowGroups();
    if (index >= 0 && index < groups.size()) {
      TraceFormatException atPage = walkPages(path, file, index, groups.get(index), columns);
      if (atPage != null) {
        return atPage;
      }
      for (var e : columns.entrySet()) {
        try {
          reader.setRequestedSchema(List.of(e.getValue()));
          reader.readRowGroup(index);
        } catch (IOException | RuntimeException columnFailure) {
          return TraceFormatException.atChunk(file, index, e.getKey(),
              "unreadable column chunk (" + Causes.oneLine(columnFailure) + ")");
        }
      }
    }
    return new TraceFormatException(file + ": row group " + index + ": unreadable (" + Causes.oneLine(failure)
        + "); the file is truncated or damaged: write it again or copy it again from a good source");
  }

  private static TraceFormatException walkPages(Path path, String file, int index, BlockMetaData group,
      Map<String, ColumnDescriptor> columns) {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = channel.size();
      for (ColumnChunkMetaData chunk : group.getColumns()) {
        String name = chunk.getPath().toArray()[0];
        if (!columns.containsKey(name)) {
          continue;
        }
        PageWalk.Result walk = PageWalk.walk(channel, size, index, chunk);
        if (!walk.ok()) {
          return walk.problemPage() == PageWalk.WHOLE_CHUNK
              ? TraceFormatException.atChunk(file, index, name, walk.problem())
              : TraceFormatException.atPage(file, index, name, walk.problemPage(), walk.problem());
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall back to loading column by column
    }
    return null;
  }
}
