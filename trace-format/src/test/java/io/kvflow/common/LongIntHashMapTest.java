package io.kvflow.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The open-addressing map against java.util.HashMap, with the one-probe find/insertAt path mixed in. */
class LongIntHashMapTest {
  @Test
  void findAndInsertAtAgreeWithAHashMap() {
    for (long seed = 1; seed <= 5; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      LongIntHashMap fast = new LongIntHashMap(4); // small: the table grows many times
      Map<Long, Integer> slow = new HashMap<>();
      int keys = 50 + 400 * (int) seed;
      for (int op = 0; op < 60_000; op++) {
        long key = rnd.nextInt(50) == 0 ? Long.MIN_VALUE + rnd.nextInt(3) : rnd.nextInt(keys);
        int kind = rnd.nextInt(4);
        if (kind == 0) {
          assertEquals(slow.getOrDefault(key, LongIntHashMap.MISSING).intValue(), fast.remove(key), "remove " + key);
          slow.remove(key);
        } else {
          int found = fast.find(key);
          Integer v = slow.get(key);
          if (v == null) {
            assertTrue(found < 0, "absent key " + key + " found at " + found);
            int value = rnd.nextInt(1 << 20);
            if (kind == 1) {
              fast.insertAt(found, key, value);
            } else {
              assertEquals(LongIntHashMap.MISSING, fast.put(key, value));
            }
            slow.put(key, value);
          } else {
            assertTrue(found >= 0, "present key " + key + " not found");
            assertEquals(v.intValue(), fast.valueAt(found), "value of " + key);
          }
        }
        assertEquals(slow.size(), fast.size(), "size after op " + op);
      }
      for (Map.Entry<Long, Integer> e : slow.entrySet()) {
        assertEquals(e.getValue().intValue(), fast.get(e.getKey()), "final value of " + e.getKey());
      }
    }
  }

  @Test
  void insertAtRefusesAPositionThatIsNotFree() {
    LongIntHashMap m = new LongIntHashMap(8);
    int free = m.find(42);
    m.insertAt(free, 42, 1);
    assertThrows(IllegalArgumentException.class, () -> m.insertAt(free, 43, 2));
    assertThrows(IllegalArgumentException.class, () -> m.insertAt(m.find(44), 44, -1));
    assertEquals(1, m.get(42));
    assertEquals(LongIntHashMap.MISSING, m.get(43));
  }
}
