package io.lakevault.spark;

import io.lakevault.core.LakevaultException;

/**
 * A lakevault error raised inside a Spark task reaches the driver wrapped in Spark's own exceptions;
 * this finds it, so the user reads the message that names the input, not a stage failure.
 */
public final class SparkErrors {
  private SparkErrors() {}

  /** Runs {@code action}, surfacing a {@link LakevaultException} thrown in any task it ran. */
  public static <T> T surfacing(java.util.function.Supplier<T> action) {
    try {
      return action.get();
    } catch (LakevaultException e) {
      throw e;
    } catch (Exception e) {
      // SparkException is checked, and Scala throws it undeclared: catch Exception to see it.
      for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
        if (c instanceof LakevaultException lv) {
          lv.addSuppressed(e);
          throw lv;
        }
      }
      throw SparkErrors.<RuntimeException>sneaky(e);
    }
  }

  /** Rethrows any exception as it is, checked ones (SparkException) included: {@code throw rethrow(e)}. */
  public static RuntimeException rethrow(Exception e) {
    throw SparkErrors.<RuntimeException>sneaky(e);
  }

  @SuppressWarnings("unchecked")
  private static <E extends Exception> E sneaky(Exception e) throws E {
    throw (E) e;
  }
}
