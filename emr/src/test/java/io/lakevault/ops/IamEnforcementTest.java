package io.lakevault.ops;

import static io.lakevault.ops.Ops.awsJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakevault.testing.MotoExtension;
import io.lakevault.testing.MotoServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the shipped roles allow, not only that they parse: each policy is attached to an IAM user of the
 * emulator, which then evaluates every request against it (moto's IAM enforcement, switched on through
 * /moto-api/reset-auth and off again after the test).
 */
@ExtendWith(MotoExtension.class)
class IamEnforcementTest {
  private final MotoServer moto;
  @TempDir Path tmp;
  private final Path body;

  IamEnforcementTest(MotoServer moto) throws IOException {
    this.moto = moto;
    this.body = Files.createTempFile("iam-body-", ".txt");
    Files.writeString(body, "bytes");
  }

  @Test
  void theRolesAllowTheirJobsAndNothingThatWeakensTheArchive() throws Exception {
    for (String b : List.of("acme-archive", "acme-trading-logs", "acme-restores", "acme-unrelated")) {
      awsJson(moto, tmp, "s3api", "create-bucket", "--bucket", b);
    }
    awsJson(moto, tmp, "s3api", "put-object", "--bucket", "acme-archive", "--key", "packs/committed.lvp", "--body", body.toString());
    awsJson(moto, tmp, "s3api", "put-object", "--bucket", "acme-trading-logs", "--key", "app/a.json", "--body", body.toString());
    awsJson(moto, tmp, "s3api", "put-object", "--bucket", "acme-unrelated", "--key", "secret.csv", "--body", body.toString());
    String[] pipeline = user("pipeline", "iam/pipeline-role-policy.json");
    String[] restore = user("restore", "iam/restore-role-policy.json");
    enforce(true);
    try {
      // The daily jobs: read sources and inventory, write and read packs.
      allowed(pipeline, "s3api", "get-object", "--bucket", "acme-trading-logs", "--key", "app/a.json", tmp.resolve("o1").toString());
      allowed(pipeline, "s3api", "put-object", "--bucket", "acme-archive", "--key", "packs/new.lvp", "--body", body.toString());
      allowed(pipeline, "s3api", "get-object", "--bucket", "acme-archive", "--key", "packs/committed.lvp", tmp.resolve("o2").toString());
      // The archive job checks a target's versioning and Object Lock before it writes there.
      allowed(pipeline, "s3api", "get-bucket-versioning", "--bucket", "acme-archive");
      // Never: a plain delete or a governance bypass on the archive, any change to its bucket, writing to a source.
      denied(pipeline, "s3api", "delete-object", "--bucket", "acme-archive", "--key", "packs/committed.lvp");
      denied(pipeline, "s3api", "delete-object", "--bucket", "acme-archive", "--key", "packs/committed.lvp",
          "--bypass-governance-retention");
      denied(pipeline, "s3api", "put-bucket-versioning", "--bucket", "acme-archive", "--versioning-configuration", "Status=Suspended");
      denied(pipeline, "s3api", "put-object", "--bucket", "acme-trading-logs", "--key", "app/b.json", "--body", body.toString());
      denied(pipeline, "s3api", "get-object", "--bucket", "acme-unrelated", "--key", "secret.csv", tmp.resolve("o3").toString());

      // Restores: read packs, write the target; never write or delete in the archive.
      allowed(restore, "s3api", "get-object", "--bucket", "acme-archive", "--key", "packs/committed.lvp", tmp.resolve("o4").toString());
      allowed(restore, "s3api", "put-object", "--bucket", "acme-restores", "--key", "case/a.json", "--body", body.toString());
      denied(restore, "s3api", "put-object", "--bucket", "acme-archive", "--key", "packs/evil.lvp", "--body", body.toString());
      denied(restore, "s3api", "delete-object", "--bucket", "acme-archive", "--key", "packs/committed.lvp");
      denied(restore, "s3api", "get-object", "--bucket", "acme-unrelated", "--key", "secret.csv", tmp.resolve("o5").toString());
    } finally {
      enforce(false);
    }
    // The committed pack survived every attempt.
    JsonNode head = awsJson(moto, tmp, "s3api", "head-object", "--bucket", "acme-archive", "--key", "packs/committed.lvp");
    assertEquals(5, head.get("ContentLength").asInt());
  }

