package io.kvflow.cli;

import static io.kvflow.cli.GenerateInspectCliTest.assertBadInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.cli.CliTestSupport.Result;
import io.kvflow.engine.calibrate.FittedProfileJson;
import io.kvflow.engine.spec.ComputeProfile;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.Execution;
import io.kvflow.engine.spec.HardwareSpec;
import io.kvflow.engine.spec.LinkSpec;
import io.kvflow.engine.spec.ModelSpec;
import io.kvflow.engine.spec.Presets;
import io.kvflow.engine.time.StepPredictor;
import io.kvflow.engine.time.StepPredictor.Kind;
import io.kvflow.engine.time.StepPredictor.OffloadMode;
import io.kvflow.engine.time.StepPredictor.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kvflow calibrate}: a fit from points the model predicts for a known profile writes a
 * profile that reloads as hardware and checks within 1%; {@code --check}; bad points files, bases
 * and options exit 2 with one line naming where.
 */
class CalibrateCliTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  /** The h200 preset's JSON with a compute section; {@code off} multiplies its fitted constants. */
  static ObjectNode hardwareJson(double off) {
    ObjectNode hw = Presets.resource("hardware", "h200").deepCopy();
    ObjectNode c = hw.putObject("compute");
    c.put("weight_stream_bps", 4.0e12 * off);
    c.put("kv_stream_bps", 3.6e12 / off);
    c.put("activation_bps", 2.5e12 * off);
    ArrayNode gemm = c.putArray("gemm_flops");
    gemm.addArray().add(1).add(2.0e14 / off);
    gemm.addArray().add(128).add(5.5e14 / off);
    gemm.addArray().add(4096).add(7.0e14 / off);
    ArrayNode prefill = c.putArray("prefill_attention_flops");
    prefill.addArray().add(512).add(2.5e14 * off);
    prefill.addArray().add(32768).add(5.2e14 * off);
    c.put("decode_attention_flops", 2.5e13 * off);
    c.put("launch_graph_ns", Math.round(2500 * off));
    c.put("launch_eager_ns", 6500);
    c.put("eager_gpu_launch_ns", 3000);
    c.put("host_layer_ns", Math.round(120_000 / off));
    c.put("cross_stream_wait_ns", Math.round(9000 * off));
    ObjectNode pcie = (ObjectNode) hw.get("links").get(0);
    pcie.put("overhead_ns", Math.round(2693 / off));
    pcie.put("bandwidth_bps", 54.86e9 * off);
    return hw;
  }

  private Path write(String name, JsonNode json) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
    return p;
  }

  /** A small grid of points predicted by the known profile, as CSV. */
  static String points(HardwareSpec known) {
    StringBuilder csv = new StringBuilder("kind,model,batch,context,layers,lm_head,offload_fraction,offload_mode,"
        + "execution,tensor_parallel,measured_ms\n# predicted by the known profile\n");
    ModelSpec l8 = Presets.model("llama-3-8b", "t", "$");
    ModelSpec l70 = Presets.model("llama-3-70b", "t", "$");
    List<Scenario> grid = List.of(
        new Scenario(Kind.DECODE, 1, 1024, 32, true, 0, OffloadMode.SYNC, Execution.GRAPH, 1),
        new Scenario(Kind.DECODE, 1, 65536, 32, true, 0, OffloadMode.SYNC, Execution.GRAPH, 1),
        new Scenario(Kind.DECODE, 16, 8192, 32, true, 0, OffloadMode.SYNC, Execution.GRAPH, 1),
        new Scenario(Kind.DECODE, 64, 4096, 32, true, 0, OffloadMode.SYNC, Execution.GRAPH, 1),
        new Scenario(Kind.DECODE, 256, 1024, 32, true, 0, OffloadMode.SYNC, Execution.GRAPH, 1),
        new Scenario(Kind.DECODE, 256, 16384, 32, true, 0, OffloadMode.SYNC, Execution.GRAPH, 1),
        new Scenario(Kind.DECODE, 1, 1024, 32, true, 0, OffloadMode.SYNC, Execution.GRAPH, 2),
        new Scenario(Kind.DECODE, 8, 131072, 10, false, 0, OffloadMode.SYNC, Execution.GRAPH, 1),
        new Scenario(Kind.DECODE, 128, 2048, 10, false, 0, OffloadMode.SYNC, Execution.GRAPH, 1),
        new Scenario(Kind.PREFILL, 1, 512, 32, true, 0, OffloadMode.SYNC, Execution.GRAPH, 1),
        new Scenario(Kind.PREFILL, 1, 8192, 32, true, 0, OffloadMode.SYNC, Execution.GRAPH, 1),
        new Scenario(Kind.PREFILL, 1, 32768, 10, false, 0, OffloadMode.SYNC, Execution.GRAPH, 1),
        new Scenario(Kind.DECODE, 1, 1024, 32, true, 0, OffloadMode.SYNC, Execution.EAGER, 1),
        new Scenario(Kind.DECODE, 16, 32768, 32, true, 0, OffloadMode.SYNC, Execution.EAGER, 1),
        new Scenario(Kind.DECODE, 1, 8192, 32, true, 0.25, OffloadMode.SYNC, Execution.GRAPH, 1),
        new Scenario(Kind.DECODE, 16, 65536, 32, true, 1.0, OffloadMode.SYNC, Execution.GRAPH, 1),
        new Scenario(Kind.DECODE, 1, 65536, 32, true, 0.5, OffloadMode.LAYER_AHEAD, Execution.GRAPH, 1),
        new Scenario(Kind.DECODE, 16, 8192, 32, true, 0.25, OffloadMode.LAYER_AHEAD, Execution.GRAPH, 1),
        new Scenario(Kind.DECODE, 4, 32768, 10, false, 1.0, OffloadMode.LAYER_AHEAD, Execution.GRAPH, 1));
    for (Scenario s : grid) {
      ModelSpec m = s.layers() == 10 ? l70 : l8;
      csv.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%s,%s,%s,%s,%d,%.9f%n", lower(s.kind()), m.name(), s.batch(),
          s.context(), s.layers(), s.lmHead(), s.offloadFraction(), lower(s.offloadMode()), lower(s.execution()),
          s.tensorParallel(), StepPredictor.stepNs(m, known, s) / 1e6));
    }
    return csv.toString();
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private Path knownPoints() throws Exception {
    HardwareSpec known = ConfigLoader.loadHardware(write("known.json", hardwareJson(1)).toString()).hardware();
    Path csv = dir.resolve("points.csv");
    Files.writeString(csv, points(known));
    return csv;
  }

  @Test
  void fitWritesAProfileThatReloadsAsHardwareAndChecksWithinOnePercent() throws Exception {
    Path csv = knownPoints();
    Path base = write("base.json", hardwareJson(0.7));
    Path fitted = dir.resolve("fitted.json");
    Result r = CliTestSupport.run("calibrate", csv.toString(), "--hardware", base.toString(), "-o", fitted.toString(),
        "-q");
    assertEquals(0, r.exit(), r.err());
    assertEquals("", r.err());
    assertTrue(r.out().contains("compute.weight_stream_bps"), r.out());
    assertTrue(r.out().contains("links[pcie-h2d].overhead_ns"), r.out());
    assertTrue(r.out().contains("loo_error"), r.out());
    assertTrue(r.out().matches("(?s).*\nfit: +median \\d+\\.\\d\\d% +max 0\\.\\d\\d%.*"), r.out());
    assertTrue(r.out().matches("(?s).*\nleave-one-out: +median \\d+\\.\\d\\d% +max \\d+\\.\\d\\d%.*"), r.out());
    assertFalse(r.out().contains("not constrained"), r.out());

    // the file is hardware: base's JSON with the fitted constants and a note on where they came from
    HardwareSpec known = ConfigLoader.loadHardware(dir.resolve("known.json").toString()).hardware();
    HardwareSpec got = ConfigLoader.loadHardware(fitted.toString()).hardware();
    ComputeProfile k = known.compute();
    ComputeProfile g = got.compute();
    double[][] pairs = {{k.weightStreamBps(), g.weightStreamBps()}, {k.kvStreamBps(), g.kvStreamBps()},
        {k.activationBps(), g.activationBps()}, {k.decodeAttentionFlops(), g.decodeAttentionFlops()},
        {k.gemmFlops().at(100), g.gemmFlops().at(100)}, {k.prefillAttentionFlops().at(4096), g.prefillAttentionFlops().at(4096)},
        {k.launchGraphNs(), g.launchGraphNs()}, {k.hostLayerNs(), g.hostLayerNs()},
        {k.crossStreamWaitNs(), g.crossStreamWaitNs()}};
    for (double[] p : pairs) {
      assertEquals(p[0], p[1], 0.02 * p[0], r.out());
    }
    LinkSpec pcie = got.links().get(0);
    assertEquals(2693, pcie.overheadNs(), 0.02 * 2693);
    assertEquals(54.86e9, pcie.bandwidthBps(), 0.02 * 54.86e9);
    assertEquals(known.links().subList(1, 3), got.links().subList(1, 3), "the other links as they were");
    JsonNode json = JSON.readTree(fitted.toFile());
    assertTrue(json.get("sources").get(FittedProfileJson.NOTE_KEY).asText()
        .startsWith("fitted by kvflow calibrate from points.csv (19 points;"), json.toString());
    assertTrue(json.get("sources").get("pcie-h2d").asText().startsWith("fitted by kvflow calibrate"));
    assertEquals("h200", json.get("name").asText());

    Result check = CliTestSupport.run("calibrate", csv.toString(), "--check", fitted.toString());
    assertEquals(0, check.exit(), check.err());
    assertTrue(check.out().matches("(?s).*\nerror: +median 0\\.\\d\\d% +max 0\\.\\d\\d%.*"), check.out());
    try (var files = Files.list(dir)) {
      assertEquals(List.of("base.json", "fitted.json", "known.json", "points.csv"),
          files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary or lock file left");
    }
  }

  @Test
  void checkPrintsPredictedAgainstMeasuredForEveryPoint() throws Exception {
    Path csv = knownPoints();
    Result r = CliTestSupport.run("calibrate", csv.toString(), "--check", dir.resolve("known.json").toString());
    assertEquals(0, r.exit(), r.err());
    String[] lines = r.out().split("\n");
    assertTrue(lines[0].startsWith("19 points of " + csv + " against hardware "), lines[0]);
    assertTrue(lines[2].matches(" *line +kind +model .* measured_ms +predicted_ms +error"), lines[2]);
    // the first point is on line 3 of the file (header, comment); the known profile predicts it exactly
    assertTrue(lines[3].matches(" +3 decode +llama-3-8b +1 +1024 +32 true +0 +- +graph +1 .* [+-]0\\.00%"), lines[3]);
    assertTrue(r.out().contains("\nerror:         median 0.00%  max 0.00%  (19 points"), r.out());
    // a profile 30% off is reported as such
    Result off = CliTestSupport.run("calibrate", csv.toString(), "--check", write("base.json", hardwareJson(0.7)).toString());
    assertEquals(0, off.exit(), off.err());
    assertTrue(off.out().matches("(?s).*\nerror: +median [1-9]\\d\\.\\d\\d%.*"), off.out());
    // legacy hardware (no compute section) is checked with its one roofline per layer
    assertEquals(0, CliTestSupport.run("calibrate", csv.toString(), "--check", "h200").exit());
  }

  @Test
  void aBadPointsFileExitsTwoNamingLineAndColumn() throws Exception {
    Path base = write("base.json", hardwareJson(1));
    String header = "kind,model,batch,context,measured_ms\n";
    String[][] cases = {
        {header + "decode,llama-3-8b,1,1024,10.5\ndecode,llama-3-8b,1,abc,11\n",
            "points.csv: line 3, column 4 (context): 'abc' is not a whole number"},
        {header + "decode,llama-3-9b,1,1024,10.5\n", "line 2, column 2 (model): unknown model preset 'llama-3-9b'"},
        {header + "decode,llama-3-8b,1,1024\n", "line 2, column 5: missing; the line has 4 fields and the header 5"},
        {header + "decode,llama-3-8b,1,1024,-3\n", "line 2, column 5 (measured_ms): -3 must be a time > 0"},
        {header + "training,llama-3-8b,1,1024,3\n", "line 2, column 1 (kind): 'training' is not one of decode, prefill"},
        {"kind,model,batch,context,gpu,measured_ms\n", "points.csv: line 1, column 5: unknown column 'gpu'"},
        {"kind,model,batch,measured_ms\ndecode,llama-3-8b,1,3\n", "line 1: no column 'context'"},
        {"kind,model,batch,context,offload_fraction,measured_ms\ndecode,llama-3-8b,1,1024,0.5,3\n",
            "line 2, column 5 (offload_fraction): 0.5 needs an offload_mode column"},
        {"kind,model,batch,context,offload_fraction,offload_mode,measured_ms\nprefill,llama-3-8b,1,1024,0.5,sync,3\n",
            "line 2, column 5 (offload_fraction): 0.5: offload applies to decode points"},
        {"kind,model,batch,context,layers,measured_ms\ndecode,llama-3-8b,1,1024,33,3\n",
            "line 2, column 5 (layers): 33 must be in [1, 32]"},
        {header, "points.csv: no points"}};
    Path csv = dir.resolve("points.csv");
    for (String[] c : cases) {
      Files.writeString(csv, c[0]);
      assertBadInput(CliTestSupport.run("calibrate", csv.toString(), "--hardware", base.toString()), c[1]);
      assertBadInput(CliTestSupport.run("calibrate", csv.toString(), "--check", "h200"), c[1]);
    }
  }

  @Test
  void baseOptionsAndOutputAreChecked() throws Exception {
    Path csv = knownPoints();
    assertBadInput(CliTestSupport.run("calibrate", csv.toString(), "--hardware", "kvflow-seed"),
        "kvflow-seed: hardware 'kvflow-seed' has no \"compute\" section");
    assertBadInput(CliTestSupport.run("calibrate", csv.toString()), "give --hardware BASE to fit a profile or --check");
    assertBadInput(CliTestSupport.run("calibrate", csv.toString(), "--hardware", "h200", "--check", "h200"), "not both");
    assertBadInput(CliTestSupport.run("calibrate", csv.toString(), "--check", "h200", "-o", "x.json"),
        "option -o writes a fitted profile");
    assertBadInput(CliTestSupport.run("calibrate", csv.toString(), "--hardware", "nope"),
        "nope: no such hardware file or preset");
    assertBadInput(CliTestSupport.run("calibrate", dir.resolve("absent.csv").toString(), "--check", "h200"),
        "absent.csv: no such file; expected a points file");
    Path base = dir.resolve("known.json");
    assertBadInput(CliTestSupport.run("calibrate", csv.toString(), "--hardware", base.toString(), "-o", base.toString()),
        "-o names the command's own input");
    assertBadInput(CliTestSupport.run("calibrate", csv.toString(), "--hardware", base.toString(), "-o", dir.toString()),
        "is a directory");
    // offload points need a dram -> hbm link
    ObjectNode noLinks = hardwareJson(1);
    noLinks.putArray("links");
    assertBadInput(CliTestSupport.run("calibrate", csv.toString(), "--hardware", write("nolinks.json", noLinks).toString()),
        "points.csv: line 17: offload_fraction 0.25 copies KV over a dram -> hbm link, and hardware 'h200' has none");
  }
}
