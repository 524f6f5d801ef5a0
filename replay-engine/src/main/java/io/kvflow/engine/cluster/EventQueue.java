package io.kvflow.engine.cluster;

import java.util.Arrays;

/**
 * A min-heap of timed events in primitive arrays: earliest time first, events of the same time in
 * the order they were added (so a replay is deterministic). Each event carries an int.
 */
final class EventQueue {
  private long[] time = new long[64];
  private long[] order = new long[64];
  private int[] payload = new int[64];
  private int size;
  private long added;

  void add(long timeNs, int value) {
    if (size == time.length) {
      time = Arrays.copyOf(time, size * 2);
      order = Arrays.copyOf(order, size * 2);
      payload = Arrays.copyOf(payload, size * 2);
    }
    int i = size++;
    time[i] = timeNs;
    order[i] = added++;
    payload[i] = value;
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (!before(i, parent)) {
        break;
      }
      swap(i, parent);
      i = parent;
    }
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The earliest event's time (the queue must not be empty). */
  long peekTime() {
    return time[0];
  }

  /** Removes the earliest event and returns its value. */
  int poll() {
    int v = payload[0];
    size--;
    if (size > 0) {
      time[0] = time[size];
      order[0] = order[size];
      payload[0] = payload[size];
      int i = 0;
      while (true) {
        int l = 2 * i + 1;
        if (l >= size) {
          break;
        }
        int c = l + 1 < size && before(l + 1, l) ? l + 1 : l;
        if (!before(c, i)) {
          break;
        }
        swap(i, c);
        i = c;
      }
    }
    return v;
  }

  private boolean before(int a, int b) {
    return time[a] < time[b] || (time[a] == time[b] && order[a] < order[b]);
  }

  private void swap(int a, int b) {
    long t = time[a];
    time[a] = time[b];
    time[b] = t;
    long o = order[a];
    order[a] = order[b];
    order[b] = o;
    int p = payload[a];
    payload[a] = payload[b];
    payload[b] = p;
  }
}
