/** Validated configuration records (model, tiers, policies, replay settings) bound from JSON with JSON-path errors. */
package io.kvflow.engine.spec;
