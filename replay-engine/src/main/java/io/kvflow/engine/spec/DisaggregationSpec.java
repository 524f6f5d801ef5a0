package io.kvflow.engine.spec;

import io.kvflow.engine.route.RouterKind;

/**
 * Prefill/decode disaggregation of a cluster ({@code $.cluster.disaggregation}): the first
 * {@code prefillInstances} instances only prefill (each request runs there with no output token),
 * the other {@code decodeInstances} only decode; the prompt's KV blocks the decode instance does
 * not hold cross {@code link} before it admits the request.
 *
 * @param prefillInstances instances of the prefill pool (indices 0 .. prefillInstances - 1)
 * @param decodeInstances instances of the decode pool (the following indices)
 * @param decodeRouter how a request picks its decode instance (the cluster's {@code router} picks the prefill one)
 * @param link the KV transfer link into each decode instance
 */
public record DisaggregationSpec(int prefillInstances, int decodeInstances, RouterKind decodeRouter,
    TransferLink link) {
  public DisaggregationSpec {
    if (prefillInstances < 1 || decodeInstances < 1) {
      throw ConfigException.at("$.cluster.disaggregation", "each pool needs at least one instance");
    }
    if (decodeRouter == null || link == null) {
      throw ConfigException.at("$.cluster.disaggregation", "decode_router and link are required");
    }
  }

  /**
   * The KV transfer link into one decode instance (RDMA NIC, NVLink): a transfer of {@code b} bytes
   * occupies it for {@code overheadNs + b / bandwidthBps} (transfers into one decode instance queue,
   * first ready first), then lands {@code latencyNs} later.
   *
   * @param bandwidthBps bytes per second
   * @param latencyNs one-way latency added to every transfer (does not occupy the link)
   * @param overheadNs fixed cost of each transfer (registration, handshake), occupying the link
   */
  public record TransferLink(double bandwidthBps, long latencyNs, long overheadNs) {
    public TransferLink {
      if (!(bandwidthBps >= ConfigRules.MIN_BYTES_PER_SECOND && bandwidthBps <= ConfigRules.MAX_BYTES_PER_SECOND)) {
        throw ConfigException.at("$.cluster.disaggregation.link.bandwidth_bps", bandwidthBps + " out of range");
      }
      if (latencyNs < 0 || overheadNs < 0) {
        throw ConfigException.at("$.cluster.disaggregation.link", "latency_ns and overhead_ns must be >= 0");
      }
    }

    /** How long a transfer of {@code bytes} occupies the link (overhead + bytes / bandwidth, rounded up). */
    public long busyNs(long bytes) {
      return overheadNs + (long) Math.ceil(bytes * 1e9 / bandwidthBps);
    }

    /** Link presets shipped as JSON resources under {@code presets/links/} (measured figures, with their sources). */
    public static final java.util.List<String> PRESETS = java.util.List.of("nvlink-h200");

    /** The measured link preset {@code name} given as {@code $.cluster.disaggregation.link}. */
    static TransferLink preset(ConfigNode disaggregation, String name) {
      com.fasterxml.jackson.databind.JsonNode p = Presets.resource("links", name);
      if (p == null) {
        throw disaggregation.fieldError("link", "unknown link preset '" + name + "'; presets are " + PRESETS
            + io.kvflow.common.DidYouMean.hint(name, PRESETS) + ", or give {\"bandwidth_bps\", \"latency_ns\", "
            + "\"overhead_ns\"}");
      }
      ConfigNode n = new ConfigNode("preset links/" + name, "$", p);
      n.raw("sources");
      return bind(n);
    }

    static TransferLink bind(ConfigNode n) {
      TransferLink l = new TransferLink(
          n.doubleValue("bandwidth_bps", ConfigRules.MIN_BYTES_PER_SECOND, ConfigRules.MAX_BYTES_PER_SECOND, null),
          n.longValue("latency_ns", 0, ConfigRules.MAX_COST_NS, 0L),
          n.longValue("overhead_ns", 0, ConfigRules.MAX_COST_NS, 0L));
      n.finish();
      return l;
    }
  }

  /** {@code $.cluster.disaggregation} of a cluster of {@code instances} instances. */
  static DisaggregationSpec bind(ConfigNode n, int instances) {
    int prefill = n.intValue("prefill_instances", 1, ClusterSpec.MAX_INSTANCES, null);
    int decode = n.intValue("decode_instances", 1, ClusterSpec.MAX_INSTANCES, null);
    if (prefill + decode != instances) {
      throw n.fieldError("decode_instances", "prefill_instances (" + prefill + ") + decode_instances (" + decode
          + ") must equal $.cluster.instances (" + instances + "); every instance belongs to one pool");
    }
    RouterKind decodeRouter = n.choice("decode_router", RouterKind.values(), ReplayConfig::lower,
        RouterKind.LEAST_LOADED);
    TransferLink link = n.has("link") && n.raw("link").isTextual() ? TransferLink.preset(n, n.raw("link").asText())
        : TransferLink.bind(n.object("link"));
    n.finish();
    return new DisaggregationSpec(prefill, decode, decodeRouter, link);
  }
}
