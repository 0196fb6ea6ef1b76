package io.lakevault.core.policy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Small policies written inline, as users write them. */
final class PolicyTestSupport {
  private PolicyTestSupport() {}

  static final String CLASSES = """
      version: 1
      classes:
        seven:
          retain: 7y
          lock: COMPLIANCE
        six:
          retain: 6y
          from: archive
        short:
          retain: 30d
          storage-class: STANDARD_IA
      """;

  static Policy policy(String rulesYaml) {
    return PolicyParser.parse("test.yaml", (CLASSES + "rules:\n" + rulesYaml).getBytes(StandardCharsets.UTF_8));
  }

  static PolicyParser.Parsed read(String yaml) {
    return PolicyParser.read("bad.yaml", yaml.getBytes(StandardCharsets.UTF_8));
  }

  static ObjectFacts obj(String bucket, String key) {
    return new ObjectFacts(bucket, key, "v1", true, false, 1000L, Instant.parse("2024-01-15T10:00:00Z"), "STANDARD",
        "SSE-S3", null, null);
  }

  static ObjectFacts with(ObjectFacts o, Long size, Instant lastModified) {
    return new ObjectFacts(o.bucket(), o.key(), o.versionId(), o.isLatest(), o.isDeleteMarker(), size, lastModified,
        o.storageClass(), o.encryptionStatus(), o.objectLockMode(), o.legalHoldStatus());
  }
}
