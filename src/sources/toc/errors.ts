/**
 * Why a layer's table of contents cannot be used: missing, failing its digest, malformed or too big.
 * The message is one line; the caller then streams the whole layer instead.
 */
export class TocError extends Error {
  override name = "TocError";
  /** Blob bytes read before giving up (so the caller can still account for them). */
  bytesFetched = 0;
}
