package io.kvflow.analysis.listen;

import io.kvflow.common.BadInputException;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.time.TimedListener;
import java.lang.reflect.RecordComponent;
import java.util.List;

/**
 * Refuses a replay in which a 64-bit figure wrapped around, so that no result is ever reported with
 * a count, byte figure or time that overflowed.
 *
 * <p>The config's rules bound every size, rate and fixed cost, and the sizes a trace's block size
 * derives ({@code ReplayConfig.checkApplies}), but counts and the simulated clock also grow with the
 * trace's length, which nothing knows before the replay. So the clock is watched step by step: every
 * step adds less than 2^64 ns to it, so a clock that passed 2^63 - 1 reads less than it did at the
 * step before, and the first such step is named. At the end every count, byte figure and time of the
 * result must be non-negative (each is a sum of non-negative parts). A wrap ends the replay with one
 * line (exit 2): the config asks for more than 64 bits can count for this trace.
 */
public final class OverflowGuard implements ReplayListener, TimedListener {
  private final String what;
  private long previousStartNs;

  /** A guard for the replay {@code what} names (trace and config, for the message). */
  public OverflowGuard(String what) {
    this.what = what;
  }

  /** Accesses are not looked at: nothing to do for a run of them either. */
  @Override
  public void firstTierHits(io.kvflow.engine.HitRun run) {}

  @Override
  public void stepTimed(long step, long startNs, long stepNs, long stallNs, long computeNs) {
    if (startNs < previousStartNs || stepNs < 0 || stallNs < 0 || computeNs < 0 || startNs + stepNs < startNs) {
      throw wrapped("the simulated clock at step " + step + " (start " + startNs + " ns after " + previousStartNs
          + " ns, step " + stepNs + " ns)");
    }
    previousStartNs = startNs;
  }

  @Override
  public void requestTimed(long requestId, long ttftNs, long tpotNs, long e2eNs) {
    if (ttftNs < 0 || e2eNs < 0 || tpotNs < -1) {
      throw wrapped("the times of request " + requestId + " (ttft " + ttftNs + " ns, e2e " + e2eNs + " ns)");
    }
  }

  @Override
  public void transferTimed(int link, long latencyNs) {
    if (latencyNs < 0) {
      throw wrapped("a transfer's time on link " + link + " (" + latencyNs + " ns)");
    }
  }

  @Override
  public void finished(ReplayResult result) {
    check(result, what);
  }

  /** Refuses {@code result} if any of its counts, byte figures or times is negative (it wrapped). */
  public static void check(ReplayResult result, String what) {
    String at = negative(result, "result");
    if (at != null) {
      throw new OverflowGuard(what).wrapped(at);
    }
  }

  /** The path of the first negative long inside {@code value}'s records and lists of records, or null. */
  private static String negative(Object value, String path) {
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        String at = negative(list.get(i), path + "[" + i + "]");
        if (at != null) {
          return at;
        }
      }
      return null;
    }
    if (value == null || !value.getClass().isRecord()) {
      return null; // occupancy samples (long[], -1: no clock), strings and other values are not sums
    }
    for (RecordComponent c : value.getClass().getRecordComponents()) {
      Object v;
      try {
        v = c.getAccessor().invoke(value);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + path + "." + c.getName(), e);
      }
      String at = path + "." + c.getName();
      if (c.getType() == long.class && (Long) v < 0) {
        return at + " = " + v;
      }
      String inner = negative(v, at);
      if (inner != null) {
        return inner;
      }
    }
    return null;
  }

  private BadInputException wrapped(String figure) {
    return new BadInputException(what + ": a 64-bit figure wrapped around (" + figure + "): the config's sizes, "
        + "rates or costs make more than 2^63 bytes, accesses or nanoseconds for this trace; lower the capacities, "
        + "raise the bandwidths or lower the overheads");
  }
}
