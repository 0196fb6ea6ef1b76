package io.lakevault.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class PartBuffersTest {
  @Test
  void anArrayGivenBackIsTakenAgainOnlyForItsOwnSize() {
    PartBuffers pool = new PartBuffers(4);
    byte[] a = pool.take(1024);
    assertEquals(1024, a.length);
    pool.give(a);
    byte[] other = pool.take(2048);
    assertEquals(2048, other.length);
    assertNotSame(a, other);
    assertEquals(1, pool.kept(), "a take of another size leaves the kept array alone");
    assertSame(a, pool.take(1024));
    assertEquals(0, pool.kept());
    assertNotSame(a, pool.take(1024), "taken once, it is no longer kept");
  }

  @Test
  void keepsNoMoreThanItsCapacity() {
    PartBuffers pool = new PartBuffers(2);
    byte[] a = new byte[16];
    byte[] b = new byte[16];
    byte[] c = new byte[16];
    pool.give(a);
    pool.give(b);
    pool.give(c);
    pool.give(null);
    assertEquals(2, pool.kept());
    byte[] first = pool.take(16);
    byte[] second = pool.take(16);
    assertNotSame(first, second);
    assertNotSame(c, first, "the array given past the capacity was dropped");
    assertNotSame(c, second);
    assertEquals(0, pool.kept());
  }
}
