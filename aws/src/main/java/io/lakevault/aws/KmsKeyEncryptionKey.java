package io.lakevault.aws;

import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.pack.KeyEncryptionKey;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/**
 * A KMS key as the key-encryption key: Encrypt and Decrypt of each 32-byte pack key, once per pack,
 * with the pack id as encryption context (so a sealed pack key opens only for its own pack, and
 * CloudTrail records which pack each Decrypt was for).
 */
public final class KmsKeyEncryptionKey implements KeyEncryptionKey {
  static final String CONTEXT_KEY = "lakevault:pack";

  private final KmsClient kms;
  private final String keyId;

  public KmsKeyEncryptionKey(KmsClient kms, String keyId) {
    this.kms = kms;
    this.keyId = keyId;
  }

  @Override
  public String ref() {
    return keyId;
  }

  @Override
  public byte[] wrap(byte[] packKey, UUID packId) {
    try {
      return kms.encrypt(r -> r.keyId(keyId).plaintext(SdkBytes.fromByteArray(packKey))
          .encryptionContext(Map.of(CONTEXT_KEY, packId.toString()))).ciphertextBlob().asByteArray();
    } catch (NotFoundException e) {
      throw new LakevaultException(ErrorKind.USAGE, "KMS key " + keyId + " does not exist in this account and region: "
          + "check the retention class's key (or archive.default-key) and s3.region", e);
    } catch (SdkException e) {
      throw new LakevaultException(ErrorKind.STORE, "KMS Encrypt with " + keyId + " for pack " + packId + " failed: "
          + e.getMessage(), e);
    }
  }

  @Override
  public byte[] unwrap(byte[] wrapped, UUID packId) {
    try {
      return kms.decrypt(r -> r.keyId(keyId).ciphertextBlob(SdkBytes.fromByteArray(wrapped))
          .encryptionContext(Map.of(CONTEXT_KEY, packId.toString()))).plaintext().asByteArray();
    } catch (InvalidCiphertextException e) {
      throw LakevaultException.input("KMS refuses the sealed pack key of pack " + packId + " under " + keyId
          + ": the pack was sealed with another key, or its index is corrupt");
    } catch (KmsException e) {
      throw new LakevaultException(ErrorKind.STORE, "KMS Decrypt with " + keyId + " for pack " + packId + " failed ("
          + e.awsErrorDetails().errorCode() + "): " + e.getMessage()
          + (e.statusCode() == 400 && "IncorrectKeyException".equals(e.awsErrorDetails().errorCode())
              ? " - the pack names another key" : ""), e);
    } catch (SdkException e) {
      throw new LakevaultException(ErrorKind.STORE, "KMS Decrypt with " + keyId + " for pack " + packId + " failed: "
          + e.getMessage(), e);
    }
  }
}
