package io.lakevault.core.policy;

import static io.lakevault.core.policy.PolicyTestSupport.obj;
import static io.lakevault.core.policy.PolicyTestSupport.policy;
import static io.lakevault.core.policy.PolicyTestSupport.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyEvaluatorTest {
  static final Instant AS_OF = Instant.parse("2026-11-24T00:00:00Z");

  private static String decide(Policy p, ObjectFacts o) {
    PolicyEvaluator.Decision d = new PolicyEvaluator(p).decide(o, AS_OF);
    return d.matched() ? d.rule().id() : null;
  }

  private static boolean matches(String match, ObjectFacts o) {
    Policy p = policy("  - id: r\n    match: " + match + "\n    class: seven\n");
    return decide(p, o) != null;
  }

  @Test
  void eachMatcher() {
    ObjectFacts o = obj("logs", "app/2024/a.json");
    assertTrue(matches("{bucket: logs}", o));
    assertTrue(matches("{bucket: [other, logs]}", o));
    assertFalse(matches("{bucket: other}", o));
    assertTrue(matches("{prefix: app/}", o));
    assertTrue(matches("{prefix: [x/, app/20]}", o));
    assertFalse(matches("{prefix: App/}", o), "prefixes are case-sensitive, as S3 keys are");
    assertTrue(matches("{glob: 'app/*/a.json'}", o));
    assertFalse(matches("{glob: 'app/*.json'}", o), "* stays within a segment");
    assertTrue(matches("{glob: 'app/**.json'}", o));
    assertTrue(matches("{glob: '**/*.json'}", o));
    assertTrue(matches("{glob: 'app/**/a.json'}", o));
    assertTrue(matches("{glob: 'app/20[0-9][0-9]/?.json'}", o));
    assertTrue(matches("{regex: 'app/\\d{4}/.*'}", o));
    assertFalse(matches("{regex: '\\d{4}'}", o), "a regex must match the whole key");
    assertTrue(matches("{size: {at-least: 1000}}", o));
    assertFalse(matches("{size: {at-least: 1001}}", o));
    assertFalse(matches("{size: {less-than: 1000}}", o), "less-than is exclusive");
    assertTrue(matches("{size: {less-than: 1 KiB}}", o));
    assertTrue(matches("{age: {at-least: 2y}}", o));
    assertFalse(matches("{age: {at-least: 3y}}", o));
    assertTrue(matches("{age: {less-than: 3y}}", o));
    assertTrue(matches("{last-modified: {from: 2024-01-15T10:00:00Z}}", o), "from is inclusive");
    assertFalse(matches("{last-modified: {before: 2024-01-15T10:00:00Z}}", o), "before is exclusive");
    assertTrue(matches("{last-modified: {from: 2024-01-01, before: 2024-02-01}}", o));
    assertTrue(matches("{storage-class: [standard, STANDARD_IA]}", o), "enumerations in any case");
    assertFalse(matches("{storage-class: GLACIER}", o));
    assertTrue(matches("{encryption: SSE-S3}", o));
    assertFalse(matches("{encryption: SSE-KMS}", o));
    assertTrue(matches("{lock-mode: none}", o), "no lock field means no lock");
    assertFalse(matches("{lock-mode: COMPLIANCE}", o));
    assertTrue(matches("{legal-hold: false}", o));
    assertTrue(matches("{latest: true}", o));
    assertTrue(matches("{delete-marker: false}", o));
    assertTrue(matches("{}", o));
  }

  @Test
  void missingFieldsDoNotMatchExceptWhereEmptyHasAMeaning() {
    ObjectFacts marker = new ObjectFacts("logs", "a", "v2", true, true, null, Instant.parse("2025-01-01T00:00:00Z"),
        null, null, null, null);
    assertFalse(matches("{size: {at-least: 0}}", marker), "a delete marker has no size");
    assertFalse(matches("{storage-class: STANDARD}", marker));
    assertFalse(matches("{encryption: NOT-SSE}", marker));
    assertTrue(matches("{delete-marker: true}", marker));
    ObjectFacts current = new ObjectFacts("logs", "a", null, null, null, 5L, null, "STANDARD", null, null, null);
    assertTrue(matches("{latest: true}", current), "current-version reports have no IsLatest: every row is current");
    assertTrue(matches("{delete-marker: false}", current));
    assertFalse(matches("{age: {at-least: 1d}}", current), "no last-modified date: age unknown");
    ObjectFacts locked = new ObjectFacts("tx", "a", "v", false, false, 5L, AS_OF, "STANDARD", "SSE-KMS", "COMPLIANCE", "ON");
    assertTrue(matches("{lock-mode: compliance, legal-hold: true, latest: false, encryption: sse-kms}", locked));
    assertFalse(matches("{lock-mode: [none, GOVERNANCE]}", locked));
  }

  @Test
  void resolutionIsPriorityThenLongestPrefixThenFileOrder() {
    Policy p = policy("""
          - id: broad
            match: {bucket: logs}
            class: six
          - id: specific
            match: {bucket: logs, prefix: app/2024/}
            class: seven
          - id: urgent
            priority: 5
            match: {glob: '**.json'}
            exclude: test
          - id: same-as-broad
            match: {bucket: logs, glob: '**/*.csv'}
            class: short
        """);
    assertEquals(List.of("urgent", "specific", "broad", "same-as-broad"), p.precedence().stream().map(Rule::id).toList());
    assertEquals("urgent", decide(p, obj("logs", "app/2024/a.json")));
    assertEquals("specific", decide(p, obj("logs", "app/2024/a.bin")));
    assertEquals("broad", decide(p, obj("logs", "app/2023/a.bin")));
    assertEquals("broad", decide(p, obj("logs", "x.csv")), "equal priority and prefix: the rule written first");
    assertNull(decide(p, obj("other", "x.bin")), "no rule: unmatched");
  }

  @Test
  void retainUntilCountsMonthsThenDaysInUtcAndClampsLeapDays() {
    Policy p = policy("  - id: all\n    match: {}\n    class: seven\n");
    PolicyEvaluator e = new PolicyEvaluator(p);
    ObjectFacts leap = with(obj("b", "k"), 1L, Instant.parse("2020-02-29T23:30:00Z"));
    assertEquals(Instant.parse("2027-02-28T23:30:00Z"), e.decide(leap, AS_OF).retainUntil(),
        "Feb 29 plus seven years is Feb 28: the month is kept, the day clamped");
    ObjectFacts lateUtc = with(obj("b", "k"), 1L, Instant.parse("2023-12-31T23:59:59Z"));
    assertEquals(Instant.parse("2030-12-31T23:59:59Z"), e.decide(lateUtc, AS_OF).retainUntil(),
        "in UTC: a New Year's Eve object is not moved to the next year by a local time zone");
    assertEquals(Instant.parse("2024-03-01T00:00:00Z"), Period.parse("30d").addTo(Instant.parse("2024-01-31T00:00:00Z")),
        "30 days from Jan 31 in a leap year is Mar 1");
    assertEquals(Instant.parse("2024-02-29T00:00:00Z"), Period.parse("1mo").addTo(Instant.parse("2024-01-31T00:00:00Z")));
    assertEquals(Instant.parse("2025-03-29T00:00:00Z"), Period.parse("1y 1mo").addTo(Instant.parse("2024-02-29T00:00:00Z")),
        "13 months at once, not a year then a month (which would give Mar 28)");

    Policy fromArchive = policy("  - id: all\n    match: {}\n    class: six\n");
    assertEquals(Instant.parse("2032-11-24T00:00:00Z"),
        new PolicyEvaluator(fromArchive).decide(leap, AS_OF).retainUntil(), "counted from archive (classification) time");
  }

  @Test
  void explainListsEveryConditionOfEveryRule() {
    Policy p = policy("""
          - id: big-json
            match: {bucket: logs, glob: '**.json', size: {at-least: 1 MiB}}
            class: seven
          - id: logs
            match: {bucket: logs}
            class: six
        """);
    PolicyEvaluator.Explanation e = new PolicyEvaluator(p).explain(obj("logs", "a.json"), AS_OF);
    assertEquals("logs", e.decision().rule().id());
    PolicyEvaluator.RuleResult first = e.rules().get(0);
    assertFalse(first.matches());
    assertEquals(List.of("bucket", "glob", "size"), first.checks().stream().map(PolicyEvaluator.Check::condition).toList());
    assertEquals(List.of(true, true, false), first.checks().stream().map(PolicyEvaluator.Check::holds).toList());
    assertTrue(first.checks().get(2).detail().contains("1000 B"), first.checks().get(2).detail());
  }

  @Test
  void periodsParseAndPrint() {
    assertEquals(new Period(84, 0), Period.parse("7y"));
    assertEquals(new Period(84, 0), Period.parse("7 years"));
    assertEquals(new Period(18, 3), Period.parse("1y 6mo 3d"));
    assertEquals(new Period(0, 14), Period.parse("2w"));
    assertEquals(new Period(18, 0), Period.parse("P1Y6M"));
    assertEquals("1y 6mo 3d", new Period(18, 3).toString());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Period.parse("6m"));
    assertTrue(e.getMessage().contains("write mo for months"), e.getMessage());
  }

  @Test
  void globShapes() {
    assertEquals(KeyGlob.Shape.PREFIX, KeyGlob.compile("logs/**").shape());
    assertEquals(KeyGlob.Shape.SUFFIX, KeyGlob.compile("**/*.tmp").shape());
    assertEquals(".tmp", KeyGlob.compile("**.tmp").literal());
    assertEquals(KeyGlob.Shape.EXACT, KeyGlob.compile("a/b.json").shape());
    assertEquals(KeyGlob.Shape.PATTERN, KeyGlob.compile("logs/*/x").shape());
    assertEquals("logs/", KeyGlob.compile("logs/*/x").literalPrefix());
    assertTrue(KeyGlob.compile("a\\*b").matches("a*b"), "escaped star is literal");
    assertFalse(KeyGlob.compile("a\\*b").matches("axb"));
    assertTrue(KeyGlob.compile("[!x]y").matches("zy"));
    assertFalse(KeyGlob.compile("[!x]y").matches("/y"), "a negated set never matches '/'");
    assertTrue(KeyGlob.compile("**/").matches("reports/folder-marker/"));
  }
}
