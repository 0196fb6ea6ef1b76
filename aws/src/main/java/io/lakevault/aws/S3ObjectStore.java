package io.lakevault.aws;

import io.lakevault.core.store.ChecksumAlgorithm;
import io.lakevault.core.store.Keys;
import io.lakevault.core.store.MultipartUpload;
import io.lakevault.core.store.ObjectLockMode;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.ObjectStoreException.Reason;
import io.lakevault.core.store.ObjectVersion;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.RestoreRequestResult;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.store.StorageClass;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CreateBucketConfiguration;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GlacierJobParameters;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectLockLegalHoldStatus;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.Tier;

/**
 * {@link ObjectStore} on Amazon S3 (or an S3-compatible endpoint) through AWS SDK v2.
 *
 * <p>Throttling (503 SlowDown) and transient errors are retried by the SDK's standard retry strategy:
 * exponential backoff with jitter, up to {@code s3.max-attempts} attempts; what still fails becomes
 * an {@link ObjectStoreException} naming the object and the S3 error code.
 */
public final class S3ObjectStore implements ObjectStore {
  private static final Pattern RESTORE = Pattern.compile(
      "ongoing-request=\"(true|false)\"(?:,\\s*expiry-date=\"([^\"]+)\")?");

  /**
   * Small GETs the async client keeps in flight at most, per store: what a pack task needs to keep
   * about 5,000 objects a second coming from S3 at 20-50 ms a GET, with room for the slow tail.
   */
  public static final int ASYNC_MAX_CONCURRENCY = 256;

  private final S3Client s3;
  private final S3Settings settings;
  private final int listPageSize;
  private final String role;
  private final software.amazon.awssdk.services.sts.StsClient sts;
  private final AwsCredentialsProvider credentials;
  /** 503 answers of every attempt on either client: {@link #throttledResponses()}. */
  private final AtomicLong throttled = new AtomicLong();
  /** Built on the first {@link #readAllAsync}: only the archive's source reads use it. */
  private S3AsyncClient async;

  public S3ObjectStore(S3Settings settings) {
    this(settings, 1000);
  }

  /** With a smaller listing page, so tests cross page boundaries with a handful of keys. */
  public S3ObjectStore(S3Settings settings, int listPageSize) {
    this(settings, listPageSize, null, null);
  }

  /**
   * Through a role assumed with STS (session name {@code lakevault}); the SDK refreshes the session
   * before it expires.
   */
  public S3ObjectStore(S3Settings settings, String roleArn, String stsEndpoint) {
    this(settings, 1000, roleArn, stsEndpoint);
  }

  private S3ObjectStore(S3Settings settings, int listPageSize, String roleArn, String stsEndpoint) {
    this.settings = settings;
    this.listPageSize = listPageSize;
    this.role = roleArn;
    var b = S3Client.builder()
        .region(Region.of(settings.region()))
        .forcePathStyle(settings.pathStyle())
        // Per attempt: a connection that cannot be made in 10 s, or a response that stalls 60 s between two
        // reads, is given up and retried (within s3.max-attempts) instead of holding a task forever.
        .httpClientBuilder(ApacheHttpClient.builder().maxConnections(64).connectionTimeout(Duration.ofSeconds(10))
            .socketTimeout(Duration.ofSeconds(60)))
        .overrideConfiguration(o -> o.retryStrategy(retryStrategy(settings)).apiCallTimeout(settings.callTimeout())
            .addExecutionInterceptor(new ThrottleCounter()));
    if (settings.endpoint() != null) {
      b.endpointOverride(URI.create(settings.endpoint()));
    }
    if (roleArn != null) {
      var sts = software.amazon.awssdk.services.sts.StsClient.builder().region(Region.of(settings.region()))
          .httpClientBuilder(ApacheHttpClient.builder());
      if (stsEndpoint != null) sts.endpointOverride(URI.create(stsEndpoint));
      this.sts = sts.build();
      this.credentials = software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider.builder()
          .stsClient(this.sts).refreshRequest(r -> r.roleArn(roleArn).roleSessionName("lakevault")).build();
      b.credentialsProvider(credentials);
    } else {
      this.sts = null;
      this.credentials = null;
    }
    this.s3 = b.build();
  }

