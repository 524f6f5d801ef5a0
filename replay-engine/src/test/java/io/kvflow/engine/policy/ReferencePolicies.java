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
 * collections, for differential tests against the fast primitive versions (PolicyContractTest) and
 * as the tiers of the whole-hierarchy reference (ReferenceHierarchy).
 *
 * <p>Each has the split API of docs/model.md: {@link Ref#touch} (a hit: state updated, nothing
 * admitted; false and nothing changed when the key is absent), {@link Ref#admit} (a key that is not
 * resident: INSERTED, EVICTED with {@link Ref#victim()}, or REJECTED), {@link Ref#remove} (no ghost
 * left, no eviction counted) and the pure {@link Ref#wouldAdmit}. {@link Ref#access} is touch, else
 * admit. No policy with free space evicts: a removal leaves room that the next admission takes.
 */
public final class ReferencePolicies {
  private ReferencePolicies() {}

  /** A reference cache of keys with the policy API's outcomes and counters. */
  public interface Ref {
    /** A hit: true and the key's state updated if resident; false and nothing changed if not. */
    boolean touch(long key);

    /** Offers a key that is not resident: INSERTED, EVICTED (see {@link #victim()}) or REJECTED. */
    int admit(long key);

    /** The key evicted by the last admit whose outcome was EVICTED. */
    long victim();

    /** Takes a resident key out without leaving a ghost or counting an eviction; false if absent. */
    boolean remove(long key);

    boolean contains(long key);

    /** Whether {@link #admit} would take the key now; changes nothing. */
    boolean wouldAdmit(long key);

    /** Key-only access: touch on a hit (true), else admit (false). */
    default boolean access(long key) {
      if (touch(key)) {
        return true;
      }
      admit(key);
      return false;
    }

    int size();

    /** Keys admitted. */
    long insertions();

    /** Keys evicted to make room (not removals). */
    long evictions();

    /** Evicted keys that had no touch since they were admitted. */
    long evictedUnused();

    /** The resident keys (a copy). */
    Set<Long> keys();
  }

  /**
   * A reference policy of a kind. {@code lookups} is the sequence of keys the policy will see
   * through touch and admit (OPT's future; ignored by the others).
   */
  public static Ref of(PolicyKind kind, int capacity, long hotWindow, int warmThreshold, long[] lookups) {
    return switch (kind) {
      case LRU -> new Lru(capacity);
      case FIFO -> new Fifo(capacity);
      case CLOCK -> new Clock(capacity);
      case LFU -> new Lfu(capacity);
      case ARC -> new Arc(capacity);
      case S3FIFO -> new S3Fifo(capacity);
      case SIEVE -> new Sieve(capacity);
      case HOT_WARM_COLD -> new HotWarmCold(capacity, hotWindow > 0 ? hotWindow : capacity, warmThreshold);
      case STATIC -> new Static(capacity);
      case OPT -> new Opt(capacity, lookups);
    };
  }

  public static Ref of(PolicyKind kind, int capacity, long[] lookups) {
    return of(kind, capacity, 0, 2, lookups);
  }

  /** The counters and the "touched since admission" set every policy keeps the same way. */
  abstract static class Base implements Ref {
    final int c;
    private final Set<Long> touched = new HashSet<>();
    private long victim;
    private long insertions;
    private long evictions;
    private long evictedUnused;

    Base(int c) {
      if (c <= 0) {
        throw new IllegalArgumentException("capacity " + c);
      }
      this.c = c;
    }

    /** A hit on resident {@code k}. */
    abstract void hit(long k);

    /** Takes resident {@code k} out, leaving no ghost. */
    abstract void unlink(long k);

    /** Places non-resident {@code k}: INSERTED, {@link #evicted}(victim), or REJECTED. */
    abstract int place(long k);

    final boolean full() {
      return size() >= c;
    }

    final int evicted(long v) {
      victim = v;
      return EvictionPolicy.EVICTED;
    }

    @Override
    public boolean wouldAdmit(long key) {
      return true;
    }

    @Override
    public final boolean touch(long key) {
      if (!contains(key)) {
        return false;
      }
      hit(key);
      touched.add(key);
      return true;
    }

    @Override
    public final int admit(long key) {
      if (contains(key)) {
        throw new IllegalStateException("admit of resident key " + key);
      }
      int out = place(key);
      if (out == EvictionPolicy.EVICTED) {
        evictions++;
        if (!touched.remove(victim)) {
          evictedUnused++;
        }
      }
      if (out != EvictionPolicy.REJECTED) {
        insertions++;
        touched.remove(key);
        if (size() > c || !contains(key)) {
          throw new IllegalStateException("reference policy broken admitting " + key);
        }
      }
      return out;
    }

    @Override
    public final boolean remove(long key) {
      if (!contains(key)) {
        return false;
      }
      unlink(key);
      touched.remove(key);
      return true;
    }

    @Override
    public final long victim() {
      return victim;
    }

    @Override
    public final long insertions() {
      return insertions;
    }

    @Override
    public final long evictions() {
      return evictions;
    }

    @Override
    public final long evictedUnused() {
      return evictedUnused;
    }
  }

  static final class Lru extends Base {
    final LinkedHashMap<Long, Boolean> map = new LinkedHashMap<>(16, 0.75f, true); // eldest first

    Lru(int c) {
      super(c);
    }

    public boolean contains(long k) {
      return map.containsKey(k);
    }

    void hit(long k) {
      map.get(k);
    }

    void unlink(long k) {
      map.remove(k);
    }

    int place(long k) {
      if (full()) {
        long v = map.keySet().iterator().next();
        map.remove(v);
        map.put(k, true);
        return evicted(v);
      }
      map.put(k, true);
      return EvictionPolicy.INSERTED;
    }

    public int size() {
      return map.size();
    }

    public Set<Long> keys() {
      return new HashSet<>(map.keySet());
    }
  }

  static final class Fifo extends Base {
    final ArrayDeque<Long> queue = new ArrayDeque<>(); // first = oldest admitted
    final Set<Long> set = new HashSet<>();

    Fifo(int c) {
      super(c);
    }

    public boolean contains(long k) {
      return set.contains(k);
    }

    void hit(long k) {}

    void unlink(long k) {
      queue.remove(k);
      set.remove(k);
    }

    int place(long k) {
      int out = EvictionPolicy.INSERTED;
      if (full()) {
        long v = queue.pollFirst();
        set.remove(v);
        out = evicted(v);
      }
      queue.addLast(k);
      set.add(k);
      return out;
    }

    public int size() {
      return set.size();
    }

    public Set<Long> keys() {
      return new HashSet<>(set);
    }
  }

  /**
   * A circular buffer of frames with a hand at the oldest, as textbooks draw CLOCK: a new key takes
   * the frame just behind the hand (the newest position); a removal closes its frame.
   */
  static final class Clock extends Base {
    final List<long[]> ring = new ArrayList<>(); // {key, referenced}
    int hand;

    Clock(int c) {
      super(c);
    }

    int indexOf(long k) {
      for (int i = 0; i < ring.size(); i++) {
        if (ring.get(i)[0] == k) {
          return i;
        }
      }
      return -1;
    }

    public boolean contains(long k) {
      return indexOf(k) >= 0;
    }

    void hit(long k) {
      ring.get(indexOf(k))[1] = 1;
    }

    void unlink(long k) {
      int i = indexOf(k);
      ring.remove(i);
      if (i < hand) {
        hand--;
      }
      if (hand >= ring.size()) {
        hand = 0;
      }
    }

    int place(long k) {
      if (!full()) {
        ring.add(hand, new long[] {k, 0});
        hand = (hand + 1) % ring.size();
        return EvictionPolicy.INSERTED;
      }
      while (ring.get(hand)[1] == 1) {
        ring.get(hand)[1] = 0;
        hand = (hand + 1) % ring.size();
      }
      long v = ring.get(hand)[0];
      ring.set(hand, new long[] {k, 0});
      hand = (hand + 1) % ring.size();
      return evicted(v);
    }

    public int size() {
      return ring.size();
    }

    public Set<Long> keys() {
      Set<Long> s = new HashSet<>();
      for (long[] f : ring) {
        s.add(f[0]);
      }
      return s;
    }
  }

  /** Fewest uses since admission (admission counts one), least recently used among equals. */
  static final class Lfu extends Base {
    final Map<Long, long[]> map = new HashMap<>(); // key -> {uses, lastTick}
    long tick;

    Lfu(int c) {
      super(c);
    }

    public boolean contains(long k) {
      return map.containsKey(k);
    }

    void hit(long k) {
      long[] e = map.get(k);
      e[0]++;
      e[1] = ++tick;
    }

    void unlink(long k) {
      map.remove(k);
    }

    int place(long k) {
      int out = EvictionPolicy.INSERTED;
      if (full()) {
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
        out = evicted(victim);
      }
      map.put(k, new long[] {1, ++tick});
      return out;
    }

    public int size() {
      return map.size();
    }

    public Set<Long> keys() {
      return new HashSet<>(map.keySet());
    }
  }

  /**
   * ARC exactly as Figure 4 of Megiddo and Modha (FAST'03), with LinkedLists (head = MRU). Case I
   * is {@link #touch}; cases II-IV are {@link #admit}. REPLACE runs only when the cache is full: in
   * the paper the cache is always full when a ghost is hit or case IV replaces; after a removal it
   * may not be, and then the key takes the free frame (ghost bookkeeping and p as in the paper).
   */
  static final class Arc extends Base {
    final LinkedList<Long> t1 = new LinkedList<>();
    final LinkedList<Long> t2 = new LinkedList<>();
    final LinkedList<Long> b1 = new LinkedList<>();
    final LinkedList<Long> b2 = new LinkedList<>();
    double p;

    Arc(int c) {
      super(c);
    }

    public boolean contains(long k) {
      return t1.contains(k) || t2.contains(k);
    }

    /** REPLACE(x, p): moves the LRU of T1 or of T2 to its ghost list and returns it. */
    long replace(boolean xInB2) {
      if (!t1.isEmpty() && ((xInB2 && t1.size() == p) || t1.size() > p)) {
        long v = t1.removeLast();
        b1.addFirst(v);
        return v;
      }
      if (t2.isEmpty()) { // not reachable with the paper's invariants; keeps the cache from overflowing
        long v = t1.removeLast();
        b1.addFirst(v);
        return v;
      }
      long v = t2.removeLast();
      b2.addFirst(v);
      return v;
    }

    void hit(long x) {
      if (!t1.remove(x)) {
        t2.remove(x);
      }
      t2.addFirst(x);
    }

    void unlink(long x) {
      if (!t1.remove(x)) {
        t2.remove(x);
      }
    }

    int place(long x) {
      int out = EvictionPolicy.INSERTED;
      if (b1.contains(x)) { // case II
        p = Math.min(c, p + Math.max((double) b2.size() / b1.size(), 1));
        b1.remove(x);
        if (full()) {
          out = evicted(replace(false));
        }
        t2.addFirst(x);
        return out;
      }
      if (b2.contains(x)) { // case III
        p = Math.max(0, p - Math.max((double) b1.size() / b2.size(), 1));
        b2.remove(x);
        if (full()) {
          out = evicted(replace(true));
        }
        t2.addFirst(x);
        return out;
      }
      // case IV
      if (t1.size() + b1.size() == c) {
        if (t1.size() < c) {
          b1.removeLast();
          if (full()) {
            out = evicted(replace(false));
          }
        } else {
          out = evicted(t1.removeLast()); // no ghost
        }
      } else {
        int total = t1.size() + t2.size() + b1.size() + b2.size();
        if (total >= c) {
          if (total == 2 * c) {
            b2.removeLast();
          }
          if (full()) {
            out = evicted(replace(false));
          }
        }
      }
      t1.addFirst(x);
      return out;
    }

    public int size() {
      return t1.size() + t2.size();
    }

    public Set<Long> keys() {
      Set<Long> s = new HashSet<>(t1);
      s.addAll(t2);
      return s;
    }
  }

  /**
   * S3-FIFO (Yang et al., SOSP'23), original algorithm: small FIFO S of 10% (at least one), main
   * FIFO M, ghost FIFO G as large as M; a 2-bit frequency capped at 3.
   */
  static final class S3Fifo extends Base {
    final int sTarget;
    final int gCap;
    final ArrayDeque<Long> s = new ArrayDeque<>(); // first = newest
    final ArrayDeque<Long> m = new ArrayDeque<>();
    final ArrayDeque<Long> g = new ArrayDeque<>();
    final Map<Long, Integer> freq = new HashMap<>();

    S3Fifo(int c) {
      super(c);
      this.sTarget = Math.max(1, (int) (c * 0.1));
      this.gCap = Math.max(1, c - sTarget);
    }

    public boolean contains(long k) {
      return freq.containsKey(k);
    }

    void hit(long k) {
      freq.put(k, Math.min(3, freq.get(k) + 1));
    }

    void unlink(long k) {
      if (!s.remove(k)) {
        m.remove(k);
      }
      freq.remove(k);
    }

    int place(long k) {
      boolean inGhost = g.remove(k);
      int out = EvictionPolicy.INSERTED;
      if (full()) {
        out = evicted(evict());
      }
      freq.put(k, 0);
      (inGhost ? m : s).addFirst(k);
      return out;
    }

    long evict() {
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
            return t;
          }
        } else {
          long t = m.pollLast();
          int f = freq.get(t);
          if (f > 0) {
            freq.put(t, f - 1);
            m.addFirst(t);
          } else {
            freq.remove(t);
            return t;
          }
        }
      }
    }

    public int size() {
      return s.size() + m.size();
    }

    public Set<Long> keys() {
      return new HashSet<>(freq.keySet());
    }
  }

  /**
   * SIEVE as the NSDI'24 paper's pseudocode: queue index 0 = head (newest), the hand moves from the
   * tail toward the head and stays where it stopped; removing the hand's key moves it to the newer
   * neighbour.
   */
  static final class Sieve extends Base {
    final List<long[]> queue = new ArrayList<>(); // {key, visited}
    int hand = -1; // index into queue, -1 = none (start at the tail)

    Sieve(int c) {
      super(c);
    }

    int indexOf(long k) {
      for (int i = 0; i < queue.size(); i++) {
        if (queue.get(i)[0] == k) {
          return i;
        }
      }
      return -1;
    }

    public boolean contains(long k) {
      return indexOf(k) >= 0;
    }

    void hit(long k) {
      queue.get(indexOf(k))[1] = 1;
    }

    void unlink(long k) {
      int i = indexOf(k);
      if (hand == i) {
        hand = i - 1;
      } else if (hand > i) {
        hand--;
      }
      queue.remove(i);
    }

    int place(long k) {
      int out = EvictionPolicy.INSERTED;
      if (full()) {
        int o = hand < 0 ? queue.size() - 1 : hand;
        while (queue.get(o)[1] == 1) {
          queue.get(o)[1] = 0;
          o = o - 1;
          if (o < 0) {
            o = queue.size() - 1;
          }
        }
        hand = o - 1; // the newer neighbour; -1 when o was the head
        out = evicted(queue.remove(o)[0]);
      }
      queue.add(0, new long[] {k, 0});
      if (hand >= 0) {
        hand++; // everything shifted by the insertion at the head
      }
      return out;
    }

    public int size() {
      return queue.size();
    }

    public Set<Long> keys() {
      Set<Long> s = new HashSet<>();
      for (long[] e : queue) {
        s.add(e[0]);
      }
      return s;
    }
  }

  /**
   * The original study's rule: hot = used within the last {@code window} uses (touches and
   * admissions), warm = not hot and used at least {@code threshold} times since admission, cold =
   * the rest; evict the least recently used of the lowest class.
   */
  static final class HotWarmCold extends Base {
    final long window;
    final int threshold;
    final Map<Long, long[]> map = new HashMap<>(); // key -> {uses, lastTick}
    long tick;

    HotWarmCold(int c, long window, int threshold) {
      super(c);
      this.window = window;
      this.threshold = threshold;
    }

    public boolean contains(long k) {
      return map.containsKey(k);
    }

    void hit(long k) {
      long[] e = map.get(k);
      e[0]++;
      e[1] = ++tick;
    }

    void unlink(long k) {
      map.remove(k);
    }

    int place(long k) {
      int out = EvictionPolicy.INSERTED;
      if (full()) {
        // class 0 cold, 1 warm, 2 hot; the lowest class, least recently used within it
        long victim = 0;
        int bestClass = 3;
        long bestTick = Long.MAX_VALUE;
        for (var en : map.entrySet()) {
          long[] v = en.getValue();
          boolean hot = tick - v[1] < window;
          int cls = hot ? 2 : v[0] >= threshold ? 1 : 0;
          if (cls < bestClass || (cls == bestClass && v[1] < bestTick)) {
            bestClass = cls;
            bestTick = v[1];
            victim = en.getKey();
          }
        }
        map.remove(victim);
        out = evicted(victim);
      }
      map.put(k, new long[] {1, ++tick});
      return out;
    }

    public int size() {
      return map.size();
    }

    public Set<Long> keys() {
      return new HashSet<>(map.keySet());
    }
  }

  /** Fixed placement: the first keys that fit stay; a full tier refuses every other key. */
  static final class Static extends Base {
    final Set<Long> set = new HashSet<>();

    Static(int c) {
      super(c);
    }

    public boolean contains(long k) {
      return set.contains(k);
    }

    @Override
    public boolean wouldAdmit(long k) {
      return set.size() < c;
    }

    void hit(long k) {}

    void unlink(long k) {
      set.remove(k);
    }

    int place(long k) {
      if (set.size() < c) {
        set.add(k);
        return EvictionPolicy.INSERTED;
      }
      return EvictionPolicy.REJECTED;
    }

    public int size() {
      return set.size();
    }

    public Set<Long> keys() {
      return new HashSet<>(set);
    }
  }

  /**
   * Belady with bypass: next uses found by scanning the key sequence forward from the current
   * position, which every touch and admit advances. Among residents never used again the smallest
   * key is evicted (any choice gives the same hits).
   */
  static final class Opt extends Base {
    final long[] trace;
    final Set<Long> set = new HashSet<>();
    int pos;

    Opt(int c, long[] trace) {
      super(c);
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

    public boolean contains(long k) {
      return set.contains(k);
    }

    void hit(long k) {
      pos++;
    }

    void unlink(long k) {
      set.remove(k);
    }

    /** The resident used farthest in the future (smallest key among ties), or null if empty. */
    long[] farthest(int from) {
      long[] best = null;
      for (long r : set) {
        long n = next(r, from);
        if (best == null || n > best[1] || (n == best[1] && r < best[0])) {
          best = new long[] {r, n};
        }
      }
      return best;
    }

    @Override
    public boolean wouldAdmit(long k) {
      long mine = next(k, pos + 1);
      if (mine == Long.MAX_VALUE) {
        return false;
      }
      return set.size() < c || farthest(pos + 1)[1] > mine;
    }

    int place(long k) {
      int here = pos++;
      long mine = next(k, here + 1);
      if (mine == Long.MAX_VALUE) {
        return EvictionPolicy.REJECTED;
      }
      if (set.size() < c) {
        set.add(k);
        return EvictionPolicy.INSERTED;
      }
      long[] f = farthest(here + 1);
      if (f[1] > mine) {
        set.remove(f[0]);
        set.add(k);
        return evicted(f[0]);
      }
      return EvictionPolicy.REJECTED;
    }

    public int size() {
      return set.size();
    }

    public Set<Long> keys() {
      return new HashSet<>(set);
    }
  }
}