  /**
   * Defect 1 of issue 19: on an Object Lock bucket holding a COMPLIANCE-locked pack and its GOVERNANCE-locked
   * key file, the pipeline, restore and air-gap roles can neither delete, nor bypass, nor unlock either
   * version, and an overwrite only adds a version; the eraser rewrites and removes key-file versions and
   * cannot touch a pack. The pipeline still removes an unlocked orphan pack, not its key file.
   */
  @Test
  void keyFilesAreErasedByTheEraserAloneAndNoRoleDestroysAPack() throws Exception {
    awsJson(moto, tmp, "s3api", "create-bucket", "--bucket", "acme-archive", "--object-lock-enabled-for-bucket");
    String until = java.time.Instant.now().plus(java.time.Duration.ofDays(30)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    String pack = awsJson(moto, tmp, "s3api", "put-object", "--bucket", "acme-archive", "--key", "packs/c/2030-01/b/p1.lvp",
        "--body", body.toString(), "--object-lock-mode", "COMPLIANCE", "--object-lock-retain-until-date", until)
        .get("VersionId").asText();
    String keys = awsJson(moto, tmp, "s3api", "put-object", "--bucket", "acme-archive", "--key", "packs/c/2030-01/b/p1.lvp.keys",
        "--body", body.toString(), "--object-lock-mode", "GOVERNANCE", "--object-lock-retain-until-date", until)
        .get("VersionId").asText();
    String orphan = awsJson(moto, tmp, "s3api", "put-object", "--bucket", "acme-archive", "--key", "packs/c/2030-01/b/p2.lvp",
        "--body", body.toString()).get("VersionId").asText();
    String orphanKeys = awsJson(moto, tmp, "s3api", "put-object", "--bucket", "acme-archive", "--key", "packs/c/2030-01/b/p2.lvp.keys",
        "--body", body.toString()).get("VersionId").asText();
    Map<String, String[]> roles = new java.util.LinkedHashMap<>();
    roles.put("pipeline", user("pipeline-2", "iam/pipeline-role-policy.json"));
    roles.put("restore", user("restore-2", "iam/restore-role-policy.json"));
    roles.put("airgap", user("airgap-2", "iam/airgap-role-policy.json", Map.of("AIRGAP_BUCKET", "acme-archive")));
    String[] eraser = user("eraser", "iam/eraser-role-policy.json");
    Path evil = Files.createTempFile("iam-evil-", ".txt");
    Files.writeString(evil, "damaged");
    enforce(true);
    try {
      for (Map.Entry<String, String[]> role : roles.entrySet()) {
        String[] u = role.getValue();
        for (String[] v : List.of(new String[] {"packs/c/2030-01/b/p1.lvp", pack}, new String[] {"packs/c/2030-01/b/p1.lvp.keys", keys})) {
          refused(u, role.getKey(), "s3api", "delete-object", "--bucket", "acme-archive", "--key", v[0], "--version-id", v[1]);
          refused(u, role.getKey(), "s3api", "delete-object", "--bucket", "acme-archive", "--key", v[0], "--version-id", v[1],
              "--bypass-governance-retention");
        }
        refused(u, role.getKey(), "s3api", "delete-object", "--bucket", "acme-archive", "--key", "packs/c/2030-01/b/p2.lvp.keys",
            "--version-id", orphanKeys);
      }
      // An overwrite by the pipeline is a new version: the cataloged versions stay as they were.
      allowed(roles.get("pipeline"), "s3api", "put-object", "--bucket", "acme-archive", "--key", "packs/c/2030-01/b/p1.lvp.keys",
          "--body", evil.toString());
      // The pipeline removes the orphan pack (uncataloged, unlocked) but not its key file.
      allowed(roles.get("pipeline"), "s3api", "delete-object", "--bucket", "acme-archive", "--key", "packs/c/2030-01/b/p2.lvp",
          "--version-id", orphan);
      // The eraser rewrites a key file and removes its old version, and can do nothing to a pack.
      allowed(eraser, "s3api", "put-object", "--bucket", "acme-archive", "--key", "packs/c/2030-01/b/p2.lvp.keys", "--body", evil.toString());
      allowed(eraser, "s3api", "delete-object", "--bucket", "acme-archive", "--key", "packs/c/2030-01/b/p2.lvp.keys",
          "--version-id", orphanKeys);
      denied(eraser, "s3api", "put-object", "--bucket", "acme-archive", "--key", "packs/c/2030-01/b/p1.lvp", "--body", evil.toString());
      refused(eraser, "eraser", "s3api", "delete-object", "--bucket", "acme-archive", "--key", "packs/c/2030-01/b/p1.lvp",
          "--version-id", pack, "--bypass-governance-retention");
    } finally {
      enforce(false);
    }
    // The cataloged versions read back as written.
    assertEquals(5, awsJson(moto, tmp, "s3api", "head-object", "--bucket", "acme-archive", "--key", "packs/c/2030-01/b/p1.lvp",
        "--version-id", pack).get("ContentLength").asInt());
    JsonNode k = awsJson(moto, tmp, "s3api", "head-object", "--bucket", "acme-archive", "--key", "packs/c/2030-01/b/p1.lvp.keys",
        "--version-id", keys);
    assertEquals(5, k.get("ContentLength").asInt());
    assertEquals("GOVERNANCE", k.get("ObjectLockMode").asText());
  }

  /** Refused, whether by IAM or by the lock (AccessDenied either way). */
  private void refused(String[] user, String role, String... args) {
    Ops.Result r = Ops.awsAs(moto, tmp, user[0], user[1], args);
    assertTrue(r.exit() != 0 && r.err().contains("AccessDenied"), () -> role + ": " + String.join(" ", args)
        + " should be refused: exit " + r.exit() + " " + r.err());
  }

  private String[] user(String name, String policy) throws IOException {
    return user(name, policy, Map.of());
  }

  /** An IAM user with the rendered policy attached; returns its access key and secret. */
  private String[] user(String name, String policy, Map<String, String> vars) throws IOException {
    Path p = tmp.resolve(name + ".json");
    Files.writeString(p, Ops.render(policy, vars));
    awsJson(moto, tmp, "iam", "create-user", "--user-name", name);
    awsJson(moto, tmp, "iam", "put-user-policy", "--user-name", name, "--policy-name", name, "--policy-document", "file://" + p);
    JsonNode key = awsJson(moto, tmp, "iam", "create-access-key", "--user-name", name).get("AccessKey");
    return new String[] {key.get("AccessKeyId").asText(), key.get("SecretAccessKey").asText()};
  }

  private void allowed(String[] user, String... args) {
    Ops.Result r = Ops.awsAs(moto, tmp, user[0], user[1], args);
    assertEquals(0, r.exit(), () -> String.join(" ", args) + " should be allowed: " + r.err());
  }

  private void denied(String[] user, String... args) {
    Ops.Result r = Ops.awsAs(moto, tmp, user[0], user[1], args);
    assertTrue(r.exit() != 0 && r.err().contains("AccessDenied"), () -> String.join(" ", args) + " should be denied: exit "
        + r.exit() + " " + r.err());
  }

  /** moto evaluates IAM policies on every request after this (0 requests of grace), or stops ("inf"). */
  private void enforce(boolean on) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(moto.endpoint() + "/moto-api/reset-auth"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(on ? "0" : "inf")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
  }
}
