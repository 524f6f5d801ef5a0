package io.kvflow.engine.policy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Slow, obvious implementations of every policy, written from the papers' definitions with Java
 * collections, for differential tests against the fast primitive versions.
 */
final class ReferencePolicies {
  private ReferencePolicies() {}

  /** A reference cache: access returns hit or miss. */
  interface Ref {
    boolean access(long key);

    int size();
  }

  static Ref of(PolicyKind kind, int capacity, long[] trace) {
    return switch (kind) {
      case LRU -> new Lru(capacity);
      case FIFO -> new Fifo(capacity);
      case CLOCK -> new Clock(capacity);
      case LFU -> new Lfu(capacity);
      case ARC -> new Arc(capacity);
      case S3FIFO -> new S3Fifo(capacity);
      case SIEVE -> new Sieve(capacity);
      case HOT_WARM_COLD -> new HotWarmCold(capacity, capacity, 2);
      case STATIC -> new Static(capacity);
      case OPT -> new Opt(capacity, trace);
    };
  }

  static final class Lru implements Ref {
    final int c;
    final LinkedHashMap<Long, Boolean> map = new LinkedHashMap<>(16, 0.75f, true);

    Lru(int c) {
      this.c = c;
    }

    public boolean access(long k) {
      if (map.get(k) != null) {
        return true;
      }
      if (map.size() == c) {
        map.remove(map.keySet().iterator().next());
      }
      map.put(k, true);
      return false;
    }

    public int size() {
      return map.size();
    }
  }

  static final class Fifo implements Ref {
    final int c;
    final ArrayDeque<Long> queue = new ArrayDeque<>();
    final Set<Long> set = new HashSet<>();

    Fifo(int c) {
      this.c = c;
    }

    public boolean access(long k) {
      if (set.contains(k)) {
        return true;
      }
      if (set.size() == c) {
        set.remove(queue.pollFirst());
      }
      queue.addLast(k);
      set.add(k);
      return false;
    }

    public int size() {
      return set.size();
    }
  }

  /** A circular buffer of frames with a hand, as textbooks draw CLOCK. */
  static final class Clock implements Ref {
    final int c;
    final List<long[]> ring = new ArrayList<>(); // {key, ref}
    int hand;

    Clock(int c) {
      this.c = c;
    }

    public boolean access(long k) {
      for (long[] f : ring) {
        if (f[0] == k) {
          f[1] = 1;
          return true;
        }
      }
      if (ring.size() < c) {
        // fill in admission order; the hand stays on the oldest frame
        ring.add(new long[] {k, 0});
        return false;
      }
      while (ring.get(hand)[1] == 1) {
        ring.get(hand)[1] = 0;
        hand = (hand + 1) % c;
      }
      ring.set(hand, new long[] {k, 0});
      hand = (hand + 1) % c;
      return false;
    }

    public int size() {
      return ring.size();
    }
  }

  static final class Lfu implements Ref {
    final int c;
    final Map<Long, long[]> map = new HashMap<>(); // key -> {uses, lastTick}
    long tick;

    Lfu(int c) {
      this.c = c;
    }

    public boolean access(long k) {
      tick++;
      long[] e = map.get(k);
      if (e != null) {
        e[0]++;
        e[1] = tick;
        return true;
      }
      if (map.size() == c) {
        long victim = 0;
        long[] best = null;
        for (var en : map.entrySet()) {
          long[] v = en.getValue();
          if (best == null || v[0] < best[0] || (v[0] == best[0] && v[1] < best[1])) {
            best = v;
            victim = en.getKey();
          }
        }
        map.remove(victim);
      }
      map.put(k, new long[] {1, tick});
      return false;
    }

    public int size() {
      return map.size();
    }
  }

  /** ARC exactly as Figure 4 of Megiddo and Modha (FAST'03), with LinkedLists (head = MRU). */
  static final class Arc implements Ref {
    final int c;
    final LinkedList<Long> t1 = new LinkedList<>();
    final LinkedList<Long> t2 = new LinkedList<>();
    final LinkedList<Long> b1 = new LinkedList<>();
    final LinkedList<Long> b2 = new LinkedList<>();
    double p;

    Arc(int c) {
      this.c = c;
    }

    void replace(boolean xInB2) {
      if (!t1.isEmpty() && ((xInB2 && t1.size() == p) || t1.size() > p)) {
        b1.addFirst(t1.removeLast());
      } else {
        b2.addFirst(t2.removeLast());
      }
    }

    public boolean access(long x) {
      if (t1.contains(x) || t2.contains(x)) {
        t1.remove(x);
        t2.remove(x);
        t2.addFirst(x);
        return true;
      }
      if (b1.contains(x)) {
        p = Math.min(c, p + Math.max((double) b2.size() / b1.size(), 1));
        replace(false);
        b1.remove(x);
        t2.addFirst(x);
        return false;
      }
      if (b2.contains(x)) {
        p = Math.max(0, p - Math.max((double) b1.size() / b2.size(), 1));
        replace(true);
        b2.remove(x);
        t2.addFirst(x);
        return false;
      }
      if (t1.size() + b1.size() == c) {
        if (t1.size() < c) {
          b1.removeLast();
          replace(false);
        } else {
          t1.removeLast();
        }
      } else {
        int total = t1.size() + t2.size() + b1.size() + b2.size();
        if (total >= c) {
          if (total == 2 * c) {
            b2.removeLast();
          }
          replace(false);
        }
      }
      t1.addFirst(x);
      return false;
    }

    public int size() {
      return t1.size() + t2.size();
    }
  }

