package io.lakevault.core.cost;

import io.lakevault.core.store.StorageClass;

/**
 * What one retention class holds, as the classify job measures it, for {@link CostModel}. "Days" are
 * per object: the days it stays archived (until retain-until), but at least the storage class's
 * minimum duration, which is billed in any case.
 *
 * @param objects object versions
 * @param bytes their original bytes
 * @param billableBytes sum of max(bytes, the class's minimum billable size)
 * @param objectDays sum of days over the objects
 * @param byteDays sum of bytes times days
 * @param billableByteDays sum of max(bytes, the class's minimum billable size) times days
 * @param compressedBytes estimated bytes after compression
 * @param compressedByteDays estimated compressed bytes times days
 * @param packs estimated packs: per pack group, its compressed bytes over the pack size, rounded up
 */
public record ClassVolume(String className, StorageClass storageClass, long packSize, long objects, long bytes,
    long billableBytes, double objectDays, double byteDays, double billableByteDays, double compressedBytes, double compressedByteDays,
    long packs) {}
