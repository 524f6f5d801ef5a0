package io.kvflow.analysis.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.kvflow.analysis.report.Manifest;
import io.kvflow.common.BadInputException;
import io.kvflow.common.Progress;
import io.kvflow.engine.spec.ConfigException;
import io.kvflow.trace.generate.Params;
import io.kvflow.trace.generate.Workload;
import io.kvflow.trace.generate.WorkloadGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The synthetic traces a grid asks for: {@code "generate": {"workload": "chat", "options":
 * {"requests": 2000}, "seeds": [1, 2, 3]}}, one trace per seed. Each is written once under the
 * sweep's {@code traces/} directory with a name that hashes workload and options, so a rerun (or a
 * resumed sweep) finds it instead of generating it again.
 *
 * @param workload the generator's name ({@code kvflow generate WORKLOAD})
 * @param options its options without the leading dashes, as given
 * @param seeds one trace per seed
 */
public record GeneratedTraces(String workload, Map<String, String> options, List<Long> seeds) {
  /** The {@code generate} section of a grid, validated (workload, option names and values), or null. */
  static GeneratedTraces parse(String source, JsonNode json) {
    if (json == null) {
      return null;
    }
    String at = source + ": $.generate";
    if (!json.isObject()) {
      throw new ConfigException(at + ": expected {\"workload\": NAME, \"options\": {...}, \"seeds\": [...]}");
    }
    Iterator<String> names = json.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!List.of("workload", "options", "seeds").contains(n)) {
        throw new ConfigException(at + "." + n + ": unknown field; expected workload, options, seeds");
      }
    }
    JsonNode w = json.get("workload");
    if (w == null || !w.isTextual() || Workload.fromCliName(w.asText()) == null) {
      throw new ConfigException(at + ".workload: expected one of "
          + java.util.Arrays.stream(Workload.values()).map(Workload::cliName).toList());
    }
    Map<String, String> options = new LinkedHashMap<>();
    JsonNode o = json.get("options");
    if (o != null) {
      if (!o.isObject()) {
        throw new ConfigException(at + ".options: expected an object of option -> value");
      }
      o.fields().forEachRemaining(e -> {
        if (e.getKey().equals("seed")) {
          throw new ConfigException(at + ".options.seed: give seeds in $.generate.seeds");
        }
        if (!e.getValue().isValueNode()) {
          throw new ConfigException(at + ".options." + e.getKey() + ": expected a number or a string");
        }
        options.put(e.getKey(), e.getValue().asText());
      });
    }
    JsonNode s = json.get("seeds");
    if (s == null || !s.isArray() || s.isEmpty()) {
      throw new ConfigException(at + ".seeds: expected a non-empty list of integers");
    }
    List<Long> seeds = new ArrayList<>();
    for (int i = 0; i < s.size(); i++) {
      if (!s.get(i).canConvertToLong() || !s.get(i).isIntegralNumber()) {
        throw new ConfigException(at + ".seeds[" + i + "]: expected an integer, got " + s.get(i));
      }
      seeds.add(s.get(i).asLong());
    }
    GeneratedTraces g = new GeneratedTraces(w.asText(), options, seeds);
    try {
      g.params(seeds.get(0)); // option names and values, checked before any point runs
    } catch (BadInputException e) {
      throw new ConfigException(at + ".options: " + e.getMessage());
    }
    return g;
  }

  private Params params(long seed) {
    Workload w = Workload.fromCliName(workload);
    Map<String, String> given = new LinkedHashMap<>(options);
    given.put("seed", Long.toString(seed));
    return new Params(w.cliName(), w.create().params(), given);
  }

  /** The trace of {@code seed} under {@code dir}, generated unless an earlier run left it there. */
  public Path materialise(Path dir, long seed) {
    com.fasterxml.jackson.databind.node.ObjectNode id = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    id.put("workload", workload);
    new java.util.TreeMap<>(options).forEach(id.putObject("options")::put);
    String key = Manifest.sha256(id).substring(0, 8);
    Path trace = dir.resolve(workload + "-" + key + "-seed" + seed + ".parquet");
    if (!Files.isRegularFile(trace)) {
      try {
        Files.createDirectories(dir);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot create " + dir, e);
      }
      WorkloadGenerator generator = Workload.fromCliName(workload).create();
      generator.generate(params(seed), trace, Progress.NONE);
    }
    return trace;
  }
}
