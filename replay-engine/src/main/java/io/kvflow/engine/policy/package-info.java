/** Eviction policies over primitive block keys: one file each, registered in {@link io.kvflow.engine.policy.PolicyKind}. */
package io.kvflow.engine.policy;
