package io.lakevault.core.inventory;

import io.lakevault.core.LakevaultException;
import java.time.LocalDate;
import java.util.Collection;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chooses a report under an inventory configuration prefix from the keys found there: the newest
 * complete one (whose {@code manifest.checksum} exists, the file S3 writes last), the newest complete
 * one of a date, or the one named.
 */
public final class ReportSelector {
  private static final Pattern FOLDER = Pattern.compile("(\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}Z)/(manifest\\.json|manifest\\.checksum)");

  private ReportSelector() {}

  /**
   * @param prefix the configuration prefix, ending with '/'
   * @param keys keys under the prefix (others are ignored)
   * @param date only reports of this UTC date, or {@code null}
   * @param report exactly this folder name ({@code YYYY-MM-DDTHH-MMZ}), or {@code null}
   * @return the key of the chosen manifest.json
   */
  public static String select(String sourceUri, String prefix, Collection<String> keys, LocalDate date, String report) {
    TreeMap<String, boolean[]> folders = new TreeMap<>(); // folder -> {has manifest, has checksum}
    for (String k : keys) {
      if (!k.startsWith(prefix)) continue;
      Matcher m = FOLDER.matcher(k.substring(prefix.length()));
      if (!m.matches()) continue;
      boolean[] has = folders.computeIfAbsent(m.group(1), x -> new boolean[2]);
      has[m.group(2).equals("manifest.json") ? 0 : 1] = true;
    }
    if (report != null) {
      boolean[] has = folders.get(report);
      if (has == null || !has[0]) {
        throw LakevaultException.input("no report " + report + " under " + sourceUri + "; reports there: "
            + (folders.isEmpty() ? "none" : String.join(", ", folders.keySet())));
      }
      if (!has[1]) {
        throw LakevaultException.input("report " + report + " under " + sourceUri + " is incomplete: its"
            + " manifest.checksum is missing (S3 writes it last); wait for the delivery to finish");
      }
      return prefix + report + "/manifest.json";
    }
    Optional<String> chosen = folders.descendingMap().entrySet().stream()
        .filter(e -> e.getValue()[0] && e.getValue()[1])
        .filter(e -> date == null || e.getKey().startsWith(date.toString()))
        .map(java.util.Map.Entry::getKey).findFirst();
    return prefix + chosen.orElseThrow(() -> LakevaultException.input("no complete report"
        + (date == null ? "" : " of " + date) + " under " + sourceUri + " (a complete report has manifest.json"
        + " and manifest.checksum); reports there: " + (folders.isEmpty() ? "none" : String.join(", ", folders.keySet()))))
        + "/manifest.json";
  }
}
