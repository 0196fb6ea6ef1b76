package io.lakevault.core.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys are not paths: a local-folder restore never writes outside its folder, and never half a file. */
class FolderTargetTest {
  @TempDir Path dir;

  @Test
  void keysThatWouldEscapeOrCannotBeFilesAreRefused() throws IOException {
    FolderTarget t = new FolderTarget(dir.resolve("out"), false);
    for (String key : List.of("../escape.json", "a/../../escape.json", "/etc/passwd", "a/./b", "a//b", "a/..", "..",
        "dir/", "", "a\\..\\..\\b", "nul\0byte", "x".repeat(256))) {
      assertThrows(RestoreTarget.UnsafeKeyException.class, () -> t.locate("bkt", key, null), "key '" + key + "'");
    }
    assertEquals(dir.resolve("out").toRealPath().resolve("bkt/logs/a b+c.json").toString(),
        t.locate("bkt", "logs/a b+c.json", null));
    FolderTarget versions = new FolderTarget(dir.resolve("v"), true);
    assertTrue(versions.locate("bkt", "k", "3HL4kqtJ").endsWith("/bkt/k/3HL4kqtJ"));
    assertTrue(versions.locate("bkt", "k", null).endsWith("/bkt/k/null"));
    assertThrows(RestoreTarget.UnsafeKeyException.class, () -> versions.locate("bkt", "k", ".."));
  }

  @Test
  void symbolicLinksAndFileFolderCollisionsAreRefused() throws IOException {
    Path out = dir.resolve("out");
    FolderTarget t = new FolderTarget(out, false);
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.createSymbolicLink(out.toRealPath().resolve("bkt"), outside);
    String viaLink = t.locate("bkt", "x.json", null);
    assertThrows(RestoreTarget.UnsafeKeyException.class, () -> write(t, viaLink, "x"));
    assertEquals(0, Files.list(outside).count(), "nothing was written through the link");

    FolderTarget u = new FolderTarget(dir.resolve("u"), false);
    write(u, u.locate("b", "a", null), "file a");
    assertThrows(RestoreTarget.UnsafeKeyException.class, () -> write(u, u.locate("b", "a/b", null), "under a"));
    write(u, u.locate("b", "c/d", null), "under c");
    assertThrows(RestoreTarget.UnsafeKeyException.class, () -> write(u, u.locate("b", "c", null), "c"));
  }

  @Test
  void aFileIsPublishedOnlyOnceItsBytesAreReadToTheirVerifiedEnd() throws IOException {
    FolderTarget t = new FolderTarget(dir.resolve("out"), false);
    String loc = t.locate("b", "k.json", null);
    InputStream failing = new InputStream() {
      int n;

      @Override
      public int read() throws IOException {
        if (n++ < 100) return 'x';
        throw new IOException("SHA-256 mismatch");
      }
    };
    assertThrows(IOException.class, () -> t.write(loc, failing, 100, null, Map.of(), null, false));
    assertFalse(Files.exists(Path.of(loc)));
    try (var files = Files.list(Path.of(loc).getParent())) {
      assertEquals(0, files.count(), "no temporary file is left");
    }
    Instant mtime = Instant.parse("2024-03-01T09:30:00Z");
    t.write(loc, new ByteArrayInputStream("hello".getBytes(StandardCharsets.UTF_8)), 5, null, Map.of(), mtime, false);
    assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(Path.of(loc)));
    assertEquals(mtime, Files.getLastModifiedTime(Path.of(loc)).toInstant());
    RestoreTarget.Existing e = t.head(loc);
    String sha = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    assertTrue(t.holds(loc, e, new RestoreTarget.Wanted(5, sha, null, null)));
    assertFalse(t.holds(loc, e, new RestoreTarget.Wanted(5, sha.replace('2', '3'), null, null)));
  }

  private static void write(FolderTarget t, String loc, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    t.write(loc, new ByteArrayInputStream(b), b.length, null, Map.of(), null, false);
  }
}
