package io.kvflow.engine.spec;

/** What happens to a request's blocks when it finishes. */
public enum FinishedRequests {
  /** They stay cached (prefix caching) until evicted. */
  CACHE,
  /** They are freed (no prefix caching), unless another running request still uses them. */
  FREE
}
