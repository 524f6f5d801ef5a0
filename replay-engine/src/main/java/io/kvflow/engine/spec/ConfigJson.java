package io.kvflow.engine.spec;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * Writes an effective {@link ReplayConfig} back as JSON that {@link ConfigLoader} reads (canonical
 * field order). Only settings that apply are written (hot/warm/cold's on hot/warm/cold tiers, a
 * codec's place on lower tiers of a timed config, its group size with group overhead, prefetch depth
 * and a budget with a prefetch policy), so the JSON binds again to the same config and a sweep that
 * changes one setting does not carry another that stops applying.
 */
public final class ConfigJson {
  private ConfigJson() {}

  public static ObjectNode toJson(ReplayConfig c) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    ObjectNode m = n.putObject("model");
    ModelSpec s = c.model();
    m.put("name", s.name());
    m.put("layers", s.layers());
    m.put("kv_heads", s.kvHeads());
    m.put("head_dim", s.headDim());
    m.put("kv_dtype_bytes", s.kvDtypeBytes());
    m.put("block_tokens", s.blockTokens());
    m.put("attention_heads", s.attentionHeads());
    if (s.shape() == null) {
      m.put("parameters", s.parameters());
    } else {
      m.put("hidden", s.shape().hidden());
      m.put("intermediate", s.shape().intermediate());
      m.put("vocab", s.shape().vocab());
      m.put("tied_embeddings", s.shape().tiedEmbeddings());
      m.put("weight_dtype_bytes", s.shape().weightDtypeBytes());
    }
    ArrayNode tiers = n.putArray("tiers");
    for (int i = 0; i < c.tiers().size(); i++) {
      TierConfig t = c.tiers().get(i);
      ObjectNode o = tiers.addObject();
      o.put("name", t.tier().name());
      o.put("kind", t.tier().kind().name().toLowerCase(Locale.ROOT));
      if (t.capacityBlocks() > 0) {
        o.put("capacity_blocks", t.capacityBlocks());
      } else {
        o.put("capacity_bytes", t.tier().capacityBytes());
      }
      o.put("read_bandwidth_bps", t.tier().readBandwidthBps());
      o.put("write_bandwidth_bps", t.tier().writeBandwidthBps());
      o.put("latency_ns", t.tier().latencyNs());
      o.put("policy", t.policy().jsonName());
      switch (t.admission()) {
        case ALWAYS -> o.put("admission", "always");
        case NEVER -> o.put("admission", "never");
        case AFTER_K -> o.putObject("admission").put("after", t.admitAfter());
      }
      if (t.policy() == io.kvflow.engine.policy.PolicyKind.HOT_WARM_COLD) {
        o.put("hot_window", t.hotWindowAccesses());
        o.put("warm_threshold", t.warmThreshold());
      }
      if (t.codec().kind() != CodecKind.NONE) {
        ObjectNode codec = o.putObject("codec");
        codec.put("kind", t.codec().jsonName());
        if (t.codec().groupOverheadBits() > 0) {
          codec.put("group_size", t.codec().groupSize());
        }
        codec.put("group_overhead_bits", t.codec().groupOverheadBits());
        codec.put("decompress_gbps", t.codec().decompressBytesPerSecond() / 1e9);
        codec.put("decompress_ns_per_block", t.codec().decompressNsPerBlock());
        codec.put("compress_gbps", t.codec().compressBytesPerSecond() / 1e9);
        if (i > 0 && c.timing() != null) {
          codec.put("place", CodecSpec.placeName(t.codec().place()));
        }
      }
    }
    n.put("hierarchy", ReplayConfig.lower(c.hierarchy()));
    n.put("placement", ReplayConfig.lower(c.placement()));
    n.put("finished_requests", ReplayConfig.lower(c.finished()));
    n.put("expansion", ReplayConfig.lower(c.expansion()));
    n.put("max_batch", c.maxBatch());
    n.put("seed", c.seed());
    n.put("max_batched_tokens", c.maxBatchedTokens());
    n.put("wait_for_memory", c.waitForMemory());
    n.put("preemption", ReplayConfig.lower(c.preemption()));
    if (c.engine() != EngineKind.GENERIC) {
      n.put("engine", ReplayConfig.lower(c.engine()));
    }
    if (c.engine() == EngineKind.SGLANG) {
      ObjectNode g = n.putObject("sglang");
      g.put("page_size", c.sglangSpec().pageTokens());
      if (c.tiers().size() > 1) {
        g.put("hicache_write_policy", c.sglangSpec().writePolicy().flagName());
      }
    }
    if (c.codecRule() != null) {
      ObjectNode r = n.putObject("codec_rule");
      r.put("recent_window", c.codecRule().recentWindow());
      r.put("cold_int4_distance", c.codecRule().coldInt4Distance());
    }
    if (c.discard().kind() != DiscardKind.NONE) {
      ObjectNode d = n.putObject("discard");
      d.put("policy", ReplayConfig.lower(c.discard().kind()));
      if (c.discard().kind() == DiscardKind.STREAMING_LLM) {
        d.put("sink_tokens", c.discard().sinkTokens());
      } else {
        d.put("heavy_hitters", c.discard().heavyHitters());
      }
      d.put("recent_tokens", c.discard().recentTokens());
    }
    if (c.sparse().kind() != SparseKind.DENSE) {
      ObjectNode sp = n.putObject("sparse_reads");
      sp.put("policy", ReplayConfig.lower(c.sparse().kind()));
      if (c.sparse().kind() == SparseKind.TOP_K) {
        sp.put("k", c.sparse().k());
      } else {
        sp.put("sink_tokens", c.sparse().sinkTokens());
        sp.put("recent_tokens", c.sparse().recentTokens());
      }
    }
    if (c.offload().range() != OffloadSpec.Range.NONE) {
      ObjectNode o = n.putObject("offload");
      o.put("tier", c.tiers().get(c.offload().tier()).tier().name());
      switch (c.offload().range()) {
        case OLDEST_FRACTION -> o.put("oldest_fraction", c.offload().fraction());
        case NEWEST_FRACTION -> o.put("newest_fraction", c.offload().fraction());
        default -> o.put("keep_newest_tokens", c.offload().keepNewestTokens());
      }
    }
    if (c.cluster() != null) {
      ObjectNode cl = n.putObject("cluster");
      cl.put("instances", c.cluster().instances());
      cl.put("router", c.cluster().router().wireName());
      if (c.cluster().kvEventLagNs() >= 0) {
        cl.putObject("kv_events").put("lag_ns", c.cluster().kvEventLagNs());
      }
      if (c.cluster().sharedPoolTier() != null) {
        cl.putObject("shared_pool").put("tier", c.cluster().sharedPoolTier());
      }
      DisaggregationSpec pd = c.cluster().disaggregation();
      if (pd != null) {
        ObjectNode d = cl.putObject("disaggregation");
        d.put("prefill_instances", pd.prefillInstances());
        d.put("decode_instances", pd.decodeInstances());
        d.put("decode_router", pd.decodeRouter().wireName());
        ObjectNode l = d.putObject("link");
        l.put("bandwidth_bps", pd.link().bandwidthBps());
        l.put("latency_ns", pd.link().latencyNs());
        l.put("overhead_ns", pd.link().overheadNs());
      }
      if (c.cluster().usesKvAware()) {
        ObjectNode k = cl.putObject("kv_aware");
        k.put("overlap_weight", c.cluster().overlapWeight());
        k.put("load_weight", c.cluster().loadWeight());
      }
    }
    if (c.timing() != null) {
      TimingSpec t = c.timing();
      if (t.hardware().equals(Presets.hardware(t.hardware().name()))) {
        n.put("hardware", t.hardware().name()); // a shipped preset, by name
      } else {
        writeHardware(n.putObject("hardware"), t.hardware());
      }
      ObjectNode p = n.putObject("prefetch");
      p.put("policy", ReplayConfig.lower(t.prefetch()));
      if (t.prefetch() != PrefetchKind.NONE) {
        p.put("depth", t.depth());
        if (!t.crossStep()) {
          p.put("cross_step", false);
        }
        if (t.budgetBytesPerStep() > 0) {
          p.put("budget_bytes_per_step", t.budgetBytesPerStep());
        }
      }
      n.put("max_transfer_bytes", t.maxTransferBytes());
      if (t.tensorParallel() > 1) {
        n.put("tensor_parallel", t.tensorParallel());
      }
      if (t.execution() != Execution.GRAPH) {
        n.put("execution", ReplayConfig.lower(t.execution()));
      }
    }
    return n;
  }

  private static void writeHardware(ObjectNode hw, HardwareSpec h) {
    hw.put("name", h.name());
    hw.put("hbm_bandwidth_bps", h.hbmBandwidthBps());
    hw.put("peak_flops", h.peakFlops());
    hw.put("layer_overhead_ns", h.layerOverheadNs());
    ArrayNode links = hw.putArray("links");
    for (LinkSpec l : h.links()) {
      ObjectNode o = links.addObject();
      o.put("name", l.name());
      o.put("from", l.from());
      o.put("to", l.to());
      o.put("bandwidth_bps", l.bandwidthBps());
      o.put("overhead_ns", l.overheadNs());
      o.put("dma_engines", l.dmaEngines());
      if (l.scatterBps() > 0) {
        o.put("scatter_bps", l.scatterBps());
        o.put("scatter_overhead_ns", l.scatterOverheadNs());
      }
    }
    if (h.hbmCapacityBytes() > 0) {
      hw.put("hbm_capacity_bytes", h.hbmCapacityBytes());
    }
    ComputeProfile c = h.compute();
    if (c != null) {
      ObjectNode o = hw.putObject("compute");
      o.put("weight_stream_bps", c.weightStreamBps());
      o.put("kv_stream_bps", c.kvStreamBps());
      o.put("activation_bps", c.activationBps());
      curve(o.putArray("gemm_flops"), c.gemmFlops());
      curve(o.putArray("prefill_attention_flops"), c.prefillAttentionFlops());
      o.put("decode_attention_flops", c.decodeAttentionFlops());
      o.put("launch_graph_ns", c.launchGraphNs());
      o.put("launch_eager_ns", c.launchEagerNs());
      o.put("elementwise_kernels_per_layer", c.elementwiseKernelsPerLayer());
      o.put("step_kernels", c.stepKernels());
      o.put("all_reduce_latency_ns", c.allReduceLatencyNs());
      o.put("all_reduce_bps", c.allReduceBps());
      o.put("cross_stream_wait_ns", c.crossStreamWaitNs());
      o.put("gemm_fixed_ns", c.gemmFixedNs());
      o.put("attention_fixed_ns", c.attentionFixedNs());
      o.put("elementwise_fixed_ns", c.elementwiseFixedNs());
      o.put("eager_gpu_launch_ns", c.eagerGpuLaunchNs());
      o.put("host_layer_ns", c.hostLayerNs());
      o.put("host_copy_ns", c.hostCopyNs());
      o.put("host_event_record_ns", c.hostEventRecordNs());
      o.put("host_stream_wait_ns", c.hostStreamWaitNs());
    }
  }

  private static void curve(ArrayNode a, Curve c) {
    for (double[] p : c.pairs()) {
      ArrayNode pt = a.addArray();
      pt.add(p[0]);
      pt.add(p[1]);
    }
  }
}
