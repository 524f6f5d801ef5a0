/** The {@code "engine": "sglang"} replay mode: SGLang's radix cache, its scheduler and the HiCache host tier. */
package io.kvflow.engine.sglang;