  static final class S3Fifo implements Ref {
    final int c;
    final int sTarget;
    final int gCap;
    final ArrayDeque<Long> s = new ArrayDeque<>(); // first = newest
    final ArrayDeque<Long> m = new ArrayDeque<>();
    final ArrayDeque<Long> g = new ArrayDeque<>();
    final Map<Long, Integer> freq = new HashMap<>();

    S3Fifo(int c) {
      this.c = c;
      this.sTarget = Math.max(1, (int) (c * 0.1));
      this.gCap = Math.max(1, c - sTarget);
    }

    public boolean access(long k) {
      Integer f = freq.get(k);
      if (f != null) {
        freq.put(k, Math.min(3, f + 1));
        return true;
      }
      boolean inGhost = g.remove(k);
      if (s.size() + m.size() == c) {
        evict();
      }
      freq.put(k, 0);
      (inGhost ? m : s).addFirst(k);
      return false;
    }

    void evict() {
      while (true) {
        if (s.size() >= sTarget || m.isEmpty()) {
          long t = s.pollLast();
          if (freq.get(t) >= 1) {
            freq.put(t, 0);
            m.addFirst(t);
          } else {
            freq.remove(t);
            g.addFirst(t);
            if (g.size() > gCap) {
              g.pollLast();
            }
            return;
          }
        } else {
          long t = m.pollLast();
          int f = freq.get(t);
          if (f > 0) {
            freq.put(t, f - 1);
            m.addFirst(t);
          } else {
            freq.remove(t);
            return;
          }
        }
      }
    }

    public int size() {
      return s.size() + m.size();
    }
  }

  /** SIEVE as the NSDI'24 paper's pseudocode: queue index 0 = head (newest). */
  static final class Sieve implements Ref {
    final int c;
    final List<long[]> queue = new ArrayList<>(); // {key, visited}
    int hand = -1; // index into queue, -1 = none

    Sieve(int c) {
      this.c = c;
    }

    public boolean access(long k) {
      for (long[] e : queue) {
        if (e[0] == k) {
          e[1] = 1;
          return true;
        }
      }
      if (queue.size() == c) {
        int o = hand < 0 ? queue.size() - 1 : hand;
        while (queue.get(o)[1] == 1) {
          queue.get(o)[1] = 0;
          o = o - 1;
          if (o < 0) {
            o = queue.size() - 1;
          }
        }
        hand = o - 1; // the newer neighbour; -1 when o was the head
        queue.remove(o);
        if (hand >= 0) {
          // indexes of entries newer than o are unchanged
        }
      }
      queue.add(0, new long[] {k, 0});
      if (hand >= 0) {
        hand++; // everything shifted by the insertion at the head
      }
      return false;
    }

    public int size() {
      return queue.size();
    }
  }

  static final class HotWarmCold implements Ref {
    final int c;
    final long window;
    final int threshold;
    final Map<Long, long[]> map = new HashMap<>(); // key -> {uses, lastTick}
    long tick;

    HotWarmCold(int c, long window, int threshold) {
      this.c = c;
      this.window = window;
      this.threshold = threshold;
    }

    public boolean access(long k) {
      tick++;
      long[] e = map.get(k);
      if (e != null) {
        e[0]++;
        e[1] = tick;
        return true;
      }
      if (map.size() == c) {
        // class 0 cold, 1 warm, 2 hot; evict the lowest class, least recently used within it
        long victim = 0;
        int bestClass = 3;
        long bestTick = Long.MAX_VALUE;
        for (var en : map.entrySet()) {
          long[] v = en.getValue();
          boolean hot = (tick - 1) - v[1] < window;
          int cls = hot ? 2 : v[0] >= threshold ? 1 : 0;
          if (cls < bestClass || (cls == bestClass && v[1] < bestTick)) {
            bestClass = cls;
            bestTick = v[1];
            victim = en.getKey();
          }
        }
        map.remove(victim);
      }
      map.put(k, new long[] {1, tick});
      return false;
    }

    public int size() {
      return map.size();
    }
  }

  static final class Static implements Ref {
    final int c;
    final Set<Long> set = new HashSet<>();

    Static(int c) {
      this.c = c;
    }

    public boolean access(long k) {
      if (set.contains(k)) {
        return true;
      }
      if (set.size() < c) {
        set.add(k);
      }
      return false;
    }

    public int size() {
      return set.size();
    }
  }

  /** Belady with bypass: next uses found by scanning the trace forward. */
  static final class Opt implements Ref {
    final int c;
    final long[] trace;
    final Set<Long> set = new HashSet<>();
    int pos;

    Opt(int c, long[] trace) {
      this.c = c;
      this.trace = trace;
    }

    long next(long key, int from) {
      for (int i = from; i < trace.length; i++) {
        if (trace[i] == key) {
          return i;
        }
      }
      return Long.MAX_VALUE;
    }

    public boolean access(long k) {
      int here = pos++;
      if (set.contains(k)) {
        return true;
      }
      long mine = next(k, here + 1);
      if (mine == Long.MAX_VALUE) {
        return false;
      }
      if (set.size() < c) {
        set.add(k);
        return false;
      }
      long farthestKey = 0;
      long farthest = -1;
      for (long r : set) {
        long n = next(r, here + 1);
        if (n > farthest) {
          farthest = n;
          farthestKey = r;
        }
      }
      if (farthest > mine) {
        set.remove(farthestKey);
        set.add(k);
      }
      return false;
    }

    public int size() {
      return set.size();
    }
  }
}
