package io.lakevault.core.pack;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Big-endian encoding of the pack's fixed-width fields and length-prefixed strings. */
final class Binary {
  private Binary() {}

  /** Appends fields to a growing buffer. */
  static final class Writer {
    private final ByteArrayOutputStream out;

    Writer(int initialCapacity) {
      out = new ByteArrayOutputStream(initialCapacity);
    }

    Writer u8(int v) {
      out.write(v);
      return this;
    }

    Writer u16(int v) {
      if (v < 0 || v > 0xFFFF) throw new IllegalArgumentException("value " + v + " does not fit 16 bits");
      out.write(v >>> 8);
      out.write(v);
      return this;
    }

    Writer u32(long v) {
      if (v < 0 || v > 0xFFFF_FFFFL) throw new IllegalArgumentException("value " + v + " does not fit 32 bits");
      return i32((int) v);
    }

    Writer i32(int v) {
      out.write(v >>> 24);
      out.write(v >>> 16);
      out.write(v >>> 8);
      out.write(v);
      return this;
    }

    Writer i64(long v) {
      i32((int) (v >>> 32));
      return i32((int) v);
    }

    Writer bytes(byte[] b) {
      out.write(b, 0, b.length);
      return this;
    }

    /** u16 length, then the bytes. */
    Writer shortBytes(byte[] b) {
      u16(b.length);
      return bytes(b);
    }

    /** u16 length, then UTF-8; {@code null} is written as the empty string. */
    Writer str(String s) {
      return shortBytes(s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8));
    }

    Writer uuid(UUID id) {
      i64(id.getMostSignificantBits());
      return i64(id.getLeastSignificantBits());
    }

    int size() {
      return out.size();
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }

  /**
   * Reads fields from bytes that may be corrupt: every read is bounds-checked and fails with a
   * {@link PackFormatException} naming {@code what}, never with a runtime exception of the JDK.
   */
  static final class Reader {
    private final ByteBuffer buf;
    private final String what;

    Reader(byte[] bytes, int offset, int length, String what) {
      this.buf = ByteBuffer.wrap(bytes, offset, length);
      this.what = what;
    }

    int u8() {
      try {
        return buf.get() & 0xFF;
      } catch (BufferUnderflowException e) {
        throw truncated();
      }
    }

    int u16() {
      try {
        return buf.getShort() & 0xFFFF;
      } catch (BufferUnderflowException e) {
        throw truncated();
      }
    }

    long u32() {
      return i32() & 0xFFFF_FFFFL;
    }

    int i32() {
      try {
        return buf.getInt();
      } catch (BufferUnderflowException e) {
        throw truncated();
      }
    }

    long i64() {
      try {
        return buf.getLong();
      } catch (BufferUnderflowException e) {
        throw truncated();
      }
    }

    byte[] bytes(int n) {
      if (n < 0 || n > buf.remaining()) throw truncated();
      byte[] b = new byte[n];
      buf.get(b);
      return b;
    }

    byte[] shortBytes() {
      return bytes(u16());
    }

    String str() {
      byte[] b = shortBytes();
      try {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(b)).toString();
      } catch (CharacterCodingException e) {
        throw new PackFormatException(what + ": a text field is not valid UTF-8 at byte " + buf.position());
      }
    }

    UUID uuid() {
      return new UUID(i64(), i64());
    }

    int position() {
      return buf.position() - buf.arrayOffset();
    }

    int remaining() {
      return buf.remaining();
    }

    PackFormatException truncated() {
      return new PackFormatException(what + " ends early (at byte " + buf.position() + "): the pack is truncated or corrupt");
    }

    PackFormatException corrupt(String problem) {
      return new PackFormatException(what + ": " + problem);
    }
  }

  static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
