package io.lakevault.core.policy;

import static io.lakevault.core.policy.PolicyTestSupport.CLASSES;
import static io.lakevault.core.policy.PolicyTestSupport.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.ErrorKind;
import io.lakevault.core.store.StorageClass;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class PolicyParserTest {

  /** Parses a bad policy and returns its error lines as printed. */
  private static List<String> errors(String yaml) {
    PolicyParser.Parsed p = read(yaml);
    assertFalse(p.ok(), "expected errors in:\n" + yaml);
    return p.problems().stream().filter(PolicyProblem::isError).map(PolicyProblem::toString).toList();
  }

  private static void assertError(String yaml, String expected) {
    List<String> errors = errors(yaml);
    assertTrue(errors.stream().anyMatch(e -> e.contains(expected)), "no error containing '" + expected + "' in " + errors);
  }

  private static String rules(String r) {
    return CLASSES + "rules:\n" + r;
  }

  @Test
  void aFullClassParses() {
    Policy p = PolicyParser.parse("p.yaml", """
        version: 1
        classes:
          vault:
            description: air-gapped copy
            retain: 6y
            from: archive
            storage-class: glacier
            lock: governance
            encryption: true
            key: alias/lakevault
            target: {uri: s3://vault-archive/packs, role: 'arn:aws:iam::123456789012:role/vault-writer'}
            pack-size: 256 MiB
            rto: 12h
        rules:
          - id: all
            match: {}
            class: vault
        """.getBytes(StandardCharsets.UTF_8));
    RetentionClass c = p.retentionClass("vault");
    assertEquals(new Period(72, 0), c.retain());
    assertEquals(RetentionClass.Anchor.ARCHIVED, c.anchor());
    assertEquals(StorageClass.GLACIER, c.storageClass());
    assertEquals("GOVERNANCE", c.lockMode());
    assertEquals("s3://vault-archive/packs", c.targetUri());
    assertEquals("arn:aws:iam::123456789012:role/vault-writer", c.targetRole());
    assertEquals(256L << 20, c.packSize());
    assertEquals(java.time.Duration.ofHours(12), c.rto());
    assertEquals(64, p.sha256().length());
  }

  @Test
  void classesSayWhetherTheyMayBeErased() {
    String yaml = """
        version: 1
        classes:
          records: {retain: 7y, lock: COMPLIANCE, erasable: false}
          profiles: {retain: 2y, erasable: true}
          unsaid: {retain: 1y}
        rules:
          - {id: a, match: {prefix: a/}, class: records}
          - {id: b, match: {prefix: b/}, class: profiles}
          - {id: c, match: {prefix: c/}, class: unsaid}
        """;
    PolicyParser.Parsed p = PolicyParser.read("p.yaml", yaml.getBytes(StandardCharsets.UTF_8));
    assertTrue(p.ok(), p.problems().toString());
    assertFalse(p.policy().retentionClass("records").mayBeErased());
    assertTrue(p.policy().retentionClass("profiles").mayBeErased());
    // Unsaid is refused, and lint says why and what to write.
    assertFalse(p.policy().retentionClass("unsaid").mayBeErased());
    List<String> warnings = p.problems().stream().filter(w -> !w.isError()).map(PolicyProblem::toString).toList();
    assertEquals(1, warnings.stream().filter(w -> w.contains("erase")).count(), warnings.toString());
    assertTrue(warnings.stream().anyMatch(w -> w.startsWith("p.yaml:5: warning: class 'unsaid' does not say whether its"
        + " objects may be erased") && w.contains("erasure requests for them are refused") && w.contains("'erasable: false'")),
        warnings.toString());

    // Erasure destroys an entry's data key: a plaintext class cannot be erasable.
    assertError("version: 1\nclasses: {a: {retain: 1y, encryption: false, erasable: true}}\nrules: [{id: r, match: {}, class: a}]",
        "bad.yaml:2: error: class 'a' is erasable but has 'encryption: false'");
    assertError("version: 1\nclasses: {a: {retain: 1y, erasable: maybe}}\nrules: [{id: r, match: {}, class: a}]",
        "'erasable' must be true or false");
  }

  @Test
  void badPoliciesNameTheLineAndWhatToChange() {
    assertError("version: 1\nclasses: {a: {retain: 1y}}\nrules: [}", "bad.yaml:3: error: not valid YAML");
    assertError("version: 2\nclasses: {a: {retain: 1y}}\nrules: [{id: r, match: {}, class: a}]",
        "bad.yaml:1: error: policy format version 2 is not known");
    assertError("classes: {a: {retain: 1y}}\nrules: [{id: r, match: {}, class: a}]", "'version' is missing");
    assertError(rules("  - id: r\n    match: {}\n    class: sevn\n"), "assigns class 'sevn', which is not defined under 'classes'; did you mean 'seven'?");
    assertError(rules("  - id: r\n    match: {prefx: a/}\n    class: seven\n"), "bad.yaml:14: error: unknown field 'prefx' in the match of rule 'r'; did you mean 'prefix'?");
    assertError(rules("  - id: r\n    match: {glob: 'a/[b'}\n    class: seven\n"), "has a '[' with no closing ']'");
    assertError(rules("  - id: r\n    match: {regex: 'a(b'}\n    class: seven\n"), "is not a valid Java regular expression");
    assertError(rules("  - id: r\n    match: {size: {at-least: 10 MiB, less-than: 1 MiB}}\n    class: seven\n"), "so nothing matches");
    assertError(rules("  - id: r\n    match: {size: {at-least: lots}}\n    class: seven\n"), "'lots' is not a size");
    assertError(rules("  - id: r\n    match: {age: {at-least: 6m}}\n    class: seven\n"), "write mo for months");
    assertError(rules("  - id: r\n    match: {storage-class: GLACEIR}\n    class: seven\n"), "'GLACEIR' is not a valid storage-class; did you mean 'GLACIER'?");
    assertError(rules("  - id: r\n    match: {encryption: AES256}\n    class: seven\n"), "one of NOT-SSE, SSE-S3, SSE-KMS, DSSE-KMS, SSE-C");
    assertError(rules("  - id: r\n    match: {last-modified: {from: 2024-13-01}}\n    class: seven\n"), "is not a date");
    assertError(rules("  - id: r\n    match: {latest: maybe}\n    class: seven\n"), "'latest' must be true or false");
    assertError(rules("  - id: r\n    match: {bucket: My_Bucket}\n    class: seven\n"), "is not an S3 bucket name");
    assertError(rules("  - id: r\n    match: {delete-marker: true, size: {at-least: 1}}\n    class: seven\n"), "delete markers have no size");
    assertError(rules("  - id: r\n    match: {}\n"), "has neither 'class' nor 'exclude'");
    assertError(rules("  - id: r\n    match: {}\n    class: seven\n    exclude: no\n"), "has both 'class' and 'exclude'");
    assertError(rules("  - id: r\n    match: {}\n    class: seven\n  - id: r\n    match: {}\n    class: six\n"),
        "bad.yaml:16: error: rule id 'r' is used twice (first at line 13)");
    assertError(rules("  - match: {}\n    class: seven\n"), "has no 'id'");
    assertError("version: 1\nclasses:\n  a: {retain: 1y, storage-class: STANDARD}\nrules: [{id: r, match: {}, class: a}]",
        "'STANDARD' is not a valid storage-class of a pack");
    assertError("version: 1\nclasses:\n  a: {retain: 1y, pack-size: 1 MiB}\nrules: [{id: r, match: {}, class: a}]",
        "must be between 5 MiB (the S3 multipart minimum)");
    assertError("version: 1\nclasses:\n  a: {storage-class: GLACIER}\nrules: [{id: r, match: {}, class: a}]",
        "class 'a' has no 'retain'");
    assertError("version: 1\nclasses:\n  unmatched: {retain: 1y}\nrules: [{id: r, match: {}, class: unmatched}]",
        "class name 'unmatched' is not allowed");
    assertError("version: 1\nclasses:\n  a: {retain: 1y, encryption: false, key: alias/x}\nrules: [{id: r, match: {}, class: a}]",
        "names a key but has 'encryption: false'");
    assertError("version: 1\nclasses:\n  a: {retain: 1y, target: {uri: 'http://x'}}\nrules: [{id: r, match: {}, class: a}]",
        "is not of the form s3://bucket[/prefix]");
    assertError("version: 1\nclasses:\n  a: {retain: 1y, target: {uri: 's3://vault', role: admin}}\nrules: [{id: r, match: {}, class: a}]",
        "is not an IAM role ARN");
  }

  @Test
  void everyErrorIsReportedNotOnlyTheFirst() {
    List<String> e = errors(rules("""
          - id: a
            match: {prefx: x}
            class: seven
          - id: b
            match: {}
            class: nope
        """));
    assertEquals(2, e.size(), e.toString());
    PolicyException ex = assertThrows(PolicyException.class, () -> PolicyParser.parse("bad.yaml",
        rules("  - id: a\n    match: {prefx: x}\n    class: nope\n").getBytes(StandardCharsets.UTF_8)));
    assertEquals(ErrorKind.USAGE, ex.kind(), "a bad policy exits 2");
    assertTrue(ex.getMessage().startsWith("the policy has 2 errors"), ex.getMessage());
  }

  @Test
  void warningsDoNotStopAPolicy() {
    PolicyParser.Parsed p = read(rules("  - id: a\n    class: seven\n"));
    assertTrue(p.ok());
    List<String> w = p.problems().stream().map(PolicyProblem::toString).toList();
    assertTrue(w.stream().anyMatch(s -> s.contains("warning: rule 'a' has no 'match', so it matches every object")), w.toString());
    assertTrue(w.stream().anyMatch(s -> s.contains("class 'six' is not assigned by any rule")), w.toString());
  }

  @Test
  void theShippedPoliciesAreValidAndLintClean() throws Exception {
    Path conf = Path.of("..", "conf");
    List<Path> files;
    try (Stream<Path> s = Stream.concat(Stream.of(conf.resolve("policy.yaml")),
        Files.list(conf.resolve("policies")).filter(f -> f.toString().endsWith(".yaml")).sorted())) {
      files = s.toList();
    }
    assertTrue(files.size() >= 3, "conf/policy.yaml and the examples under conf/policies: " + files);
    for (Path f : files) {
      PolicyParser.Parsed p = PolicyParser.read(f.toString(), Files.readAllBytes(f));
      assertTrue(p.ok(), f + ": " + p.problems());
      List<PolicyProblem> lint = PolicyLinter.lint(p.policy());
      assertTrue(lint.stream().noneMatch(PolicyProblem::isError), f + ": " + lint);
      // Every shipped class says whether an erasure request may erase its objects.
      p.policy().classes().values().forEach(c -> assertTrue(c.erasable() != null, f + ": class " + c.name()));
    }
  }
}
