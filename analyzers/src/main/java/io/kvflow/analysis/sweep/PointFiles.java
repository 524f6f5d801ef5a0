package io.kvflow.analysis.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.AtomicOutput;
import io.kvflow.common.Durability;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The result file of each finished sweep point under the sweep's {@code points/} directory, what
 * makes a sweep resumable. A file is written atomically and forced to the disk before its rename,
 * so it is complete or absent even after a power loss; one found empty, torn or not this point's
 * all the same (a disk, a copy or a hand went wrong) is reported as damaged and the point runs again.
 */
public final class PointFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a point's result file holds. */
  public enum Status {
    /** No file: the point has not run. */
    ABSENT,
    /** A file that is not this point's row (empty, torn, not JSON, other parameters): run it again. */
    DAMAGED,
    /** The point ran and failed: run it again. */
    FAILED,
    /** The point ran: its row is reused. */
    DONE
  }

  /**
   * A point's saved result.
   *
   * @param status what the file holds
   * @param row the saved row for {@link Status#DONE} and {@link Status#FAILED}, else null
   */
  public record Saved(Status status, ObjectNode row) {}

  private PointFiles() {}

  /** Saves {@code row}, the result of {@code p}, under {@code pointsDir}: atomic, forced to the disk. */
  public static void write(Path pointsDir, SweepPoint p, ObjectNode row) {
    AtomicOutput.writeBytes(pointsDir.resolve(p.resultFileName()), row.toString().getBytes(StandardCharsets.UTF_8),
        Durability.FORCED);
  }

  /** What an earlier run saved for {@code p} under {@code pointsDir}. */
  public static Saved read(Path pointsDir, SweepPoint p) {
    Path f = pointsDir.resolve(p.resultFileName());
    JsonNode row;
    try {
      row = JSON.readTree(Files.readAllBytes(f));
    } catch (NoSuchFileException e) {
      return new Saved(Status.ABSENT, null);
    } catch (IOException e) {
      return new Saved(Status.DAMAGED, null); // torn or not JSON (JsonProcessingException), or unreadable
    }
    if (!(row instanceof ObjectNode o) || !isRowOf(o, p)) {
      return new Saved(Status.DAMAGED, null);
    }
    return new Saved("ok".equals(o.get("status").asText()) ? Status.DONE : Status.FAILED, o);
  }

  /** Whether {@code row} is a complete row of {@code p}: its index, trace and parameters, a status, and the metrics of a success. */
  static boolean isRowOf(ObjectNode row, SweepPoint p) {
    JsonNode point = row.get("point");
    JsonNode trace = row.get("trace");
    JsonNode status = row.get("status");
    if (point == null || !point.isInt() || point.asInt() != p.index() || trace == null || !trace.isTextual()
        || !trace.asText().equals(p.traceName()) || status == null || !status.isTextual()) {
      return false;
    }
    for (int i = 0; i < p.paths().size(); i++) {
      JsonNode cell = row.get(p.paths().get(i));
      if (cell == null || !cell.isTextual() || !cell.asText().equals(p.cells().get(i))) {
        return false;
      }
    }
    return switch (status.asText()) {
      case "ok" -> row.path("first_tier_hit_ratio").isNumber();
      case "error" -> row.path("error").isTextual();
      default -> false;
    };
  }
}
