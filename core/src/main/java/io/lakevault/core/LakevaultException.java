package io.lakevault.core;

/**
 * The one unchecked exception family of lakevault. Messages name the input, the value and what to
 * change; the {@link ErrorKind} says whose fault it is.
 */
public class LakevaultException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final ErrorKind kind;

  public LakevaultException(ErrorKind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public LakevaultException(ErrorKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public ErrorKind kind() {
    return kind;
  }

  public static LakevaultException usage(String message) {
    return new LakevaultException(ErrorKind.USAGE, message);
  }

  public static LakevaultException input(String message) {
    return new LakevaultException(ErrorKind.INPUT, message);
  }

  public static LakevaultException internal(String message, Throwable cause) {
    return new LakevaultException(ErrorKind.INTERNAL, message, cause);
  }
}
