package io.kvflow.engine.calibrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.engine.calibrate.Calibration.ConstantFit;
import io.kvflow.engine.calibrate.Calibration.Fitting;
import io.kvflow.engine.spec.ComputeProfile;
import io.kvflow.engine.spec.Curve;
import io.kvflow.engine.spec.LinkSpec;

/**
 * The hardware JSON of a fitted profile: the base profile's own JSON (its name, links, capacity,
 * sources and every constant not fitted kept as written) with the fitted constants put in, and a
 * {@code sources} note saying where they came from. It binds to {@link Calibration#fitted()}.
 */
public final class FittedProfileJson {
  /** The key of the note in {@code sources}. */
  public static final String NOTE_KEY = "kvflow calibrate";

  private FittedProfileJson() {}

  /**
   * {@code baseJson} (the JSON {@code c.base()} was bound from) with {@code c}'s fitted constants;
   * {@code note} goes under {@code sources."kvflow calibrate"}, and the sources of the fitted
   * constants (keyed by field or link name) point to it.
   */
  public static ObjectNode of(JsonNode baseJson, Calibration c, String note) {
    ObjectNode hw = baseJson.deepCopy();
    ObjectNode compute = (ObjectNode) hw.get("compute");
    ComputeProfile fitted = c.fitted().compute();
    int link = ProfileConstant.dramLink(c.fitted());
    ObjectNode linkJson = link < 0 ? null : (ObjectNode) hw.get("links").get(link);
    ObjectNode sources = sources(hw);
    ObjectNode computeSources = compute.get("sources") instanceof ObjectNode o ? o : null;
    String pointer = "fitted by kvflow calibrate (sources.\"" + NOTE_KEY + "\")";
    for (ConstantFit f : c.constants()) {
      if (f.fitting() == Fitting.NOT_CONSTRAINED) {
        continue;
      }
      ProfileConstant k = f.constant();
      if (k.ofLink()) {
        LinkSpec l = c.fitted().links().get(link);
        if (k == ProfileConstant.DRAM_LINK_OVERHEAD_NS) {
          linkJson.put(k.field(), l.overheadNs());
        } else {
          linkJson.put(k.field(), l.bandwidthBps());
        }
        replace(sources, l.name(), pointer);
        continue;
      }
      switch (k) {
        case WEIGHT_STREAM_BPS -> compute.put(k.field(), fitted.weightStreamBps());
        case KV_STREAM_BPS -> compute.put(k.field(), fitted.kvStreamBps());
        case ACTIVATION_BPS -> compute.put(k.field(), fitted.activationBps());
        case DECODE_ATTENTION_FLOPS -> compute.put(k.field(), fitted.decodeAttentionFlops());
        case GEMM_FLOPS -> curve(compute.putArray(k.field()), fitted.gemmFlops());
        case PREFILL_ATTENTION_FLOPS -> curve(compute.putArray(k.field()), fitted.prefillAttentionFlops());
        case LAUNCH_GRAPH_NS -> compute.put(k.field(), fitted.launchGraphNs());
        case HOST_LAYER_NS -> compute.put(k.field(), fitted.hostLayerNs());
        case CROSS_STREAM_WAIT_NS -> compute.put(k.field(), fitted.crossStreamWaitNs());
        default -> throw new IllegalStateException(k.name());
      }
      replace(sources, k.field(), pointer);
      replace(computeSources, k.field(), pointer);
    }
    sources.put(NOTE_KEY, note);
    return hw;
  }

  /** The top-level sources object, made when absent; sources given as text are kept under "base". */
  private static ObjectNode sources(ObjectNode hw) {
    JsonNode s = hw.get("sources");
    if (s instanceof ObjectNode o) {
      return o;
    }
    ObjectNode o = hw.objectNode();
    if (s != null && !s.isNull()) {
      o.set("base", s);
    }
    hw.set("sources", o);
    return o;
  }

  private static void replace(ObjectNode sources, String key, String text) {
    if (sources != null && sources.has(key)) {
      sources.put(key, text);
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
