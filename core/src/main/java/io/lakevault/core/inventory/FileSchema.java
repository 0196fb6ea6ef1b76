package io.lakevault.core.inventory;

import io.lakevault.core.LakevaultException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The columns of a report, in file order, from the manifest's {@code fileSchema}: the CSV column order
 * comes from here, never from fixed positions. A column S3 added after this build is kept as an
 * unknown column (its name in {@link #unknown()}) and ignored with a warning.
 *
 * @param columns one entry per column, in order; {@code null} for an unknown column
 * @param names the names as written, same order
 */
public record FileSchema(List<InventoryField> columns, List<String> names) implements Serializable {
  private static final Pattern PARQUET_FIELD = Pattern.compile(
      "(required|optional|repeated)\\s+(\\w+)\\s+([A-Za-z_][A-Za-z0-9_]*)\\s*(\\([^)]*\\))?\\s*;");

  public static FileSchema parse(String uri, InventoryFormat format, String text) {
    List<String> names = new ArrayList<>();
    switch (format) {
      case CSV -> {
        for (String n : text.split(",")) names.add(n.trim());
      }
      case ORC -> {
        String t = text.trim();
        if (!t.startsWith("struct<") || !t.endsWith(">")) {
          throw InventoryManifest.bad(uri, "has an ORC fileSchema that is not struct<...>: '" + abbreviate(text) + "'");
        }
        for (String f : t.substring(7, t.length() - 1).split(",")) {
          int colon = f.indexOf(':');
          if (colon <= 0) {
            throw InventoryManifest.bad(uri, "has an ORC fileSchema field '" + f + "' with no type");
          }
          names.add(f.substring(0, colon).trim());
        }
      }
      case PARQUET -> {
        Matcher m = PARQUET_FIELD.matcher(text);
        while (m.find()) names.add(m.group(3));
        if (!text.trim().startsWith("message")) {
          throw InventoryManifest.bad(uri, "has a Parquet fileSchema that is not 'message ... { ... }': '"
              + abbreviate(text) + "'");
        }
      }
    }
    List<InventoryField> cols = new ArrayList<>();
    Set<InventoryField> seen = new HashSet<>();
    for (String n : names) {
      if (n.isEmpty()) {
        throw InventoryManifest.bad(uri, "has an empty column name in its fileSchema");
      }
      InventoryField f = InventoryField.byName(n).orElse(null);
      if (f != null && !seen.add(f)) {
        throw InventoryManifest.bad(uri, "names column '" + n + "' twice in its fileSchema");
      }
      cols.add(f);
    }
    if (!seen.contains(InventoryField.BUCKET) || !seen.contains(InventoryField.KEY)) {
      throw InventoryManifest.bad(uri, "has a fileSchema without Bucket and Key: '" + abbreviate(text) + "'");
    }
    // Unknown columns are null entries, which List.copyOf refuses.
    return new FileSchema(java.util.Collections.unmodifiableList(cols), List.copyOf(names));
  }

  /** True for all-versions reports, which carry VersionId. */
  public boolean allVersions() {
    return columns.contains(InventoryField.VERSION_ID);
  }

  public boolean has(InventoryField f) {
    return columns.contains(f);
  }

  /** Names of columns this build does not know. */
  public List<String> unknown() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i) == null) out.add(names.get(i));
    }
    return out;
  }

  private static String abbreviate(String s) {
    return s.length() > 120 ? s.substring(0, 117) + "..." : s;
  }
}
