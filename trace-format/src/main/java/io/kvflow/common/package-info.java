/** Small shared building blocks: the bad-input exception, primitive hash collections, hashing, and safe outputs (atomic files, directory sets, locks, input checks). */
package io.kvflow.common;
