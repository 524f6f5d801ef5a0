package io.kvflow.engine.expand;

import java.util.Arrays;

/**
 * Records every call an access source makes on its sink, and on its clock when it is given one, in
 * primitive columns, so that two runs can be compared call by call.
 *
 * <p>As a clock it is driven by the stream it records: every access advances simulated time by
 * {@code nsPerAccess} per layer-access it stands for, every finished step by {@code nsPerStep}, so
 * the admission decisions of a source depend on what it emitted before, as under the timing model.
 */
final class CallRecorder implements AccessSink, AdmissionClock {
  static final byte ACCESS = 0;
  static final byte STARTED = 1;
  static final byte FINISHED = 2;
  static final byte STEP = 3;
  static final byte IDLE = 4;

  private final long nsPerAccess;
  private final long nsPerStep;
  private long nowNs;
  private int size;
  private byte[] kind = new byte[1024];
  private long[] key = new long[1024];
  private long[] requestId = new long[1024];
  private int[] op = new int[1024];
  private int[] weight = new int[1024];
  private int[] tokens = new int[1024];
  private int[] step = new int[1024];
  private int[] layer = new int[1024];
  private int[] flags = new int[1024];
  long idles;
  long accesses;

  CallRecorder(long nsPerAccess, long nsPerStep) {
    this.nsPerAccess = nsPerAccess;
    this.nsPerStep = nsPerStep;
  }

  private int next(byte k) {
    if (size == kind.length) {
      int n = size * 2;
      kind = Arrays.copyOf(kind, n);
      key = Arrays.copyOf(key, n);
      requestId = Arrays.copyOf(requestId, n);
      op = Arrays.copyOf(op, n);
      weight = Arrays.copyOf(weight, n);
      tokens = Arrays.copyOf(tokens, n);
      step = Arrays.copyOf(step, n);
      layer = Arrays.copyOf(layer, n);
      flags = Arrays.copyOf(flags, n);
    }
    kind[size] = k;
    return size++;
  }

  @Override
  public void access(long k, int o, int w, int t, long id, int s, int l, int f) {
    int i = next(ACCESS);
    key[i] = k;
    op[i] = o;
    weight[i] = w;
    tokens[i] = t;
    requestId[i] = id;
    step[i] = s;
    layer[i] = l;
    flags[i] = f;
    accesses++;
    nowNs += nsPerAccess * w;
  }

  @Override
  public void requestStarted(long id, long arrivalNs, int inputTokens, int outputTokens) {
    int i = next(STARTED);
    requestId[i] = id;
    key[i] = arrivalNs;
    tokens[i] = inputTokens;
    weight[i] = outputTokens;
  }

  @Override
  public void requestFinished(long id) {
    int i = next(FINISHED);
    requestId[i] = id;
  }

  @Override
  public void stepFinished(long iteration) {
    int i = next(STEP);
    key[i] = iteration;
    nowNs += nsPerStep;
  }

  @Override
  public long nowNs() {
    return nowNs;
  }

  @Override
  public void idleUntil(long ns) {
    int i = next(IDLE);
    key[i] = ns;
    idles++;
    nowNs = Math.max(nowNs, ns);
  }

  int size() {
    return size;
  }

  /** The number of calls of one kind. */
  long count(byte k) {
    long n = 0;
    for (int i = 0; i < size; i++) {
      n += kind[i] == k ? 1 : 0;
    }
    return n;
  }

  /** The most requests that were started and not yet finished at once. */
  int maxConcurrent() {
    int open = 0;
    int max = 0;
    for (int i = 0; i < size; i++) {
      open += kind[i] == STARTED ? 1 : kind[i] == FINISHED ? -1 : 0;
      max = Math.max(max, open);
    }
    return max;
  }

  /** Whether call {@code i} equals call {@code j} of {@code o}. */
  private boolean same(int i, CallRecorder o, int j) {
    return kind[i] == o.kind[j] && key[i] == o.key[j] && requestId[i] == o.requestId[j] && op[i] == o.op[j]
        && weight[i] == o.weight[j] && tokens[i] == o.tokens[j] && step[i] == o.step[j] && layer[i] == o.layer[j]
        && flags[i] == o.flags[j];
  }

  String describe(int i) {
    if (i >= size) {
      return "(no call: the stream ended after " + size + " calls)";
    }
    return switch (kind[i]) {
      case ACCESS -> "access(key=" + key[i] + ", op=" + op[i] + ", weight=" + weight[i] + ", tokens=" + tokens[i]
          + ", request=" + requestId[i] + ", step=" + step[i] + ", layer=" + layer[i] + ", flags=" + flags[i] + ")";
      case STARTED -> "requestStarted(" + requestId[i] + ", arrival=" + key[i] + ", input=" + tokens[i] + ", output="
          + weight[i] + ")";
      case FINISHED -> "requestFinished(" + requestId[i] + ")";
      case STEP -> "stepFinished(" + key[i] + ")";
      default -> "idleUntil(" + key[i] + ")";
    };
  }

  /** Null when both streams are the same call for call, else the first difference and its context. */
  String firstDifference(CallRecorder o) {
    int n = Math.min(size, o.size);
    int i = 0;
    while (i < n && same(i, o, i)) {
      i++;
    }
    if (i == n && size == o.size) {
      return null;
    }
    StringBuilder sb = new StringBuilder("streams differ at call " + i + " of " + size + " / " + o.size + ":\n");
    for (int k = Math.max(0, i - 3); k < i; k++) {
      sb.append("  both      ").append(describe(k)).append('\n');
    }
    sb.append("  expected  ").append(describe(i)).append('\n');
    sb.append("  actual    ").append(o.describe(i)).append('\n');
    return sb.toString();
  }
}
