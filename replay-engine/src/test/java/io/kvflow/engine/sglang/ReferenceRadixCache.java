package io.kvflow.engine.sglang;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The radix-cache rules written the slow, obvious way, as SGLang's Python keeps them: node objects
 * with their list of page keys and a map of children by first key, matched key by key (without the
 * fast tree's use of chained keys), eviction candidates found by scanning every node. Handles are
 * indexes into the list of all nodes ever made.
 */
final class ReferenceRadixCache implements RadixCache {
  static final class Node {
    Node parent;
    final List<Long> keys = new ArrayList<>();
    final Map<Long, Node> children = new LinkedHashMap<>();
    int lock;
    long lastUse;
    long serial;
    boolean onDevice;
    boolean backed;
    boolean live = true;
    int handle;
  }

  private final int pageTokens;
  private final int capacity;
  private final int hostCapacity;
  private final boolean writeThrough;
  private final boolean writeBack;
  private final List<Node> all = new ArrayList<>();
  private final Node root;
  private long clock;
  private long serials;
  private int free;
  private int hostFree;
  private Node lastDevice;
  private Node lastHost;
  private int hostHit;
  private long deviceEvicted;
  private long hostWritten;
  private long hostLoaded;
  private long hostEvicted;

  ReferenceRadixCache(int pageTokens, int capacity, int hostCapacity, boolean writeBack) {
    this.pageTokens = pageTokens;
    this.capacity = capacity;
    this.hostCapacity = hostCapacity;
    this.writeThrough = hostCapacity > 0 && !writeBack;
    this.writeBack = hostCapacity > 0 && writeBack;
    this.free = capacity;
    this.hostFree = hostCapacity;
    root = node();
    root.lock = 1;
    root.onDevice = true;
    root.backed = true;
    lastDevice = root;
    lastHost = root;
  }

  private Node node() {
    Node n = new Node();
    n.serial = serials++;
    n.lastUse = clock;
    n.handle = all.size();
    all.add(n);
    return n;
  }

  /** The path of nodes from the root's child to where the longest prefix of keys[0, max) ends, splitting there. */
  private List<Node> walk(long[] keys, int max) {
    List<Node> path = new ArrayList<>();
    Node node = root;
    int j = 0;
    while (j < max) {
      Node child = node.children.get(keys[j]);
      if (child == null) {
        break;
      }
      int k = 0;
      while (k < child.keys.size() && j + k < max && child.keys.get(k) == keys[j + k]) {
        k++;
      }
      if (k < child.keys.size()) {
        path.add(split(child, k));
        return path;
      }
      path.add(child);
      j += k;
      node = child;
    }
    return path;
  }

  private Node split(Node child, int k) {
    Node m = node();
    m.keys.addAll(child.keys.subList(0, k));
    List<Long> rest = new ArrayList<>(child.keys.subList(k, child.keys.size()));
    child.keys.clear();
    child.keys.addAll(rest);
    m.parent = child.parent;
    m.parent.children.put(m.keys.get(0), m);
    m.children.put(child.keys.get(0), child);
    child.parent = m;
    m.lock = child.lock;
    m.onDevice = child.onDevice;
    m.backed = child.backed;
    return m;
  }

  private static int pages(List<Node> path) {
    int n = 0;
    for (Node x : path) {
      n += x.keys.size();
    }
    return n;
  }

  @Override
  public int match(long[] keys, int maxPages) {
    clock++;
    hostHit = 0;
    List<Node> path = walk(keys, maxPages);
    for (Node x : path) {
      x.lastUse = clock;
    }
    int device = 0;
    lastDevice = root;
    for (Node x : path) {
      if (writeThrough && x.onDevice && !x.backed) {
        write(x);
      }
      if (x.onDevice) {
        device += x.keys.size();
        lastDevice = x;
      } else {
        hostHit += x.keys.size();
      }
    }
    lastHost = path.isEmpty() ? root : path.get(path.size() - 1);
    return device;
  }

  @Override
  public int hostPages() {
    return hostHit;
  }

  @Override
  public int lastDeviceNode() {
    return lastDevice.handle;
  }

  @Override
  public int lastHostNode() {
    return lastHost.handle;
  }

  @Override
  public int loadBack(int hostNode) {
    List<Node> load = new ArrayList<>();
    Node x = all.get(hostNode);
    while (!x.onDevice) {
      load.add(0, x);
      x = x.parent;
    }
    Node ancestor = x;
    lock(ancestor.handle);
    int total = pages(load);
    if (total * pageTokens < RadixTree.LOAD_BACK_THRESHOLD_TOKENS) {
      unlock(ancestor.handle);
      return 0;
    }
    if (free < total) {
      evict(total);
    }
    if (free < total) {
      unlock(ancestor.handle);
      return 0;
    }
    free -= total;
    hostLoaded += total;
    for (Node y : load) {
      y.onDevice = true;
    }
    unlock(ancestor.handle);
    lastDevice = all.get(hostNode);
    return total;
  }

  @Override
  public void lock(int handle) {
    for (Node n = all.get(handle); n != root; n = n.parent) {
      n.lock++;
    }
  }

  @Override
  public void unlock(int handle) {
    for (Node n = all.get(handle); n != root; n = n.parent) {
      n.lock--;
      if (n.lock < 0) {
        throw new IllegalStateException("lock below zero");
      }
    }
  }

  @Override
  public int insert(long[] keys, int pages) {
    clock++;
    if (pages == 0) {
      return 0;
    }
    List<Node> path = walk(keys, pages);
    for (Node x : path) {
      x.lastUse = clock;
    }
    int prefix = 0;
    for (Node x : path) {
      if (x.onDevice) {
        prefix += x.keys.size();
        if (writeThrough && !x.backed) {
          write(x);
        }
      } else {
        x.onDevice = true;
      }
    }
    int m = pages(path);
    if (m < pages) {
      Node parent = path.isEmpty() ? root : path.get(path.size() - 1);
      Node leaf = node();
      for (int j = m; j < pages; j++) {
        leaf.keys.add(keys[j]);
      }
      leaf.parent = parent;
      leaf.onDevice = true;
      parent.children.put(keys[m], leaf);
      if (writeThrough) {
        write(leaf);
      }
    }
    return prefix;
  }

  private int write(Node x) {
    int need = x.keys.size();
    if (hostFree < need) {
      evictHost(need);
    }
    if (hostFree < need) {
      return 0;
    }
    hostFree -= need;
    x.backed = true;
    hostWritten += need;
    return need;
  }

  private static boolean before(Node a, Node b) {
    return a.lastUse < b.lastUse || (a.lastUse == b.lastUse && a.serial < b.serial);
  }

  private void evictHost(int pages) {
    int done = 0;
    while (done < pages) {
      Node best = null;
      for (Node n : all) {
        if (n.live && n != root && !n.onDevice && n.children.isEmpty() && (best == null || before(n, best))) {
          best = n;
        }
      }
      if (best == null || best.lastUse == clock) {
        return;
      }
      done += best.keys.size();
      hostFree += best.keys.size();
      hostEvicted += best.keys.size();
      remove(best);
    }
  }

  private void remove(Node x) {
    x.parent.children.remove(x.keys.get(0));
    x.live = false;
  }

  private boolean deviceLeaf(Node n) {
    if (!n.live || n == root || !n.onDevice || n.lock > 0) {
      return false;
    }
    for (Node c : n.children.values()) {
      if (c.onDevice) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int evict(int pages) {
    int done = 0;
    while (done < pages) {
      Node best = null;
      for (Node n : all) {
        if (deviceLeaf(n) && (best == null || before(n, best))) {
          best = n;
        }
      }
      if (best == null) {
        break;
      }
      int size = best.keys.size();
      done += size;
      free += size;
      deviceEvicted += size;
      if (best.backed || (writeBack && write(best) > 0)) {
        best.onDevice = false;
      } else {
        dropSubtreeBelow(best);
        remove(best);
      }
    }
    return done;
  }

  private void dropSubtreeBelow(Node x) {
    for (Node c : new ArrayList<>(x.children.values())) {
      dropSubtreeBelow(c);
      hostFree += c.keys.size();
      hostEvicted += c.keys.size();
      remove(c);
    }
  }

  @Override
  public boolean ensureFree(int pages) {
    if (free < pages) {
      evict(pages - free);
    }
    return free >= pages;
  }

  @Override
  public void take(int pages) {
    if (pages > free) {
      throw new IllegalStateException("take " + pages + " of " + free);
    }
    free -= pages;
  }

  @Override
  public void release(int pages) {
    free += pages;
  }

  @Override
  public int freePages() {
    return free;
  }

  @Override
  public int evictablePages() {
    int n = 0;
    for (Node x : all) {
      if (x.live && x != root && x.onDevice && x.lock == 0) {
        n += x.keys.size();
      }
    }
    return n;
  }

  @Override
  public int protectedPages() {
    int n = 0;
    for (Node x : all) {
      if (x.live && x != root && x.onDevice && x.lock > 0) {
        n += x.keys.size();
      }
    }
    return n;
  }

  @Override
  public void counters(long[] out) {
    out[0] = deviceEvicted;
    out[1] = hostWritten;
    out[2] = hostLoaded;
    out[3] = hostEvicted;
  }
}
