package io.lakevault.core.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock moved by hand, for retention, thaw-delay and RTO arithmetic that must not depend on how fast the
 * machine is: a job given this clock waits by moving it ({@link Waits#sleep}), not by sleeping, so thaw waits
 * and phase times are exact. Tests, and the local store's simulated time ({@code ObjectStores.useLocalClock}).
 */
public final class MutableClock extends Clock {
  private volatile Instant now;

  public MutableClock(Instant start) {
    this.now = start;
  }

  public synchronized void advance(Duration d) {
    now = now.plus(d);
  }

  public void set(Instant t) {
    now = t;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return now;
  }
}
