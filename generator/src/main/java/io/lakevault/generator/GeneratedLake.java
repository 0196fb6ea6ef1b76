package io.lakevault.generator;

import io.lakevault.core.inventory.InventoryFormat;
import java.util.List;

/** What the generator wrote: the lake's counts and the inventory reports describing it. */
public record GeneratedLake(List<String> sourceBuckets, String inventoryBucket, long objects, long versions,
    long deleteMarkers, long bytes, List<Report> reports) {

  /** One delivered inventory report. */
  public record Report(String sourceBucket, String configId, InventoryFormat format, boolean allVersions,
      String manifestUri, long rows, int files) {

    /** The configuration prefix, {@code s3://<bucket>/<prefix>/<source-bucket>/<config-id>/}: an inventory source. */
    public String configPrefixUri() {
      int folder = manifestUri.lastIndexOf('/', manifestUri.lastIndexOf('/') - 1);
      return manifestUri.substring(0, folder + 1);
    }
  }
}
