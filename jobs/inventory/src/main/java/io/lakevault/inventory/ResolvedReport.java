package io.lakevault.inventory;

import io.lakevault.core.inventory.InventoryManifest;
import io.lakevault.core.store.S3Uri;
import java.io.Serializable;

/**
 * One report chosen for ingestion, its manifest verified against {@code manifest.checksum}.
 *
 * @param source the {@code --source} it came from
 * @param dataBucket where its data files are: the bucket the manifest was delivered to
 */
public record ResolvedReport(String source, S3Uri manifestUri, String configId, InventoryManifest manifest,
    String manifestMd5, String dataBucket) implements Serializable {}
