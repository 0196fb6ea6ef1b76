package io.lakevault.archive;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Driver-side steps run beside the job's main line: small catalog queries and Delta commits whose time
 * is mostly the driver's (planning, generating code, reading the Delta log) rather than the executors',
 * so two of them at once end sooner than one after the other. The threads are created from the job's
 * thread, so they inherit its Spark local properties. A failure is rethrown as it was thrown, not
 * wrapped; a step that failed the run is awaited before the run ends, so none of its work goes on after.
 */
final class Beside implements AutoCloseable {
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "lakevault-archive-driver");
    t.setDaemon(true);
    return t;
  });

  CompletableFuture<Void> run(Runnable step) {
    return CompletableFuture.runAsync(step, threads);
  }

  <T> CompletableFuture<T> supply(Supplier<T> step) {
    return CompletableFuture.supplyAsync(step, threads);
  }

  /** The step's result, or its failure as thrown. */
  static <T> T await(CompletableFuture<T> step) {
    try {
      return step.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) throw re;
      if (cause instanceof Error err) throw err;
      throw new IllegalStateException(cause);
    }
  }

  /** Waits for every step, then throws the first failure among them, if any. */
  static void await(List<? extends CompletableFuture<?>> steps) {
    awaitQuietly(steps);
    for (CompletableFuture<?> s : steps) await(s);
  }

  /** Waits for the steps, whatever their outcome: the run is failing for another reason already. */
  static void awaitQuietly(List<? extends CompletableFuture<?>> steps) {
    for (CompletableFuture<?> s : steps) awaitQuietly(s);
  }

  static void awaitQuietly(CompletableFuture<?> step) {
    try {
      step.join();
    } catch (RuntimeException e) {
      // its failure is not the run's
    }
  }

  @Override
  public void close() {
    threads.shutdown();
  }
}
