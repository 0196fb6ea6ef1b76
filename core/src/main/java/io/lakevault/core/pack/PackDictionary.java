package io.lakevault.core.pack;

import com.github.luben.zstd.ZstdDictTrainer;
import com.github.luben.zstd.ZstdException;
import java.util.List;

/**
 * Trains the zstd dictionary a pack's small entries are compressed with. Each entry is its own zstd
 * frame so that it can be read alone; without a dictionary, a 4 KB JSON record compresses to perhaps
 * half, because every frame starts with no history. A dictionary of what the pack's members have in
 * common (field names, timestamps, paths) restores most of the ratio a whole-stream compressor gets,
 * and costs one range read per pack at restore time.
 */
public final class PackDictionary {
  private PackDictionary() {}

  /** Dictionary size: zstd's default is 110 KB; more gains little for records of a few KB. */
  public static final int DEFAULT_SIZE = 112 * 1024;

  /** Below this many samples, or bytes, training is unreliable and is skipped. */
  public static final int MIN_SAMPLES = 16;
  public static final int MIN_SAMPLE_BYTES = 32 * 1024;

  /**
   * A dictionary size for {@code sampleBytes} of training data: zstd's guidance is about a hundredth of
   * the data; a twentieth still trains well here and helps more, and the dictionary is stored once per
   * pack, so it must stay small next to the pack.
   */
  public static int sizeFor(long sampleBytes) {
    return (int) Math.max(4096, Math.min(DEFAULT_SIZE, sampleBytes / 20));
  }

  /**
   * @param samples member contents, in any order; each sample is used up to 128 KiB
   * @param dictSize the largest dictionary wanted; smaller when the samples are few (see {@link #sizeFor})
   * @return the dictionary, or {@code null} when there is too little to train on or training fails
   *     (then entries are compressed without one, which is always valid)
   */
  public static byte[] train(List<byte[]> samples, int dictSize) {
    long total = 0;
    int usable = 0;
    for (byte[] s : samples) {
      if (s.length >= 8) {
        usable++;
        total += Math.min(s.length, 128 * 1024);
      }
    }
    if (usable < MIN_SAMPLES || total < MIN_SAMPLE_BYTES) {
      return null;
    }
    ZstdDictTrainer trainer = new ZstdDictTrainer((int) Math.min(total, Integer.MAX_VALUE - 16),
        Math.min(dictSize, sizeFor(total)));
    for (byte[] s : samples) {
      if (s.length >= 8) {
        trainer.addSample(s.length <= 128 * 1024 ? s : java.util.Arrays.copyOf(s, 128 * 1024));
      }
    }
    try {
      byte[] dict = trainer.trainSamples();
      return dict == null || dict.length == 0 ? null : dict;
    } catch (ZstdException e) {
      return null;
    }
  }
}
