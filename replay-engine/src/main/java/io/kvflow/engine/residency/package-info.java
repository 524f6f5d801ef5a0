/** Where each block lives across the tiers: lookups, promotion, demotion cascades and per-tier counters. */
package io.kvflow.engine.residency;
