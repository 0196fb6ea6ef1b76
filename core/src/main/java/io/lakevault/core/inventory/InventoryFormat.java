package io.lakevault.core.inventory;

import io.lakevault.core.LakevaultException;
import java.util.Locale;

/** Report file formats, as manifest.json's {@code fileFormat} spells them. */
public enum InventoryFormat {
  CSV("CSV", ".csv.gz"), ORC("ORC", ".orc"), PARQUET("Parquet", ".parquet");

  private final String manifestName;
  private final String extension;

  InventoryFormat(String manifestName, String extension) {
    this.manifestName = manifestName;
    this.extension = extension;
  }

  public String manifestName() {
    return manifestName;
  }

  public String extension() {
    return extension;
  }

  public static InventoryFormat parse(String s) {
    return switch (s.trim().toUpperCase(Locale.ROOT)) {
      case "CSV" -> CSV;
      case "ORC" -> ORC;
      case "PARQUET" -> PARQUET;
      default -> throw LakevaultException.input("inventory format '" + s + "' is unknown; S3 Inventory writes CSV, ORC or Parquet");
    };
  }
}
