package io.lakevault.core.policy;

import java.io.Serializable;

/**
 * One classification rule: when {@link #match} holds, the object version gets {@link #className}, or
 * is excluded from archiving when {@link #excluded()}.
 *
 * @param id unique in the policy; recorded with every decision
 * @param description why the rule exists, for reviewers
 * @param priority higher wins; default 0
 * @param match the conditions
 * @param className the retention class, or {@code null} for an exclusion
 * @param excludeReason why matching objects are not archived, for an exclusion; otherwise {@code null}
 * @param line the rule's line in the policy file (1-based), for messages
 */
public record Rule(String id, String description, int priority, Match match, String className, String excludeReason,
    int line) implements Serializable {

  public boolean excluded() {
    return className == null;
  }

  /** The action as the linter and reports print it: the class name or {@code exclude}. */
  public String action() {
    return excluded() ? "exclude" : className;
  }
}
