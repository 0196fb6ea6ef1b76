package io.lakevault.core.store;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

class LocalObjectStoreContractTest extends ObjectStoreContract {
  @TempDir Path dir;
  private LocalObjectStore store;

  @BeforeEach
  void open() {
    store = new LocalObjectStore(dir, Duration.ZERO, Clock.systemUTC());
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Override
  protected ObjectStore store() {
    return store;
  }

  @Override
  protected int listPageSize() {
    return 5; // the local store has no pages; a few keys still exercise the ordering
  }
}
