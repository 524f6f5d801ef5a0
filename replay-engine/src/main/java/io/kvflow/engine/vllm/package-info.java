/** The {@code "engine": "vllm"} replay mode: vLLM v1's GPU block pool, its scheduler and a CPU offload tier. */
package io.kvflow.engine.vllm;
