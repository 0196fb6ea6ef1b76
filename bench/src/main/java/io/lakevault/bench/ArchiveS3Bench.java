package io.lakevault.bench;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.spark.SparkSessions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The archive job reading its sources from an S3 endpoint with S3's latency, against the same job reading
 * them from the local store, alternating in one run on the same lake (ArchiveBench's, generated once).
 *
 * <p>The endpoint is {@link LatencyS3Server} in a process of its own, serving the lake's files with an
 * injected GET latency (default: 20 ms median, 1% at 200 ms); the job reads through the real SDK async
 * client ({@code archive.source-endpoint}), and writes packs and the catalog to the local store in both
 * modes, so the difference is the read path. Reported per run: seconds, objects/s, objects/s per core,
 * the job's CPU-seconds and, for the S3 runs, the server's (it shares the machine's cores with the job; S3
 * would not). A first local run warms the JIT and is not counted.
 *
 * <pre>bench/run ArchiveS3Bench [--objects N] [--runs K] [--dir DIR] [--median-ms 20] [--tail-ms 200] [--tail 0.01]</pre>
 */
public final class ArchiveS3Bench {

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>(Map.of("--objects", "100000", "--runs", "3",
        "--dir", "/tmp/lakevault-bench-archive", "--median-ms", "20", "--tail-ms", "200", "--tail", "0.01"));
    for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
    int objects = Integer.parseInt(a.get("--objects"));
    int runs = Integer.parseInt(a.get("--runs"));
    Path dir = Path.of(a.get("--dir"));
    Path root = ArchiveBench.lake(dir, objects);
    List<Row> rows = ArchiveBench.readManifest(root.resolve("manifest.bin"));
    long bytes = rows.stream().mapToLong(r -> r.<Long>getAs("size")).sum();
    int cores = Runtime.getRuntime().availableProcessors();

    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms1g", "-Xmx1g", "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"),
        LatencyS3Server.class.getName(), root.resolve("store").toString(), a.get("--median-ms"), a.get("--tail-ms"),
        a.get("--tail"), "2026").redirectErrorStream(true);
    // A profiler given to the bench (JAVA_TOOL_OPTIONS) profiles the job, not the server.
    pb.environment().remove("JAVA_TOOL_OPTIONS");
    Process server = pb.start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      String ready = out.readLine();
      while (ready != null && !ready.startsWith("port ")) ready = out.readLine();
      if (ready == null) throw new IllegalStateException("the latency server exited before it was ready");
      String endpoint = "http://127.0.0.1:" + ready.substring(5).trim();
      // The SDK signs requests; the server does not check them.
      System.setProperty("aws.accessKeyId", "bench");
      System.setProperty("aws.secretAccessKey", "bench");
      System.setProperty("aws.region", "us-east-1");

      LakevaultConfig local = ArchiveBench.lakeConfig(root, dir.resolve("keys"));
      Map<String, String> viaS3 = new HashMap<>(local.explicitValues());
      viaS3.put("archive.source-endpoint", endpoint);
      viaS3.put("s3.path-style", "true");
      LakevaultConfig s3 = LakevaultConfig.of(viaS3);
      System.out.printf(Locale.ROOT, "archive from S3 benchmark: %,d objects, %.1f MB, GET latency %s ms median, %s%% at %s ms,"
              + " %d runs each, %d cores, sources from %s%n", rows.size(), bytes / 1e6, a.get("--median-ms"),
          Double.parseDouble(a.get("--tail")) * 100, a.get("--tail-ms"), runs, cores, endpoint);

      SparkSession spark = SparkSessions.getOrCreate(local, "lakevault-bench-archive-s3");
      Policy policy = PolicyParser.parse("bench-policy.yaml", ArchiveBench.POLICY.getBytes(StandardCharsets.UTF_8));
      byte[] policyBytes = ArchiveBench.POLICY.getBytes(StandardCharsets.UTF_8);
      double warm = ArchiveBench.archive(spark, local, root, rows, policy, policyBytes, 0)[0];
      System.out.printf(Locale.ROOT, "warm-up (local, not counted): %.1f s%n", warm);
      List<Double> localSecs = new ArrayList<>();
      List<Double> s3Secs = new ArrayList<>();
      for (int run = 1; run <= runs; run++) {
        long cpu0 = cpu();
        double l = ArchiveBench.archive(spark, local, root, rows, policy, policyBytes, run)[0];
        double lCpu = (cpu() - cpu0) / 1e9;
        long cpu1 = cpu();
        double serverCpu0 = processCpuSeconds(server.pid());
        double s = ArchiveBench.archive(spark, s3, root, rows, policy, policyBytes, run)[0];
        double sCpu = (cpu() - cpu1) / 1e9;
        double serverCpu = processCpuSeconds(server.pid()) - serverCpu0;
        localSecs.add(l);
        s3Secs.add(s);
        System.out.printf(Locale.ROOT, "run %d: local store %5.1f s (%6.0f objects/s, %5.0f per core, job CPU %5.1f s)   "
                + "S3 endpoint %5.1f s (%6.0f objects/s, %5.0f per core, job CPU %5.1f s, server CPU %5.1f s)   S3 / local %.2f%n",
            run, l, rows.size() / l, rows.size() / l / cores, lCpu, s, rows.size() / s, rows.size() / s / cores, sCpu,
            serverCpu, l / s);
      }
      double lm = ArchiveBench.median(localSecs.stream().mapToDouble(Double::doubleValue).toArray());
      double sm = ArchiveBench.median(s3Secs.stream().mapToDouble(Double::doubleValue).toArray());
      System.out.printf(Locale.ROOT, "%nmedians: local store %.1f s = %.0f objects/s (%.0f per core); S3 endpoint %.1f s ="
              + " %.0f objects/s (%.0f per core); S3 / local = %.2f%n", lm, rows.size() / lm, rows.size() / lm / cores, sm,
          rows.size() / sm, rows.size() / sm / cores, lm / sm);
      spark.stop();
    } finally {
      server.destroyForcibly();
    }
  }

  private static long cpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** utime + stime of a process, from /proc (clock ticks of 1/100 s on Linux). */
  private static double processCpuSeconds(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }
}
