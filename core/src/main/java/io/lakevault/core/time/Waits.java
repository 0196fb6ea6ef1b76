package io.lakevault.core.time;

import java.time.Clock;
import java.time.Duration;

/** Waiting on a job's clock: real time sleeps; a {@link MutableClock} is moved instead, so a wait costs no time. */
public final class Waits {
  private Waits() {}

  public static void sleep(Clock clock, Duration d) throws InterruptedException {
    if (clock instanceof MutableClock m) {
      m.advance(d);
    } else {
      Thread.sleep(Math.max(1, d.toMillis()));
    }
  }

  /** Seconds on {@code clock} since {@code startMillis} (from {@link Clock#millis()}). */
  public static double secondsSince(Clock clock, long startMillis) {
    return (clock.millis() - startMillis) / 1000.0;
  }
}
