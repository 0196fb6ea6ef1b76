package io.lakevault.generator;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock each generator thread sets before a write, so that objects written in parallel to the local
 * store get the last-modified times of a lake that grew over years. Threads that set nothing see real time.
 */
public final class SimulatedClock extends Clock {
  private final ThreadLocal<Instant> now = new ThreadLocal<>();

  public void set(Instant t) {
    now.set(t);
  }

  public void clear() {
    now.remove();
  }

  @Override
  public Instant instant() {
    Instant t = now.get();
    return t == null ? Instant.now() : t;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
