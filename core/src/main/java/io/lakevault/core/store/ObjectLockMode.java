package io.lakevault.core.store;

/** S3 Object Lock retention modes. COMPLIANCE: nobody deletes before retain-until. GOVERNANCE: only with bypass. */
public enum ObjectLockMode {
  GOVERNANCE, COMPLIANCE
}
