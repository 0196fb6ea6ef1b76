package io.lakevault.core.store;

/** S3 additional checksum algorithms that lakevault writes and verifies. */
public enum ChecksumAlgorithm {
  CRC32, CRC32C, SHA1, SHA256
}
