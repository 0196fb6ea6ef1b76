package io.lakevault.core.policy;

import static io.lakevault.core.policy.PolicyTestSupport.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyLinterTest {
  private static List<String> lint(String rules) {
    return PolicyLinter.lint(policy(rules)).stream().map(PolicyProblem::toString).toList();
  }

  @Test
  void aRuleCoveredByAnEarlierOneIsShadowed() {
    List<String> out = lint("""
          - id: logs
            match: {bucket: logs, prefix: app/}
            class: seven
          - id: logs-json
            match: {bucket: logs, prefix: app/, glob: 'app/**.json'}
            class: seven
        """);
    // logs-json has a longer literal prefix ("app/" from prefix, specificity 4 both) and is written second.
    assertEquals(1, out.size(), out.toString());
    assertTrue(out.get(0).startsWith("test.yaml:16: error: rule 'logs-json' never decides anything: rule 'logs' (line 13)"), out.get(0));
    assertTrue(out.get(0).contains("give 'logs-json' a higher priority than 0"), out.get(0));
  }

  @Test
  void coverageFollowsEveryKindOfCondition() {
    assertShadowed("{bucket: [a1x, b1x]}", "{bucket: a1x, size: {at-least: 5}}");
    assertShadowed("{prefix: [x/, y/]}", "{prefix: y/z/}");
    assertShadowed("{glob: '**.tmp'}", "{glob: 'build/**/*.tmp'}", false);
    assertShadowed("{glob: '**.tmp'}", "{glob: '**/*.tmp'}");
    assertShadowed("{size: {at-least: 1 KiB}}", "{size: {at-least: 1 MiB, less-than: 2 MiB}}");
    assertShadowed("{age: {at-least: 30d}}", "{age: {at-least: 1mo}}", false); // a month can be 28 days
    assertShadowed("{age: {at-least: 31d}}", "{age: {at-least: 2mo}}");
    assertShadowed("{last-modified: {before: 2025-01-01}}", "{last-modified: {from: 2020-01-01, before: 2021-01-01}}");
    assertShadowed("{storage-class: [STANDARD, STANDARD_IA]}", "{storage-class: STANDARD}");
    assertShadowed("{latest: false}", "{latest: false, delete-marker: true}");
    assertShadowed("{regex: 'a.*'}", "{regex: 'a.*', bucket: a1x}");
    assertShadowed("{regex: 'a.*'}", "{regex: 'ab.*'}", false); // not provable: stays quiet
    assertShadowed("{size: {at-least: 1}}", "{bucket: a1x}", false); // b also matches objects without a size
  }

  private static void assertShadowed(String first, String second) {
    assertShadowed(first, second, true);
  }

  private static void assertShadowed(String first, String second, boolean expected) {
    List<String> out = lint("  - id: first\n    priority: 1\n    match: " + first + "\n    class: seven\n"
        + "  - id: second\n    match: " + second + "\n    class: six\n");
    boolean shadowed = out.stream().anyMatch(s -> s.contains("'second' never decides"));
    assertEquals(expected, shadowed, first + " then " + second + ": " + out);
  }

  @Test
  void overlapDecidedOnlyByFileOrderIsAnError() {
    List<String> out = lint("""
          - id: json
            match: {glob: '**.json'}
            class: seven
          - id: logs
            match: {bucket: logs}
            class: six
        """);
    assertEquals(1, out.size(), out.toString());
    assertTrue(out.get(0).contains("error: rules 'json' (line 13, seven) and 'logs' (six) can match the same objects"), out.get(0));
    assertTrue(out.get(0).contains("give the one that should win a higher priority"), out.get(0));
  }

  @Test
  void overlapDecidedByPriorityIsAWarningAndExclusionsAreQuiet() {
    List<String> out = lint("""
          - id: hold
            priority: 10
            match: {legal-hold: true}
            class: seven
          - id: logs
            match: {bucket: logs}
            class: six
          - id: scratch
            priority: 20
            match: {prefix: tmp/}
            exclude: scratch
        """);
    assertEquals(1, out.size(), out.toString());
    assertTrue(out.get(0).contains("warning: rule 'logs' (six) overlaps rule 'hold' (line 13, seven)"), out.get(0));
    assertTrue(out.get(0).contains("'hold' wins (priority 10 > 0)"), out.get(0));
  }

  @Test
  void provablyDisjointRulesAreQuiet() {
    assertTrue(lint("""
          - id: a
            match: {bucket: logs, prefix: a/}
            class: seven
          - id: b
            match: {bucket: logs, prefix: b/}
            class: six
          - id: c
            match: {bucket: csvs, glob: '**.csv', size: {less-than: 1 KiB}}
            class: short
          - id: d
            match: {bucket: csvs, glob: '**.json'}
            class: seven
          - id: e
            match: {latest: false, bucket: other}
            class: six
          - id: f
            match: {latest: true, bucket: other}
            class: seven
        """).isEmpty());
  }
}
