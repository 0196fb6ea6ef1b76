package io.lakevault.core.pack;

import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;

/**
 * A pack, key file or entry that is not what format version 1 says: corrupt, truncated, of an
 * unknown version, or failing its checksum. The message names the pack and what is wrong with it.
 */
public class PackFormatException extends LakevaultException {
  private static final long serialVersionUID = 1L;

  public PackFormatException(String message) {
    super(ErrorKind.INPUT, message);
  }

  public PackFormatException(String message, Throwable cause) {
    super(ErrorKind.INPUT, message, cause);
  }
}
