/** Small shared building blocks: the bad-input exception, primitive hash collections, hashing and atomic file output. */
package io.kvflow.common;
