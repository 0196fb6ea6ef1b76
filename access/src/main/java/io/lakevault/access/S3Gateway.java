package io.lakevault.access;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lakevault.core.HttpServers;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.Shell;
import io.lakevault.core.pack.KeyEncryptionKey;
import io.lakevault.core.pack.PackEntry;
import io.lakevault.core.pack.PackReader;
import io.lakevault.core.restore.EntryCheck;
import io.lakevault.core.s3api.HttpRange;
import io.lakevault.core.s3api.S3Error;
import io.lakevault.core.s3api.S3Xml;
import io.lakevault.core.s3api.SigV4;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.StorageClass;
import io.lakevault.kernel.KernelCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lakevault serve-s3}: the archive as a read-only S3 endpoint, path-style, for the tools people
 * already use (the AWS CLI, boto3, Spark with S3A). Listings and heads come from the catalog
 * ({@link ArchiveView}); a GET reads one entry of its pack with one range GET (after the pack's footer,
 * index and key file, read once and cached), decrypts, decompresses and streams it. Every failure is an
 * S3 error document; nothing is ever written.
 */
public final class S3Gateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(S3Gateway.class);
  /** S3's page size: ListObjects and ListObjectVersions never return more. */
  public static final int MAX_KEYS = 1000;
  /** Query parameters that name a subresource this endpoint does not serve (S3 answers them; we say so). */
  private static final Set<String> UNSERVED = Set.of("acl", "tagging", "policy", "cors", "lifecycle", "website", "logging",
      "notification", "replication", "encryption", "object-lock", "retention", "legal-hold", "torrent", "uploads",
      "uploadId", "inventory", "analytics", "metrics", "intelligent-tiering", "ownershipControls", "publicAccessBlock",
      "requestPayment", "accelerate", "policyStatus", "restore", "select", "partNumber");
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * How the endpoint is reached and whom it lets in.
   *
   * @param credentials secret by access key id; empty only with {@code anonymous}
   * @param asOf the view's time, null for now
   * @param openPacks packs whose index and keys stay in memory
   */
  public record Options(String bind, int port, boolean anonymous, Map<String, String> credentials, Instant asOf,
      int threads, int openPacks) {}

  private final ArchiveView view;
  private final PackCache packs;
  private final SigV4 signatures;
  private final boolean anonymous;
  private final HttpServer server;
  private final ExecutorService pool;

  /** Binds at once (port 0: any free port); {@link #start} serves. */
  public S3Gateway(KernelCatalog catalog, ObjectStore store, KeyEncryptionKey.Resolver keys, Options o, Clock clock)
      throws IOException {
    InetAddress address = InetAddress.getByName(o.bind());
    if (o.anonymous() && !address.isLoopbackAddress()) {
      throw LakevaultException.usage("--anonymous serves the archive to anyone who can connect: it is allowed only on "
          + "loopback (--bind 127.0.0.1); for " + o.bind() + " give access keys in serve-s3.credentials");
    }
    if (!o.anonymous() && o.credentials().isEmpty()) {
      throw LakevaultException.usage("serve-s3 needs access keys to check signatures: set serve-s3.credentials to a file "
          + "of 'ACCESS_KEY_ID SECRET_ACCESS_KEY' lines, or pass --anonymous to serve unsigned requests on loopback");
    }
    this.view = new ArchiveView(catalog, o.asOf());
    this.packs = new PackCache(catalog, store, keys, o.openPacks());
    this.signatures = o.credentials().isEmpty() ? null : new SigV4(o.credentials(), clock);
    this.anonymous = o.anonymous();
    this.server = HttpServers.create(new InetSocketAddress(address, o.port()), 256);
    this.pool = Executors.newFixedThreadPool(o.threads(), r -> {
      Thread t = new Thread(r, "lakevault-serve-s3");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
  }

  public S3Gateway start() {
    server.start();
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The endpoint URL clients pass as {@code --endpoint-url}. */
  public String url() {
    return HttpServers.url(server);
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }

  /** One request: authenticated, routed, answered; an S3 error document for anything refused. */
  private void handle(HttpExchange x) {
    String requestId = HexFormat.of().formatHex(randomBytes()).toUpperCase(Locale.ROOT);
    URI uri = x.getRequestURI();
    String resource = uri.getRawPath();
    boolean head = x.getRequestMethod().equals("HEAD");
    Response response = new Response(x, requestId, head);
    try {
      Map<String, List<String>> headers = new TreeMap<>();
      for (Map.Entry<String, List<String>> h : x.getRequestHeaders().entrySet()) {
        headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue());
      }
      SigV4.Request request = new SigV4.Request(x.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(), headers);
      authenticate(request);
      route(request, response);
    } catch (S3Error e) {
      if (e.status() >= 500) LOG.warn("{} {}: {}", x.getRequestMethod(), resource, e.getMessage());
      response.error(e, SigV4.decode(resource));
    } catch (ObjectStoreException e) {
      S3Error s = e.reason() == ObjectStoreException.Reason.INVALID_OBJECT_STATE
          ? new S3Error(403, "InvalidObjectState", e.getMessage())
          : new S3Error(503, "ServiceUnavailable", "the archive store failed: " + e.getMessage());
      LOG.warn("{} {}: {}", x.getRequestMethod(), resource, e.getMessage());
      response.error(s, SigV4.decode(resource));
    } catch (RuntimeException | IOException e) {
      LOG.warn("{} {} failed", x.getRequestMethod(), resource, e);
      response.error(new S3Error(500, "InternalError", "lakevault serve-s3 failed: " + e.getMessage()),
          SigV4.decode(resource));
    } finally {
      x.close();
    }
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return b;
  }

  private void authenticate(SigV4.Request r) {
    if (SigV4.signed(r)) {
      // Anonymous on loopback without keys: a client signing with whatever keys it has is let in too.
      if (signatures != null) signatures.authenticate(r);
      return;
    }
    if (!anonymous) {
      throw S3Error.accessDenied("the request is not signed: this endpoint needs AWS Signature Version 4 with one of "
          + "the access keys in serve-s3.credentials");
    }
  }

  private void route(SigV4.Request r, Response out) throws IOException {
    String method = r.method();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      if (Set.of("PUT", "POST", "DELETE", "PATCH").contains(method)) {
        throw S3Error.accessDenied("lakevault serve-s3 is read-only: the archive is changed only by lakevault's jobs");
      }
      throw new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource: " + method);
    }
    Map<String, String> q = SigV4.queryParams(r.rawQuery());
    for (String p : q.keySet()) {
      if (UNSERVED.contains(p)) {
        throw new S3Error(501, "NotImplemented", "lakevault serve-s3 serves listings and object reads only, not ?" + p);
      }
    }
    String path = r.rawPath();
    if (path.equals("/") || path.isEmpty()) {
      listBuckets(out);
      return;
    }
    int slash = path.indexOf('/', 1);
    String bucket = SigV4.decode(slash < 0 ? path.substring(1) : path.substring(1, slash));
    String key = slash < 0 ? "" : SigV4.decode(path.substring(slash + 1));
    if (!view.bucketExists(bucket)) throw S3Error.noSuchBucket(bucket);
    if (key.isEmpty()) {
      if (method.equals("HEAD")) {
        out.send(200, "application/xml", null);
      } else if (q.containsKey("location")) {
        out.send(200, "application/xml", S3Xml.document("LocationConstraint").end("LocationConstraint"));
      } else if (q.containsKey("versioning")) {
        out.send(200, "application/xml", S3Xml.document("VersioningConfiguration").element("Status", "Enabled")
            .end("VersioningConfiguration"));
      } else if (q.containsKey("versions")) {
        listVersions(bucket, q, out);
      } else {
        listObjects(bucket, q, "2".equals(q.get("list-type")), out);
      }
      return;
    }
    if (q.containsKey("attributes")) {
      attributes(bucket, key, q.get("versionId"), r, out);
    } else {
      object(bucket, key, q.get("versionId"), r, out);
    }
  }

  private void listBuckets(Response out) {
    S3Xml x = S3Xml.document("ListAllMyBucketsResult").open("Owner").element("ID", "lakevault")
        .element("DisplayName", "lakevault").close("Owner").open("Buckets");
    Instant created = view.asOf() != null ? view.asOf() : Instant.EPOCH;
    for (String b : view.buckets()) x.open("Bucket").element("Name", b).element("CreationDate", created).close("Bucket");
    out.send(200, "application/xml", x.close("Buckets").end("ListAllMyBucketsResult"));
  }

  private static int maxKeys(Map<String, String> q) {
    String m = q.get("max-keys");
    if (m == null) return MAX_KEYS;
    try {
      int n = Integer.parseInt(m);
      if (n < 0) throw S3Error.invalidArgument("max-keys must be a non-negative integer, not " + m);
      return Math.min(n, MAX_KEYS);
    } catch (NumberFormatException e) {
      throw S3Error.invalidArgument("max-keys must be an integer, not " + m);
    }
  }

  private void listObjects(String bucket, Map<String, String> q, boolean v2, Response out) {
    String prefix = q.getOrDefault("prefix", "");
    String delimiter = emptyToNull(q.get("delimiter"));
    boolean url = "url".equals(q.get("encoding-type"));
    if (q.containsKey("encoding-type") && !url) throw S3Error.invalidArgument("encoding-type must be url");
    int max = maxKeys(q);
    String after;
    String token = emptyToNull(q.get("continuation-token"));
    if (v2) {
      after = token != null ? fromToken(token) : emptyToNull(q.get("start-after"));
    } else {
      after = emptyToNull(q.get("marker"));
    }
    ArchiveView.Page page = max == 0 ? new ArchiveView.Page(List.of(), List.of(), false, null)
        : view.list(bucket, prefix, delimiter, after, max);
    Map<String, PackCache.Pack> classes = packs.packs(packIds(page.contents()));
    S3Xml x = S3Xml.document("ListBucketResult").element("Name", bucket).element("Prefix", name(prefix, url));
    if (v2) {
      x.element("KeyCount", page.contents().size() + page.commonPrefixes().size());
      if (token != null) x.element("ContinuationToken", token);
      if (q.containsKey("start-after")) x.element("StartAfter", name(q.get("start-after"), url));
      if (page.truncated()) x.element("NextContinuationToken", toToken(page.next()));
    } else {
      x.element("Marker", name(q.getOrDefault("marker", ""), url));
      if (page.truncated()) x.element("NextMarker", name(page.next(), url));
    }
    x.element("MaxKeys", max).element("Delimiter", delimiter == null ? null : name(delimiter, url));
    if (url) x.element("EncodingType", "url");
    x.element("IsTruncated", page.truncated());
    for (ArchiveView.Item i : page.contents()) {
      x.open("Contents").element("Key", name(i.key(), url)).element("LastModified", i.lastModified())
          .element("ETag", i.quotedETag()).element("Size", i.size()).element("StorageClass", storageClass(classes, i));
      if (!v2 || "true".equals(q.get("fetch-owner"))) owner(x);
      x.close("Contents");
    }
    for (String p : page.commonPrefixes()) x.open("CommonPrefixes").element("Prefix", name(p, url)).close("CommonPrefixes");
    out.send(200, "application/xml", x.end("ListBucketResult"));
  }

  private void listVersions(String bucket, Map<String, String> q, Response out) {
    String prefix = q.getOrDefault("prefix", "");
    String delimiter = emptyToNull(q.get("delimiter"));
    boolean url = "url".equals(q.get("encoding-type"));
    int max = maxKeys(q);
    String keyMarker = emptyToNull(q.get("key-marker"));
    String versionMarker = emptyToNull(q.get("version-id-marker"));
    if (versionMarker != null && keyMarker == null) {
      throw S3Error.invalidArgument("A version-id marker cannot be specified without a key marker.");
    }
    ArchiveView.VersionPage page = max == 0 ? new ArchiveView.VersionPage(List.of(), List.of(), false, null, null)
        : view.listVersions(bucket, prefix, delimiter, keyMarker, versionMarker, max);
    List<ArchiveView.Item> items = new ArrayList<>();
    for (ArchiveView.Listed l : page.versions()) items.add(l.item());
    Map<String, PackCache.Pack> classes = packs.packs(packIds(items));
    S3Xml x = S3Xml.document("ListVersionsResult").element("Name", bucket).element("Prefix", name(prefix, url))
        .element("KeyMarker", name(keyMarker == null ? "" : keyMarker, url))
        .element("VersionIdMarker", versionMarker == null ? "" : versionMarker);
    if (page.truncated()) {
      x.element("NextKeyMarker", name(page.nextKey(), url)).element("NextVersionIdMarker", page.nextVersionId());
    }
    x.element("MaxKeys", max).element("Delimiter", delimiter == null ? null : name(delimiter, url));
    if (url) x.element("EncodingType", "url");
    x.element("IsTruncated", page.truncated());
    for (ArchiveView.Listed l : page.versions()) {
      ArchiveView.Item i = l.item();
      if (i.deleteMarker()) {
        x.open("DeleteMarker").element("Key", name(i.key(), url)).element("VersionId", i.wireVersionId())
            .element("IsLatest", l.latest()).element("LastModified", i.lastModified());
        owner(x);
        x.close("DeleteMarker");
      } else {
        x.open("Version").element("Key", name(i.key(), url)).element("VersionId", i.wireVersionId())
            .element("IsLatest", l.latest()).element("LastModified", i.lastModified()).element("ETag", i.quotedETag())
            .element("Size", i.size()).element("StorageClass", storageClass(classes, i));
        owner(x);
        x.close("Version");
      }
    }
    for (String p : page.commonPrefixes()) x.open("CommonPrefixes").element("Prefix", name(p, url)).close("CommonPrefixes");
    out.send(200, "application/xml", x.end("ListVersionsResult"));
  }

  private static void owner(S3Xml x) {
    x.open("Owner").element("ID", "lakevault").element("DisplayName", "lakevault").close("Owner");
  }

  private static Set<String> packIds(List<ArchiveView.Item> items) {
    Set<String> ids = new HashSet<>();
    for (ArchiveView.Item i : items) if (i.packId() != null) ids.add(i.packId());
    return ids;
  }

  private static String storageClass(Map<String, PackCache.Pack> packs, ArchiveView.Item i) {
    PackCache.Pack p = i.packId() == null ? null : packs.get(i.packId());
    return p == null ? StorageClass.STANDARD.name() : p.storageClass.name();
  }

  /** The version a GET or HEAD names, or the error S3 gives for it. */
  private ArchiveView.Item chosen(String bucket, String key, String versionId, Response out) {
    if (versionId == null) {
      ArchiveView.Item current = view.current(bucket, key).orElseThrow(() -> S3Error.noSuchKey(key));
      if (current.deleteMarker()) {
        out.header("x-amz-delete-marker", "true").header("x-amz-version-id", current.wireVersionId());
        throw S3Error.noSuchKey(key);
      }
      if (current.disposed()) {
        throw new S3Error(404, "NoSuchKey", "The specified key's version current at the view's time was disposed of by "
            + "retention expiry: " + key);
      }
      return current;
    }
    for (ArchiveView.Item i : view.versions(bucket, key)) {
      if (!i.wireVersionId().equals(versionId)) continue;
      if (i.deleteMarker()) {
        out.header("x-amz-delete-marker", "true").header("x-amz-version-id", i.wireVersionId());
        throw new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource: the "
            + "version is a delete marker");
      }
      if (i.disposed()) {
        throw new S3Error(404, "NoSuchVersion", "The specified version was disposed of by retention expiry: " + versionId);
      }
      return i;
    }
    throw new S3Error(404, "NoSuchVersion", "The specified version does not exist in the archive at the view's time: "
        + versionId);
  }

  private void attributes(String bucket, String key, String versionId, SigV4.Request r, Response out) {
    ArchiveView.Item i = chosen(bucket, key, versionId, out);
    PackCache.Pack p = pack(i);
    String wanted = String.join(",", r.headers().getOrDefault("x-amz-object-attributes", List.of()));
    S3Xml x = S3Xml.document("GetObjectAttributesResponse");
    if (wanted.contains("ETag")) x.element("ETag", i.quotedETag().replace("\"", ""));
    if (wanted.contains("StorageClass")) x.element("StorageClass", p.storageClass.name());
    if (wanted.contains("ObjectSize")) x.element("ObjectSize", i.size());
    out.header("Last-Modified", S3Xml.httpDate(i.lastModified())).header("x-amz-version-id", i.wireVersionId());
    out.send(200, "application/xml", x.end("GetObjectAttributesResponse"));
  }

  private PackCache.Pack pack(ArchiveView.Item i) {
    PackCache.Pack p = i.packId() == null ? null : packs.pack(i.packId());
    if (p == null) {
      throw new S3Error(500, "InternalError", "the catalog puts " + i.key() + " in pack " + i.packId()
          + ", which its packs table does not list; run lakevault verify");
    }
    return p;
  }

  private void object(String bucket, String key, String versionId, SigV4.Request r, Response out) throws IOException {
    ArchiveView.Item i = chosen(bucket, key, versionId, out);
    PackCache.Pack p = pack(i);
    out.header("Last-Modified", S3Xml.httpDate(i.lastModified())).header("ETag", i.quotedETag())
        .header("Accept-Ranges", "bytes").header("x-amz-version-id", i.wireVersionId());
    if (p.storageClass != StorageClass.STANDARD) out.header("x-amz-storage-class", p.storageClass.name());
    for (Map.Entry<String, String> m : i.userMetadata().entrySet()) out.header("x-amz-meta-" + m.getKey(), m.getValue());
    if (conditionsFail(i, r, out)) return;
    String type = i.contentType() == null ? "binary/octet-stream" : i.contentType();
    HttpRange range = HttpRange.parse(r.headers().containsKey("range") ? r.headers().get("range").get(0) : null, i.size());
    if (r.method().equals("HEAD")) {
      out.header("Content-Length", Long.toString(i.size()));
      out.send(200, type, null);
      return;
    }
    PackReader reader;
    PackEntry entry;
    try {
      reader = packs.reader(p);
      entry = reader.entry(i.entryOrdinal());
    } catch (ObjectStoreException e) {
      if (e.reason() == ObjectStoreException.Reason.INVALID_OBJECT_STATE) throw thawFirst(i, p);
      throw e;
    }
    String mismatch = EntryCheck.mismatch(i.key(), i.entryOrdinal(), i.sha256(), i.entryOffset(), i.entryLength(), entry);
    if (mismatch != null) throw new S3Error(500, "InternalError", p.uri + ": " + mismatch + "; run lakevault verify");
    InputStream in = reader.openEntry(entry);
    try (in) {
      if (range == null) {
        out.stream(200, type, i.size(), in, true);
      } else {
        in.skipNBytes(range.first());
        out.header("Content-Range", range.contentRange(i.size()));
        out.stream(206, type, range.length(), in, range.last() == i.size() - 1);
      }
    }
  }

  /** InvalidObjectState with the command that thaws the version, as S3 answers a GET of a Deep Archive object. */
  private static S3Error thawFirst(ArchiveView.Item i, PackCache.Pack p) {
    String command = String.join(" ", "bin/lakevault", "restore", "--bucket", Shell.quote(i.bucket()), "--prefix",
        Shell.quote(i.key()), "--version-id", Shell.quote(i.wireVersionId()), "--to", "/tmp/restored");
    return new S3Error(403, "InvalidObjectState", "The object's pack is in " + p.storageClass + " and not readable now; "
        + "thaw it with: " + command);
  }

  /** If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, in S3's order of precedence. */
  private static boolean conditionsFail(ArchiveView.Item i, SigV4.Request r, Response out) {
    String tag = i.quotedETag();
    String ifMatch = first(r, "if-match");
    String ifNoneMatch = first(r, "if-none-match");
    Instant modified = i.lastModified();
    if (ifMatch != null && !etagMatches(ifMatch, tag)) {
      throw new S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold: If-Match");
    }
    if (ifMatch == null) {
      Instant unmodifiedSince = httpDate(first(r, "if-unmodified-since"));
      if (unmodifiedSince != null && modified.isAfter(unmodifiedSince)) {
        throw new S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold: "
            + "If-Unmodified-Since");
      }
    }
    if (ifNoneMatch != null) {
      if (etagMatches(ifNoneMatch, tag)) {
        out.send(304, null, null);
        return true;
      }
    } else {
      Instant modifiedSince = httpDate(first(r, "if-modified-since"));
      if (modifiedSince != null && !modified.isAfter(modifiedSince)) {
        out.send(304, null, null);
        return true;
      }
    }
    return false;
  }

  private static boolean etagMatches(String header, String tag) {
    for (String t : header.split(",")) {
      String s = t.strip();
      if (s.equals("*") || s.equals(tag) || ("\"" + s + "\"").equals(tag)) return true;
    }
    return false;
  }

  private static Instant httpDate(String s) {
    if (s == null) return null;
    try {
      return ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null; // S3 ignores a date it cannot read
    }
  }

  private static String first(SigV4.Request r, String header) {
    List<String> v = r.headers().get(header);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static String name(String s, boolean url) {
    return s == null ? null : url ? S3Xml.urlEncode(s) : s;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** Continuation tokens are opaque to clients: the last entry of the page, base64url. */
  static String toToken(String after) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(after.getBytes(StandardCharsets.UTF_8));
  }

  static String fromToken(String token) {
    try {
      return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw S3Error.invalidArgument("The continuation token provided is incorrect");
    }
  }

  /** The answer to one exchange: headers collected first, then a document, an object's stream, or an error. */
  private static final class Response {
    private final HttpExchange x;
    private final String requestId;
    private final boolean head;
    private boolean sent;

    Response(HttpExchange x, String requestId, boolean head) {
      this.x = x;
      this.requestId = requestId;
      this.head = head;
      Headers h = x.getResponseHeaders();
      h.set("x-amz-request-id", requestId);
      h.set("x-amz-id-2", requestId);
      h.set("Server", "lakevault");
    }

    Response header(String name, String value) {
      x.getResponseHeaders().set(name, value);
      return this;
    }

    void send(int status, String type, String body) {
      try {
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (type != null) x.getResponseHeaders().set("Content-Type", type);
        sent = true;
        if (head || status == 304 || b.length == 0) {
          x.sendResponseHeaders(status, -1);
        } else {
          x.sendResponseHeaders(status, b.length);
          try (OutputStream o = x.getResponseBody()) {
            o.write(b);
          }
        }
      } catch (IOException e) {
        LOG.debug("client went away: {}", e.getMessage());
      }
    }

    /**
     * Streams {@code length} bytes. With {@code toEnd}, the last buffer is held back until the entry's
     * stream has reached its end and checked its SHA-256: bytes that fail the check never complete a
     * response, the client sees a short body.
     */
    void stream(int status, String type, long length, InputStream in, boolean toEnd) throws IOException {
      x.getResponseHeaders().set("Content-Type", type);
      sent = true;
      x.sendResponseHeaders(status, length == 0 ? -1 : length);
      if (length == 0) {
        if (toEnd) in.readAllBytes(); // checks the digest of an empty object
        return;
      }
      OutputStream o = x.getResponseBody();
      int size = (int) Math.min(64 * 1024, length); // a small object needs no 64 KiB buffers
      byte[] held = new byte[size];
      int heldLength = 0;
      long left = length;
      byte[] buf = new byte[size];
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) throw new IOException("the entry ended " + left + " bytes early");
        if (heldLength > 0) o.write(held, 0, heldLength);
        byte[] t = held;
        held = buf;
        buf = t;
        heldLength = n;
        left -= n;
      }
      if (toEnd && in.read() >= 0) throw new IOException("the entry is longer than the catalog's size");
      o.write(held, 0, heldLength);
      o.close();
    }

    void error(S3Error e, String resource) {
      if (sent) {
        LOG.warn("request {} failed after its headers were sent ({}); the client sees a short body", requestId,
            e.getMessage());
        return;
      }
      send(e.status(), "application/xml", head ? null : e.xml(resource, requestId));
    }
  }
}
