package io.lakevault.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.pack.EntrySource;
import io.lakevault.core.pack.KeyEncryptionKey;
import io.lakevault.core.pack.PackKeys;
import io.lakevault.core.pack.PackReader;
import io.lakevault.core.pack.PackWriter;
import io.lakevault.core.pack.RangeSource;
import io.lakevault.testing.MotoExtension;
import io.lakevault.testing.MotoServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kms.KmsClient;

/** Packs sealed with a KMS key on the emulator's KMS, through the same resolver the jobs use. */
@ExtendWith(MotoExtension.class)
class KmsKeyEncryptionKeyTest {
  private final MotoServer moto;
  @TempDir Path dir;

  KmsKeyEncryptionKeyTest(MotoServer moto) {
    this.moto = moto;
  }

  @Test
  void aPackSealedWithKmsOpensWithTheSameKeyOnly() throws Exception {
    try (KeyResolvers keys = new KeyResolvers(dir, MotoServer.REGION, moto.endpoint());
        KmsClient admin = KmsClient.builder().region(software.amazon.awssdk.regions.Region.US_EAST_1)
            .endpointOverride(java.net.URI.create(moto.endpoint())).build()) {
      String keyId = admin.createKey(r -> r.description("lakevault test")).keyMetadata().keyId();
      admin.createAlias(r -> r.aliasName("alias/lakevault-test").targetKeyId(keyId));
      String other = admin.createKey(r -> r.description("another")).keyMetadata().keyId();

      KeyEncryptionKey kek = keys.resolve("alias/lakevault-test");
      UUID id = UUID.randomUUID();
      byte[] data = "patient 42: claim approved".repeat(50).getBytes(StandardCharsets.UTF_8);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PackWriter.Summary s;
      try (PackWriter w = new PackWriter(out, PackWriter.Options.of(id, "hipaa-6y", "DEEP_ARCHIVE")
          .withKeys(PackKeys.create(id, kek)))) {
        w.add(new EntrySource("phi", "claims/42.txt", null, null, null, data.length, null, "text/plain", null, null),
            new ByteArrayInputStream(data));
        s = w.finish();
      }
      PackReader r = PackReader.open(RangeSource.of(out.toByteArray()), "kms.pack").withKeys(s.keyFile(), kek);
      assertEquals("alias/lakevault-test", r.info().kekRef());
      assertArrayEquals(data, r.readEntry(r.entries().get(0)));

      KeyEncryptionKey wrong = keys.resolve(other);
      LakevaultException e = assertThrows(LakevaultException.class,
          () -> PackReader.open(RangeSource.of(out.toByteArray()), "kms.pack").withKeys(s.keyFile(), wrong));
      assertTrue(e.getMessage().contains("is encrypted with alias/lakevault-test"), e.getMessage());

      // The sealed pack key is bound to its pack: opening it as another pack's fails.
      byte[] sealed = kek.wrap(new byte[32], id);
      LakevaultException moved = assertThrows(LakevaultException.class, () -> kek.unwrap(sealed, UUID.randomUUID()));
      assertTrue(moved.getMessage().contains("KMS"), moved.getMessage());

      LakevaultException missing = assertThrows(LakevaultException.class,
          () -> keys.resolve("alias/does-not-exist").wrap(new byte[32], id));
      assertTrue(missing.getMessage().contains("alias/does-not-exist"), missing.getMessage());
    }
  }
}
