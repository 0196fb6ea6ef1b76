package io.lakevault.core.s3api;

/**
 * A request refused the way S3 refuses it: the HTTP status, S3's error code and a message the client
 * shows. The endpoint answers every failure with one of these, in S3's XML, never a stack trace.
 */
public final class S3Error extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;

  public S3Error(int status, String code, String message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public static S3Error accessDenied(String message) {
    return new S3Error(403, "AccessDenied", message);
  }

  public static S3Error invalidArgument(String message) {
    return new S3Error(400, "InvalidArgument", message);
  }

  public static S3Error noSuchBucket(String bucket) {
    return new S3Error(404, "NoSuchBucket", "The specified bucket does not exist in the archive: " + bucket);
  }

  public static S3Error noSuchKey(String key) {
    return new S3Error(404, "NoSuchKey", "The specified key does not exist in the archive at the view's time: " + key);
  }

  /** The error document S3 sends, with the resource and a request id. */
  public String xml(String resource, String requestId) {
    return S3Xml.DECLARATION + "<Error><Code>" + S3Xml.escape(code) + "</Code><Message>" + S3Xml.escape(getMessage())
        + "</Message><Resource>" + S3Xml.escape(resource) + "</Resource><RequestId>" + S3Xml.escape(requestId)
        + "</RequestId></Error>";
  }
}
