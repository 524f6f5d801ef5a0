package io.kvflow.trace.parquet;

/**
 * What a read found of Parquet page checksums: the pages it decoded (dictionary pages included)
 * and how many of them carried a CRC32, each verified before it was decoded.
 *
 * @param pages pages decoded
 * @param verifiedPages pages whose CRC32 was present and matched
 */
public record PageChecksums(long pages, long verifiedPages) {
  /** The summary inspect prints. */
  public enum Status {
    /** Every page had a checksum, and every one matched. */
    VERIFIED("verified"),
    /** Some pages had a checksum (all of those matched); the others could not be checked. */
    PARTIAL("partial"),
    /** No page had a checksum (files of other writers may have none): damage inside pages cannot be detected. */
    ABSENT("absent"),
    /** No page was read. */
    NO_PAGES("no pages");

    private final String wireName;

    Status(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  public Status status() {
    if (pages == 0) {
      return Status.NO_PAGES;
    }
    return verifiedPages == pages ? Status.VERIFIED : verifiedPages == 0 ? Status.ABSENT : Status.PARTIAL;
  }
}