  /**
   * The SDK's standard strategy: exponential backoff with jitter on throttling, 5xx and connection errors,
   * up to {@code s3.max-attempts}. Not its adaptive one: its client-side rate limit measures the rate of a
   * client that has only just started, and held an archive task that met three 503s to about one GET a
   * second (80 reads: 72 s, against 0.4 s with this one). The archive adapts where it matters instead, in
   * how many GETs it keeps in flight ({@link #throttledResponses()}).
   */
  private static RetryStrategy retryStrategy(S3Settings settings) {
    return AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(settings.maxAttempts()).build();
  }

  /** Counts the 503 answers of every attempt, those the SDK retried included. */
  private final class ThrottleCounter implements ExecutionInterceptor {
    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
      if (context.httpResponse().statusCode() == 503) throttled.incrementAndGet();
    }
  }

  @Override
  public long throttledResponses() {
    return throttled.get();
  }

  /**
   * The async client: hundreds of GETs in flight on a few event-loop threads, each attempt bounded by
   * {@code s3.read-timeout} so one stalled connection is retried rather than waited for.
   */
  private synchronized S3AsyncClient async() {
    if (async == null) {
      var b = S3AsyncClient.builder()
          .region(Region.of(settings.region()))
          .forcePathStyle(settings.pathStyle())
          .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(ASYNC_MAX_CONCURRENCY)
              .maxPendingConnectionAcquires(100_000).connectionTimeout(Duration.ofSeconds(10))
              .readTimeout(Duration.ofSeconds(60)))
          .overrideConfiguration(o -> o.retryStrategy(retryStrategy(settings)).apiCallTimeout(settings.callTimeout())
              .apiCallAttemptTimeout(settings.readTimeout()).addExecutionInterceptor(new ThrottleCounter()));
      if (settings.endpoint() != null) b.endpointOverride(URI.create(settings.endpoint()));
      if (credentials != null) b.credentialsProvider(credentials);
      async = b.build();
    }
    return async;
  }

  /** The SDK client, for adapters in this module that need calls the contract does not cover. */
  S3Client client() {
    return s3;
  }

  @Override
  public String describe() {
    return "s3(" + (settings.endpoint() == null ? settings.region() : settings.endpoint())
        + (role == null ? "" : " as " + role) + ")";
  }

  @Override
  public void close() {
    s3.close();
    synchronized (this) {
      if (async != null) async.close();
    }
    if (sts != null) sts.close();
  }

  // ---------------------------------------------------------------- buckets

  @Override
  public void createBucket(String bucket, boolean versioning, boolean objectLock) {
    call("create bucket " + bucket, () -> {
      try {
        s3.createBucket(r -> {
          r.bucket(bucket).objectLockEnabledForBucket(objectLock);
          if (!"us-east-1".equals(settings.region())) {
            r.createBucketConfiguration(CreateBucketConfiguration.builder().locationConstraint(settings.region()).build());
          }
        });
      } catch (S3Exception e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        if (!"BucketAlreadyOwnedByYou".equals(code)) throw e;
        return null;
      }
      if (versioning && !objectLock) {
        s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
      }
      return null;
    });
  }

  @Override
  public boolean bucketExists(String bucket) {
    try {
      s3.headBucket(r -> r.bucket(bucket));
      return true;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) return false;
      throw translate("check bucket " + bucket, e);
    } catch (SdkClientException e) {
      throw translate("check bucket " + bucket, e);
    }
  }

  @Override
  public BucketProtection bucketProtection(String bucket) {
    return call("read the versioning and Object Lock settings of bucket " + bucket, () -> {
      boolean versioning = s3.getBucketVersioning(r -> r.bucket(bucket)).status() == BucketVersioningStatus.ENABLED;
      boolean lock;
      try {
        var c = s3.getObjectLockConfiguration(r -> r.bucket(bucket)).objectLockConfiguration();
        lock = c != null && "Enabled".equals(c.objectLockEnabledAsString());
      } catch (S3Exception e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        if (!"ObjectLockConfigurationNotFoundError".equals(code)) throw e;
        lock = false;
      }
      return new BucketProtection(versioning, lock);
    });
  }

  // ---------------------------------------------------------------- reads

  @Override
  public ObjectMetadata head(ObjectRef ref) {
    try {
      HeadObjectResponse h = s3.headObject(r -> r.bucket(ref.bucket()).key(ref.key()).versionId(ref.versionId())
          .checksumMode(ChecksumMode.ENABLED));
      return toMetadata(ref, h);
    } catch (S3Exception e) {
      // HEAD answers have no body, so a 404 does not say whether the bucket or the key is missing.
      if (e.statusCode() == 404 && !bucketExists(ref.bucket())) {
        throw noSuchBucket(ref.bucket(), e);
      }
      if (e.statusCode() == 405) {
        throw new ObjectStoreException(Reason.NOT_FOUND, ref + " is a delete marker", e);
      }
      throw translate("head " + ref, e);
    } catch (SdkClientException e) {
      throw translate("head " + ref, e);
    }
  }

  /** The checksums S3 answered with (HEAD and GET name them alike), by algorithm. */
  private static Map<ChecksumAlgorithm, String> sums(String crc32, String crc32c, String sha1, String sha256) {
    Map<ChecksumAlgorithm, String> sums = new EnumMap<>(ChecksumAlgorithm.class);
    if (crc32 != null) sums.put(ChecksumAlgorithm.CRC32, crc32);
    if (crc32c != null) sums.put(ChecksumAlgorithm.CRC32C, crc32c);
    if (sha1 != null) sums.put(ChecksumAlgorithm.SHA1, sha1);
    if (sha256 != null) sums.put(ChecksumAlgorithm.SHA256, sha256);
    return sums;
  }

  private static ObjectMetadata toMetadata(ObjectRef ref, HeadObjectResponse h) {
    Map<ChecksumAlgorithm, String> sums = sums(h.checksumCRC32(), h.checksumCRC32C(), h.checksumSHA1(), h.checksumSHA256());
    Boolean ongoing = null;
    Instant expiry = null;
    if (h.restore() != null) {
      Matcher m = RESTORE.matcher(h.restore());
      if (m.find()) {
        ongoing = Boolean.parseBoolean(m.group(1));
        if (m.group(2) != null) {
          expiry = ZonedDateTime.parse(m.group(2), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        }
      }
    }
    return new ObjectMetadata(ref.bucket(), ref.key(), h.versionId() == null ? "null" : h.versionId(),
        h.contentLength(), unquote(h.eTag()), h.lastModified(), StorageClass.fromWire(h.storageClassAsString()),
        h.contentType(), h.metadata(), sums, ongoing, expiry,
        h.objectLockMode() == null ? null : ObjectLockMode.valueOf(h.objectLockModeAsString()),
        h.objectLockRetainUntilDate(), h.objectLockLegalHoldStatus() == ObjectLockLegalHoldStatus.ON,
        h.serverSideEncryptionAsString(), h.ssekmsKeyId());
  }

  private static ObjectMetadata toMetadata(ObjectRef ref, GetObjectResponse g) {
    Map<ChecksumAlgorithm, String> sums = sums(g.checksumCRC32(), g.checksumCRC32C(), g.checksumSHA1(), g.checksumSHA256());
    return new ObjectMetadata(ref.bucket(), ref.key(), g.versionId() == null ? "null" : g.versionId(),
        g.contentLength(), unquote(g.eTag()), g.lastModified(), StorageClass.fromWire(g.storageClassAsString()),
        g.contentType(), g.metadata(), sums, null, null,
        g.objectLockMode() == null ? null : ObjectLockMode.valueOf(g.objectLockModeAsString()),
        g.objectLockRetainUntilDate(), g.objectLockLegalHoldStatus() == ObjectLockLegalHoldStatus.ON,
        g.serverSideEncryptionAsString(), g.ssekmsKeyId());
  }

  /**
   * One GET on the async client, holding no thread while S3 answers: the archive keeps hundreds of these
   * in flight per task. The version is read whole (a version id, or If-Match on the ETag, fixes its size);
   * checksums stored with it are validated as with {@link #open}. Errors complete the future with the same
   * {@link ObjectStoreException} the blocking read would throw.
   */
  @Override
  public CompletableFuture<ObjectBytes> readAllAsync(ObjectRef ref, int limit, String ifMatch, Executor blocking) {
    return async().getObject(r -> r.bucket(ref.bucket()).key(ref.key()).versionId(ref.versionId())
            .ifMatch(ifMatch == null ? null : "\"" + ifMatch + "\"").checksumMode(ChecksumMode.ENABLED),
        AsyncResponseTransformer.toBytes())
        .handle((resp, failure) -> {
          if (failure == null) {
            byte[] all = resp.asByteArrayUnsafe();
            ObjectMetadata m = toMetadata(ref, resp.response());
            return all.length <= limit ? new ObjectBytes(m, all, false)
                : new ObjectBytes(m, Arrays.copyOf(all, limit), true);
          }
          Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
          if (t instanceof S3Exception e) {
            if (e.statusCode() == 405) throw new ObjectStoreException(Reason.NOT_FOUND, ref + " is a delete marker", e);
            throw translate("get " + ref, e);
          }
          if (t instanceof SdkClientException e) throw translate("get " + ref, e);
          if (t instanceof RuntimeException e) throw e;
          throw new ObjectStoreException(Reason.OTHER, "cannot get " + ref + ": " + t, t);
        });
  }

  /** One GET: the response headers carry what HEAD would, so archiving costs one request per object. */
  @Override
  public ObjectContent open(ObjectRef ref, String ifMatch) {
    try {
      var in = s3.getObject(r -> r.bucket(ref.bucket()).key(ref.key()).versionId(ref.versionId())
          .ifMatch(ifMatch == null ? null : "\"" + ifMatch + "\"").checksumMode(ChecksumMode.ENABLED));
      ObjectMetadata m = toMetadata(ref, in.response());
      return new ObjectContent(m, in);
    } catch (S3Exception e) {
      if (e.statusCode() == 405) {
        throw new ObjectStoreException(Reason.NOT_FOUND, ref + " is a delete marker", e);
      }
      throw translate("get " + ref, e);
    } catch (SdkClientException e) {
      throw translate("get " + ref, e);
    }
  }

  @Override
  public InputStream get(ObjectRef ref, ByteRange range) {
    try {
      return s3.getObject(r -> {
        r.bucket(ref.bucket()).key(ref.key()).versionId(ref.versionId());
        if (range != null) r.range("bytes=" + range.first() + "-" + range.last());
      });
    } catch (S3Exception e) {
      if (e.statusCode() == 405) {
        throw new ObjectStoreException(Reason.NOT_FOUND, ref + " is a delete marker", e);
      }
      throw translate("get " + ref + (range == null ? "" : " bytes " + range.first() + "-" + range.last()), e);
    } catch (SdkClientException e) {
      throw translate("get " + ref, e);
    }
  }

  // ---------------------------------------------------------------- writes

  @Override
  public ObjectMetadata put(String bucket, String key, InputStream data, long length, PutOptions o) {
    ObjectRef ref = ObjectRef.of(bucket, key);
    return call("put " + ref, () -> {
      PutObjectRequest.Builder r = PutObjectRequest.builder().bucket(bucket).key(key).contentLength(length)
          .storageClass(o.storageClassOrDefault().name()).contentType(o.contentType()).metadata(o.userMetadata());
      if (o.serverSideEncryption() != null) r.serverSideEncryption(o.serverSideEncryption()).ssekmsKeyId(o.kmsKeyId());
      if (o.checksumAlgorithm() != null) r.checksumAlgorithm(o.checksumAlgorithm().name());
      if (o.checksumValue() != null) {
        // Sent as the writer computed it, not computed again by the SDK from the bytes it sends: S3 then
        // checks the bytes it received against the writer's own digest (BadDigest when they differ).
        switch (o.checksumAlgorithm()) {
          case CRC32 -> r.checksumCRC32(o.checksumValue());
          case CRC32C -> r.checksumCRC32C(o.checksumValue());
          case SHA1 -> r.checksumSHA1(o.checksumValue());
          case SHA256 -> r.checksumSHA256(o.checksumValue());
        }
      }
      if (o.lockMode() != null) r.objectLockMode(o.lockMode().name()).objectLockRetainUntilDate(o.lockRetainUntil());
      if (o.legalHold()) r.objectLockLegalHoldStatus(ObjectLockLegalHoldStatus.ON);
      if (o.ifNoneMatch()) r.ifNoneMatch("*");
      if (o.ifMatch() != null) r.ifMatch("\"" + o.ifMatch() + "\"");
      var resp = s3.putObject(r.build(), RequestBody.fromInputStream(data, length));
      Map<ChecksumAlgorithm, String> sums = checksums(o.checksumAlgorithm(),
          resp.checksumCRC32(), resp.checksumCRC32C(), resp.checksumSHA1(), resp.checksumSHA256());
      requireChecksum("put " + ref, o.checksumAlgorithm(), o.checksumValue(), sums);
      return written(bucket, key, resp.versionId(), length, resp.eTag(), o, sums);
    });
  }

  /**
   * S3 refuses a write whose bytes do not match the checksum sent (BadDigest); a store that answers with
   * another checksum than the one sent (an S3-compatible store that recomputes, or one that does not check)
   * is caught here, so no caller takes the write for the writer's bytes.
   */
  private static void requireChecksum(String what, ChecksumAlgorithm a, String expected,
      Map<ChecksumAlgorithm, String> stored) {
    if (expected == null) return;
    String got = stored.get(a);
    if (got != null && !got.equals(expected)) {
      throw new ObjectStoreException(Reason.BAD_DIGEST, "cannot " + what + ": the store holds " + a + " " + got
          + " but the writer's checksum is " + expected + "; the bytes were damaged on the way: write them again");
    }
  }

  /** Metadata of a version just written, from the request and the response (no extra HEAD). */
  private static ObjectMetadata written(String bucket, String key, String versionId, long size, String eTag,
      PutOptions o, Map<ChecksumAlgorithm, String> sums) {
    return new ObjectMetadata(bucket, key, versionId == null ? "null" : versionId, size, unquote(eTag), Instant.now(),
        o.storageClassOrDefault(), o.contentType(), o.userMetadata(), sums, null, null, o.lockMode(),
        o.lockRetainUntil(), o.legalHold(), o.serverSideEncryption(), o.kmsKeyId());
  }

  private static Map<ChecksumAlgorithm, String> checksums(ChecksumAlgorithm a, String crc32, String crc32c,
      String sha1, String sha256) {
    Map<ChecksumAlgorithm, String> m = new EnumMap<>(ChecksumAlgorithm.class);
    if (a == null) return m;
    String v = switch (a) {
      case CRC32 -> crc32;
      case CRC32C -> crc32c;
      case SHA1 -> sha1;
      case SHA256 -> sha256;
    };
    if (v != null) m.put(a, v);
    return m;
  }

  @Override
  public MultipartUpload startMultipartUpload(String bucket, String key, PutOptions o) {
    ObjectRef ref = ObjectRef.of(bucket, key);
    String id = call("start multipart upload of " + ref, () -> {
      CreateMultipartUploadRequest.Builder r = CreateMultipartUploadRequest.builder().bucket(bucket).key(key)
          .storageClass(o.storageClassOrDefault().name()).contentType(o.contentType()).metadata(o.userMetadata());
      if (o.serverSideEncryption() != null) r.serverSideEncryption(o.serverSideEncryption()).ssekmsKeyId(o.kmsKeyId());
      if (o.checksumAlgorithm() != null) r.checksumAlgorithm(o.checksumAlgorithm().name());
      if (o.fullObjectChecksum()) r.checksumType(ChecksumType.FULL_OBJECT);
      if (o.lockMode() != null) r.objectLockMode(o.lockMode().name()).objectLockRetainUntilDate(o.lockRetainUntil());
      if (o.legalHold()) r.objectLockLegalHoldStatus(ObjectLockLegalHoldStatus.ON);
      return s3.createMultipartUpload(r.build()).uploadId();
    });
    return new S3Upload(bucket, key, id, o);
  }

  private final class S3Upload implements MultipartUpload {
    private final String bucket;
    private final String key;
    private final String id;
    private final PutOptions options;

    S3Upload(String bucket, String key, String id, PutOptions options) {
      this.bucket = bucket;
      this.key = key;
      this.id = id;
      this.options = options;
    }

    @Override public String bucket() { return bucket; }
    @Override public String key() { return key; }
    @Override public String uploadId() { return id; }

    @Override
    public CompletedPart uploadPart(int partNumber, InputStream data, long length) {
      return call("upload part " + partNumber + " of s3://" + bucket + "/" + key, () -> {
        var resp = s3.uploadPart(r -> {
          r.bucket(bucket).key(key).uploadId(id).partNumber(partNumber).contentLength(length);
          if (options.checksumAlgorithm() != null) r.checksumAlgorithm(options.checksumAlgorithm().name());
        }, RequestBody.fromInputStream(data, length));
        Map<ChecksumAlgorithm, String> sums = checksums(options.checksumAlgorithm(), resp.checksumCRC32(),
            resp.checksumCRC32C(), resp.checksumSHA1(), resp.checksumSHA256());
        return new CompletedPart(partNumber, unquote(resp.eTag()),
            options.checksumAlgorithm() == null ? null : sums.get(options.checksumAlgorithm()));
      });
    }

    @Override
    public ObjectMetadata complete(List<CompletedPart> parts, String fullObjectChecksum) {
      if (fullObjectChecksum != null && !options.fullObjectChecksum()) {
        throw new IllegalArgumentException("s3://" + bucket + "/" + key + " was not started with a full-object checksum");
      }
      return call("complete multipart upload of s3://" + bucket + "/" + key, () -> {
        List<software.amazon.awssdk.services.s3.model.CompletedPart> done = new ArrayList<>();
        for (CompletedPart p : parts) {
          var b = software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(p.partNumber()).eTag(p.eTag());
          if (p.checksum() != null) {
            switch (options.checksumAlgorithm()) {
              case CRC32 -> b.checksumCRC32(p.checksum());
              case CRC32C -> b.checksumCRC32C(p.checksum());
              case SHA1 -> b.checksumSHA1(p.checksum());
              case SHA256 -> b.checksumSHA256(p.checksum());
            }
          }
          done.add(b.build());
        }
        var resp = s3.completeMultipartUpload(r -> {
          r.bucket(bucket).key(key).uploadId(id).multipartUpload(CompletedMultipartUpload.builder().parts(done).build());
          if (options.ifNoneMatch()) r.ifNoneMatch("*");
          if (fullObjectChecksum != null) {
            r.checksumType(ChecksumType.FULL_OBJECT);
            switch (options.checksumAlgorithm()) {
              case CRC32 -> r.checksumCRC32(fullObjectChecksum);
              case CRC32C -> r.checksumCRC32C(fullObjectChecksum);
              default -> throw new IllegalStateException("full-object " + options.checksumAlgorithm());
            }
          }
        });
        if (options.lockMode() != null || options.legalHold()) {
          // S3 applies the lock given at CreateMultipartUpload; some S3-compatible stores (and the
          // emulator) drop it. Setting the same retention again is allowed even in COMPLIANCE mode, and
          // an archive pack must never be left unlocked.
          ObjectRef version = new ObjectRef(bucket, key, resp.versionId());
          if (options.lockMode() != null) {
            s3.putObjectRetention(r -> r.bucket(bucket).key(key).versionId(resp.versionId())
                .retention(t -> t.mode(options.lockMode().name()).retainUntilDate(options.lockRetainUntil())));
          }
          if (options.legalHold()) {
            putLegalHold(version, true);
          }
        }
        // The response has no size: one HEAD of the new version gives exact metadata.
        // In an unversioned bucket the id is "null", which the emulator refuses on HEAD: ask for the current one.
        String v = resp.versionId() == null || "null".equals(resp.versionId()) ? null : resp.versionId();
        ObjectMetadata m = head(new ObjectRef(bucket, key, v));
        // S3 has already compared the assembled object with the writer's checksum; the HEAD shows what it
        // stored, which a store that does not compare (the emulator) computed from the bytes it holds.
        requireChecksum("complete multipart upload of " + m.ref(), options.checksumAlgorithm(), fullObjectChecksum,
            m.checksums());
        return m;
      });
    }

    @Override
    public void abort() {
      abortMultipartUpload(bucket, key, id);
    }
  }

  @Override
  public List<PendingUpload> listMultipartUploads(String bucket, String prefix) {
    return call("list multipart uploads in " + bucket, () -> {
      List<PendingUpload> out = new ArrayList<>();
      s3.listMultipartUploadsPaginator(r -> r.bucket(bucket).prefix(prefix)).uploads()
          .forEach(u -> out.add(new PendingUpload(bucket, u.key(), u.uploadId(), u.initiated())));
      return out;
    });
  }

  @Override
  public void abortMultipartUpload(String bucket, String key, String uploadId) {
    try {
      s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
    } catch (S3Exception e) {
      if (e.statusCode() == 404) return; // NoSuchUpload: already aborted or completed
      throw translate("abort multipart upload " + uploadId + " of s3://" + bucket + "/" + key, e);
    } catch (SdkClientException e) {
      throw translate("abort multipart upload of s3://" + bucket + "/" + key, e);
    }
  }

  @Override
  public void delete(ObjectRef ref, boolean bypassGovernance) {
    call("delete " + ref, () -> s3.deleteObject(r -> {
      r.bucket(ref.bucket()).key(ref.key()).versionId(ref.versionId());
      if (bypassGovernance) r.bypassGovernanceRetention(true);
    }));
  }

  @Override
  public void putRetention(ObjectRef ref, ObjectLockMode mode, Instant retainUntil) {
    call("set retention on " + ref, () -> s3.putObjectRetention(r -> r.bucket(ref.bucket()).key(ref.key())
        .versionId(ref.versionId()).retention(t -> t.mode(mode.name()).retainUntilDate(retainUntil))));
  }

  @Override
  public void putLegalHold(ObjectRef ref, boolean on) {
    call("set legal hold on " + ref, () -> s3.putObjectLegalHold(r -> r.bucket(ref.bucket()).key(ref.key())
        .versionId(ref.versionId()).legalHold(h -> h.status(on ? ObjectLockLegalHoldStatus.ON : ObjectLockLegalHoldStatus.OFF))));
  }

  // ---------------------------------------------------------------- restore

  @Override
  public RestoreRequestResult requestRestore(ObjectRef ref, int days, RestoreTier tier) {
    try {
      var resp = s3.restoreObject(r -> r.bucket(ref.bucket()).key(ref.key()).versionId(ref.versionId())
          .restoreRequest(q -> q.days(days).glacierJobParameters(GlacierJobParameters.builder()
              .tier(Tier.fromValue(capitalized(tier))).build())));
      return resp.sdkHttpResponse().statusCode() == 202 ? RestoreRequestResult.STARTED
          : RestoreRequestResult.ALREADY_RESTORED;
    } catch (S3Exception e) {
      if (e.statusCode() == 409) return RestoreRequestResult.ALREADY_IN_PROGRESS;
      throw translate("request restore of " + ref, e);
    } catch (SdkClientException e) {
      throw translate("request restore of " + ref, e);
    }
  }

  private static String capitalized(RestoreTier t) {
    String n = t.name();
    return n.charAt(0) + n.substring(1).toLowerCase(java.util.Locale.ROOT);
  }

  // ---------------------------------------------------------------- listing

  @Override
  public Iterator<ObjectVersion> list(String bucket, String prefix) {
    Iterator<software.amazon.awssdk.services.s3.model.S3Object> it = call("list s3://" + bucket + "/" + prefix,
        () -> s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix).maxKeys(listPageSize)).contents().iterator());
    return translating("list s3://" + bucket + "/" + prefix, it, o -> new ObjectVersion(bucket, o.key(), null, true,
        false, o.size(), unquote(o.eTag()), o.lastModified(), StorageClass.fromWire(o.storageClassAsString())));
  }

  @Override
  public Iterator<ObjectVersion> listVersions(String bucket, String prefix) {
    var pages = call("list versions of s3://" + bucket + "/" + prefix,
        () -> s3.listObjectVersionsPaginator(r -> r.bucket(bucket).prefix(prefix).maxKeys(listPageSize)).iterator());
    // S3 returns versions and delete markers of a page in two lists; merge them back into key order,
    // newest first within a key.
    Iterator<List<ObjectVersion>> merged = translating("list versions of s3://" + bucket + "/" + prefix, pages, page -> {
      List<ObjectVersion> out = new ArrayList<>();
      page.versions().forEach(v -> out.add(new ObjectVersion(bucket, v.key(), v.versionId(), v.isLatest(), false,
          v.size(), unquote(v.eTag()), v.lastModified(), StorageClass.fromWire(v.storageClassAsString()))));
      page.deleteMarkers().forEach(d -> out.add(new ObjectVersion(bucket, d.key(), d.versionId(), d.isLatest(), true,
          0, null, d.lastModified(), StorageClass.STANDARD)));
      out.sort(Comparator.comparing(ObjectVersion::key, Keys.UTF8_ORDER)
          .thenComparing(v -> !v.isLatest())
          .thenComparing(ObjectVersion::lastModified, Comparator.reverseOrder()));
      return out;
    });
    return new Iterator<>() {
      Iterator<ObjectVersion> current = java.util.Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && merged.hasNext()) current = merged.next().iterator();
        return current.hasNext();
      }

      @Override
      public ObjectVersion next() {
        if (!hasNext()) throw new java.util.NoSuchElementException();
        return current.next();
      }
    };
  }

  /** Maps elements lazily, translating SDK errors raised while fetching later pages. */
  private <A, B> Iterator<B> translating(String what, Iterator<A> it, java.util.function.Function<A, B> f) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return call(what, it::hasNext);
      }

      @Override
      public B next() {
        return f.apply(call(what, it::next));
      }
    };
  }

  // ---------------------------------------------------------------- errors

  private <T> T call(String what, Supplier<T> action) {
    try {
      return action.get();
    } catch (S3Exception e) {
      throw translate(what, e);
    } catch (SdkClientException e) {
      throw translate(what, e);
    }
  }

  private ObjectStoreException noSuchBucket(String bucket, Exception e) {
    return new ObjectStoreException(Reason.NO_SUCH_BUCKET, "bucket '" + bucket + "' does not exist in "
        + describe() + "; check the URI and s3.region", e);
  }

  private ObjectStoreException translate(String what, S3Exception e) {
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    int status = e.statusCode();
    Reason reason;
    if ("NoSuchBucket".equals(code)) {
      return noSuchBucket(what, e);
    } else if (status == 404 || "NoSuchKey".equals(code) || "NoSuchVersion".equals(code)) {
      reason = Reason.NOT_FOUND;
    } else if ("InvalidObjectState".equals(code) || "ObjectNotInActiveTierError".equals(code)) {
      reason = Reason.INVALID_OBJECT_STATE;
    } else if (status == 403) {
      reason = Reason.ACCESS_DENIED;
    } else if (status == 412 || "ConditionalRequestConflict".equals(code)) {
      reason = Reason.PRECONDITION_FAILED;
    } else if (status == 416) {
      reason = Reason.INVALID_RANGE;
    } else if (status == 503 || "SlowDown".equals(code) || "Throttling".equals(code)) {
      reason = Reason.THROTTLED;
    } else if (status >= 500) {
      reason = Reason.TRANSIENT;
    } else if ("BadDigest".equals(code)) {
      reason = Reason.BAD_DIGEST;
    } else if (status == 400) {
      reason = Reason.INVALID_REQUEST;
    } else {
      reason = Reason.OTHER;
    }
    String detail = code == null ? "HTTP " + status : code + " (HTTP " + status + ")";
    String hint = switch (reason) {
      case ACCESS_DENIED -> "; check the IAM policy (docs/iam.md), or Object Lock and legal holds on the version";
      case THROTTLED -> " after " + settings.maxAttempts() + " attempts; retry later or raise s3.max-attempts";
      case INVALID_OBJECT_STATE -> "; the object is archived: restore it first";
      default -> "";
    };
    return new ObjectStoreException(reason, "cannot " + what + ": " + detail + " " + message(e) + hint, e);
  }

  private ObjectStoreException translate(String what, SdkClientException e) {
    return new ObjectStoreException(Reason.TRANSIENT, "cannot " + what + " after " + settings.maxAttempts()
        + " attempts: " + e.getMessage() + " (check s3.endpoint and the network)", e);
  }

  private static String message(S3Exception e) {
    return e.awsErrorDetails() == null || e.awsErrorDetails().errorMessage() == null ? ""
        : e.awsErrorDetails().errorMessage();
  }

  private static String unquote(String eTag) {
    if (eTag == null) return null;
    return eTag.startsWith("\"") && eTag.endsWith("\"") ? eTag.substring(1, eTag.length() - 1) : eTag;
  }
}
