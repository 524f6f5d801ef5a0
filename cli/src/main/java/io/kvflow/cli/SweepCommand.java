package io.kvflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.cluster.ClusterEngine;
import io.kvflow.analysis.report.Manifest;
import io.kvflow.analysis.sweep.Grid;
import io.kvflow.analysis.sweep.PointFiles;
import io.kvflow.analysis.sweep.SweepPoint;
import io.kvflow.analysis.sweep.SweepRunner;
import io.kvflow.analysis.sweep.SweepTable;
import io.kvflow.common.BadInputException;
import io.kvflow.engine.spec.ConfigException;
import io.kvflow.common.InputCheck;
import io.kvflow.common.OutputSet;
import io.kvflow.engine.spec.ConfigJson;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.parquet.TraceReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kvflow sweep TRACE... --grid FILE [--config CFG] [--engine local|spark] --out DIR}: one replay per grid point. */
@Command(name = "sweep", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Replay traces over a grid of config values, in parallel on all cores or as Spark tasks; resumable "
        + "(points already done are skipped when rerun). Writes DIR/sweep.parquet, sweep.csv, sweep.json, report.html "
        + "and points/."})
final class SweepCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** What the traces' metadata says their figures cannot show (see {@link WarningRules#trace}). */
  private final List<Warning> warnings = new ArrayList<>();

  @Parameters(arity = "0..*", paramLabel = "TRACE", description = "trace files (with --engine spark: any Hadoop-compatible "
      + "path); none when the grid generates its traces")
  List<String> traces = new ArrayList<>();

  @Option(names = "--grid", required = true, paramLabel = "FILE", description = "grid JSON: {\"axes\": {\"$.path\": [values]}, \"zip\": [...]}")
  Path grid;

  @Option(names = "--config", defaultValue = "default", paramLabel = "FILE|NAME", completionCandidates = Registries.Configs.class,
      description = "base config: a file or a shipped config (${COMPLETION-CANDIDATES}) [default: default]")
  String config;

  @Option(names = "--threads", paramLabel = "N", description = "local engine: points run at once [default: the machine's cores]")
  Integer threads;

  @Option(names = "--engine", defaultValue = "local", paramLabel = "ENGINE",
      description = "local (threads of this JVM) or spark (tasks on Spark; master local[*] unless spark.master is set) [default: local]")
  Engine engine;

  @Option(names = "--out", defaultValue = "out", paramLabel = "DIR", description = "output directory: sweep.csv, "
      + "sweep.json, sweep.parquet, report.html and points/ (each point's result, kept for resuming) [default: out]")
  Path out;

  @Option(names = {"-q", "--quiet"}, description = "no progress display")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    InputCheck.requireRegularFile(grid, "grid");
    // the same reader as configs: size, UTF-8 and nesting limits, every refusal with its line and column
    JsonNode gridJson = ConfigLoader.readJson(grid);
    Grid g = Grid.parse(grid.toString(), gridJson);
    long replays = (long) g.size() * (traces.size() + (g.generated() == null ? 0 : g.generated().seeds().size()));
    if (replays > Grid.MAX_POINTS) {
      throw new BadInputException(grid + ": " + g.size() + " points x " + (replays / g.size()) + " traces are " + replays
          + " replays; a sweep runs at most " + Grid.MAX_POINTS + "; split it");
    }
    Path configFile = Outputs.configFile(config);
    ObjectNode base = ConfigJson.toJson(ConfigLoader.load(config).config());
    // every point's config, bound (types, ranges, unknown paths named) before anything is generated or run
    List<Map<String, JsonNode>> values = g.points();
    List<ObjectNode> configs = new ArrayList<>();
    List<ReplayConfig> bound = new ArrayList<>();
    for (Map<String, JsonNode> v : values) {
      ObjectNode json = base;
      for (var e : v.entrySet()) {
        json = Grid.set(grid.toString(), json, e.getKey(), e.getValue());
      }
      bound.add(ConfigLoader.fromJson(grid + " point " + v, json).config());
      configs.add(json);
    }
    if (traces.isEmpty() && g.generated() == null) {
      throw new BadInputException("no traces: give TRACE... or a \"generate\" section in " + grid);
    }
    List<Path> inputs = new ArrayList<>(List.of(grid));
    if (configFile != null) {
      inputs.add(configFile);
    }
    for (String t : traces) {
      if (engine == Engine.LOCAL) {
        InputCheck.requireRegularFile(Path.of(t), "trace");
        inputs.add(Path.of(t));
      } else {
        Outputs.refuseSpecialFile(t, "trace");
      }
    }
    for (String t : traces) {
      checkApplies(t, values, bound);
    }
    try (OutputSet set = Outputs.directory(out, Outputs.SWEEP, inputs.toArray(Path[]::new))) {
      if (engine == Engine.LOCAL) {
        for (String t : traces) {
          localIdentity(t); // a file that is no trace: one line now, before any output
        }
      }
      // the grid's synthetic traces, one per seed, with a `seed` column in the table
      List<String> all = new ArrayList<>(traces);
      List<String> seeds = new ArrayList<>(java.util.Collections.nCopies(traces.size(), ""));
      List<String> columns = new ArrayList<>(g.paths());
      if (g.generated() != null) {
        columns.add("seed");
        for (long seed : g.generated().seeds()) {
          String t = g.generated().materialise(set.state("traces"), seed).toString();
          checkApplies(t, values, bound);
          all.add(t);
          seeds.add(Long.toString(seed));
        }
      }
      try (ClusterEngine cluster = engine.open()) {
        List<SweepPoint> points = plan(g.paths(), values, configs, cluster, all, seeds, columns);
        return run(points, columns, cluster, set);
      }
    }
  }

  /**
   * Refuses, before any point runs, a point whose config has a setting that cannot apply to {@code
   * trace}'s kind (exit 2 naming the point and the JSON path, as replay does). A trace that is not a
   * local file (Spark paths) is left to its points, which the engine refuses one by one.
   */
  private void checkApplies(String trace, List<Map<String, JsonNode>> values, List<ReplayConfig> bound) {
    Path p;
    try {
      p = Path.of(trace);
    } catch (java.nio.file.InvalidPathException e) {
      return;
    }
    if (!Files.isRegularFile(p)) {
      return;
    }
    io.kvflow.trace.TraceMetadata meta = TraceReader.readMetadata(p);
    for (Warning w : WarningRules.trace(p.getFileName().toString(), meta)) {
      if (!warnings.contains(w)) {
        warnings.add(w);
      }
    }
    TraceKind kind = meta.kind();
    // points run side by side: each may use its share of the heap for its tiers' tables
    int parallel = engine == Engine.LOCAL ? Math.min(threads(), bound.size()) : 1;
    for (int i = 0; i < bound.size(); i++) {
      String point = grid + " point " + values.get(i) + " on " + trace;
      try {
        bound.get(i).checkApplies(kind, meta.blockTokens());
      } catch (ConfigException e) {
        throw e.from(point + " (" + ReplayRun.described(kind) + ")");
      }
      ReplayRun.checkHeap(point, bound.get(i).placementUnits(meta.blockTokens()), parallel);
    }
  }

  private static List<SweepPoint> plan(List<String> paths, List<Map<String, JsonNode>> pointValues, List<ObjectNode> configs,
      ClusterEngine cluster, List<String> all, List<String> seeds, List<String> columns) {
    List<SweepPoint> points = new ArrayList<>();
    for (int ti = 0; ti < all.size(); ti++) {
      String trace = all.get(ti);
      String identity = cluster != null ? cluster.traceIdentity(trace) : localIdentity(trace);
      String name = trace.replaceAll("/+$", "");
      name = name.substring(name.lastIndexOf('/') + 1);
      for (int pi = 0; pi < pointValues.size(); pi++) {
        Map<String, JsonNode> values = pointValues.get(pi);
        ObjectNode json = configs.get(pi);
        List<String> cells = new ArrayList<>();
        for (String path : paths) {
          JsonNode v = values.get(path);
          cells.add(v == null ? "" : v.isTextual() ? v.asText() : v.toString());
        }
        if (columns.size() > paths.size()) {
          cells.add(seeds.get(ti));
        }
        ObjectNode key = JsonNodeFactory.instance.objectNode();
        key.put("trace", identity);
        key.set("config", json);
        String id = Manifest.sha256(key).substring(0, 16);
        points.add(new SweepPoint(points.size(), trace, name, columns, cells, json.toString(), id));
      }
    }
    return points;
  }

  private int run(List<SweepPoint> points, List<String> paths, ClusterEngine cluster, OutputSet set) throws Exception {
    Path pointsDir = set.state("points");
    ObjectNode[] rows = new ObjectNode[points.size()];
    long skipped = 0;
    long damaged = 0;
    List<SweepPoint> todo = new ArrayList<>();
    for (SweepPoint p : points) {
      PointFiles.Saved saved = PointFiles.read(pointsDir, p);
      rows[p.index()] = saved.row();
      if (saved.status() == PointFiles.Status.DONE) {
        skipped++;
        continue;
      }
      damaged += saved.status() == PointFiles.Status.DAMAGED ? 1 : 0;
      todo.add(p);
    }
    // the count covers every point, those of an earlier run included: "7 / 9 (6 resumed)"
    long resumed = skipped;
    try (TerminalProgress progress = new TerminalProgress("sweep", quiet).resumed(resumed)) {
      if (cluster != null) {
        cluster.sweep(todo, row -> rows[row.get("point").asInt()] = saved(pointsDir, points, row),
            (done, total) -> progress.update(resumed + done, resumed + total));
      } else {
        runLocally(todo, pointsDir, points, rows, progress, resumed);
      }
    }
    ObjectNode table = JsonNodeFactory.instance.objectNode();
    Warning.addTo(table, warnings);
    long failed = SweepTable.write(set.directory(), Arrays.asList(rows), paths, (com.fasterxml.jackson.databind.node.ArrayNode)
        table.get("warnings"));
    set.commit();
    Warning.print(spec.commandLine().getErr(), warnings);
    if (!quiet) {
      System.err.printf("%d points: %d run, %d already done, %d failed%s; wrote %s%n", points.size(), todo.size(), skipped,
          failed, damaged > 0 ? ", " + damaged + " damaged result files recomputed" : "", out.resolve("sweep.csv"));
    }
    return failed > 0 ? Main.EXIT_INTERNAL : 0;
  }

  private void runLocally(List<SweepPoint> todo, Path pointsDir, List<SweepPoint> points, ObjectNode[] rows,
      TerminalProgress progress, long resumed) throws Exception {
    int n = threads();
    ExecutorService pool = Executors.newFixedThreadPool(n);
    AtomicLong done = new AtomicLong();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (SweepPoint p : todo) {
        futures.add(pool.submit(() -> {
          rows[p.index()] = saved(pointsDir, points, SweepRunner.run(p, Path.of(p.trace())));
          synchronized (progress) {
            progress.update(resumed + done.incrementAndGet(), resumed + todo.size());
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  private int threads() {
    return threads != null ? Math.max(1, threads) : Runtime.getRuntime().availableProcessors();
  }

  /** Writes a finished point's row to its result file (so a rerun skips it) and returns it. */
  private static ObjectNode saved(Path pointsDir, List<SweepPoint> points, ObjectNode row) {
    PointFiles.write(pointsDir, points.get(row.get("point").asInt()), row);
    return row;
  }

  private static String localIdentity(String trace) {
    Path p = Path.of(trace);
    InputCheck.requireRegularFile(p, "trace");
    // not a trace at all: one line now, before any output, rather than a failed row per point
    io.kvflow.trace.parquet.TraceReader.readMetadata(p);
    try {
      return p.toAbsolutePath() + "|" + Files.size(p) + "|" + Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
