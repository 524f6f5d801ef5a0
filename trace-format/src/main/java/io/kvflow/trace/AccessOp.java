package io.kvflow.trace;

/** The {@code op} column of an accesses trace; {@link #code()} is the stored int8. */
public enum AccessOp {
  READ,
  WRITE,
  APPEND,
  FREE;

  private static final AccessOp[] BY_CODE = values();

  public byte code() {
    return (byte) ordinal();
  }

  public static boolean isValidCode(int code) {
    return code >= 0 && code < BY_CODE.length;
  }

  public static AccessOp ofCode(int code) {
    return BY_CODE[code];
  }
}
