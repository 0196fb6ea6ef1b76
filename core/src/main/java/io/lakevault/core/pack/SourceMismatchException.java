package io.lakevault.core.pack;

import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;

/**
 * The bytes read for an object are not the version the inventory described (another size or MD5): it
 * changed or was replaced between inventory and archive. The object is skipped and reported, never
 * archived under the wrong identity.
 */
public class SourceMismatchException extends LakevaultException {
  private static final long serialVersionUID = 1L;

  public SourceMismatchException(String message) {
    super(ErrorKind.INPUT, message);
  }
}
