package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvflow.cli.ConfigFuzz.Case;
import io.kvflow.cli.ConfigFuzz.Kind;
import io.kvflow.cli.ConfigFuzz.Seed;
import io.kvflow.engine.spec.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config fuzzing through the command line, in-process: hostile configs made from the shipped ones
 * ({@link ConfigFuzz}: extreme numbers, huge arrays, deep nesting, bad UTF-8, wrong types, damaged
 * text, hostile strings) replayed on {@code sample-traces/chat-small.parquet}.
 *
 * <p>The promise, for every case: exit 0 or 2, never 1 (an internal error) and never a hang (60 s);
 * on exit 2 exactly one line on stderr naming the config and where in it (a JSON path, or a line and
 * column, or the limit), and nothing left where the output would go; on exit 0 a report whose counts,
 * bytes and times are all non-negative and finite (nothing overflowed) and whose effective config
 * binds again.
 *
 * <p>By default (CI) 40 cases run, four of each kind, in well under 30 s. The acceptance set of
 * 1,000 cases runs with {@code -Dkvflow.fuzz=full}, and prints its counts:
 * {@code mvn -B -ntp -o test -pl cli -am -Dtest=ConfigFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Dkvflow.fuzz=full}.
 * {@code -Dkvflow.fuzz.cases=N} runs the first N cases instead. Case numbers worth keeping (ones that once failed) go into {@code src/test/resources/fuzz/config-cases.txt}
 * and run every time.
 */
class ConfigFuzzTest {
  private static final boolean FULL = "full".equals(System.getProperty("kvflow.fuzz"));
  private static final int CASES = Integer.getInteger("kvflow.fuzz.cases", FULL ? 1000 : 40);
  private static final long HANG_SECONDS = 60;
  private static final String CORPUS = "/fuzz/config-cases.txt";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;

  private static List<Seed> seeds;
  private static ExecutorService runner;

  @BeforeAll
  static void start() {
    seeds = ConfigFuzz.seeds();
    runner = newRunner();
  }

  private static ExecutorService newRunner() {
    return Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "config-fuzz");
      t.setDaemon(true); // a hung case must not keep the test JVM alive
      return t;
    });
  }

  @AfterAll
  static void stop() {
    runner.shutdownNow();
  }

  /** What happened to a case. */
  enum Outcome { ACCEPTED, REFUSED, INTERNAL_ERROR, HANG, NOT_ONE_LINE, UNLOCATED, PARTIAL_OUTPUT, OVERFLOW }

  @Test
  void hostileConfigsAreRefusedWithOneLineOrReplayedWithoutOverflow() throws Exception {
    List<Integer> cases = new ArrayList<>();
    for (int i = 0; i < CASES; i++) {
      cases.add(i);
    }
    for (int kept : corpus()) {
      if (!cases.contains(kept)) {
        cases.add(kept);
      }
    }
    Map<Kind, Map<Outcome, Integer>> tally = new EnumMap<>(Kind.class);
    List<String> failures = new ArrayList<>();
    long started = System.nanoTime();
    double slowest = 0;
    String slowestCase = "";
    for (int i : cases) {
      Case c = ConfigFuzz.make(i, seeds);
      String[] problem = {null};
      long t0 = System.nanoTime();
      Outcome o = run(c, problem);
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (seconds > slowest) {
        slowest = seconds;
        slowestCase = c.describe() + ", " + o;
      }
      tally.computeIfAbsent(c.kind(), k -> new EnumMap<>(Outcome.class)).merge(o, 1, Integer::sum);
      if (o != Outcome.ACCEPTED && o != Outcome.REFUSED) {
        failures.add(o + ": " + c.describe() + ": " + problem[0]);
      }
    }
    print(tally, cases.size(), (System.nanoTime() - started) / 1e9);
    System.out.printf("  slowest: %.1f s, %s%n", slowest, slowestCase);
    assertEquals(List.of(), failures, "cases that broke the promise");
  }

  private static Outcome run(Case c, String[] problem) throws Exception {
    Path caseDir = Files.createDirectories(dir.resolve("case-" + c.index()));
    Path config = caseDir.resolve("config.json");
    Files.write(config, c.bytes());
    Path out = caseDir.resolve("out");
    Future<CliTestSupport.Result> f = runner.submit(() -> CliTestSupport.run("replay",
        OutputSafetyCliTest.CHAT.toString(), "--config", config.toString(), "--out", out.toString(), "-q"));
    CliTestSupport.Result r;
    try {
      r = f.get(HANG_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      // the replay does not stop when interrupted: leave its thread and give the next cases a fresh one
      runner.shutdownNow();
      runner = newRunner();
      problem[0] = "no answer in " + HANG_SECONDS + " s";
      return Outcome.HANG;
    }
    try {
      return judge(r, config, out, caseDir, problem);
    } finally {
      TempTree.delete(caseDir);
    }
  }

  private static Outcome judge(CliTestSupport.Result r, Path config, Path out, Path caseDir, String[] problem)
      throws IOException {
    if (r.exit() == 2) {
      String err = r.err();
      problem[0] = err.length() > 400 ? err.substring(0, 400) + "..." : err;
      if (!err.startsWith("kvflow: ") || !err.endsWith("\n") || err.indexOf('\n') != err.length() - 1
          || err.indexOf('\r') >= 0) {
        return Outcome.NOT_ONE_LINE;
      }
      // the config file named, and where in it: a JSON path, a line and column, a byte offset, or the limit
      // (a figure that wrapped in the replay is named by what wrapped: no one setting made it)
      if (!err.contains(config.toString()) || !(err.contains("$") || err.contains("line ") || err.contains("byte offset")
          || err.contains("at most") || err.contains("a 64-bit figure wrapped around"))) {
        return Outcome.UNLOCATED;
      }
      try (Stream<Path> s = Files.list(caseDir)) {
        List<String> left = s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("config.json")).toList();
        if (!left.isEmpty()) {
          problem[0] = "left " + left + " after: " + problem[0];
          return Outcome.PARTIAL_OUTPUT;
        }
      }
      return Outcome.REFUSED;
    }
    if (r.exit() != 0) {
      problem[0] = "exit " + r.exit() + ": " + r.err();
      return Outcome.INTERNAL_ERROR;
    }
    JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
    String wrapped = negativeOrNotFinite(report, "$");
    if (wrapped != null) {
      problem[0] = "report " + wrapped;
      return Outcome.OVERFLOW;
    }
    try {
      ConfigLoader.fromJson("effective config", report.get("config"));
    } catch (RuntimeException e) {
      problem[0] = "the effective config does not bind again: " + e.getMessage();
      return Outcome.OVERFLOW;
    }
    return Outcome.ACCEPTED;
  }

  /** The first negative or non-finite number in the report's figures (the config and manifest aside), or null. */
  static String negativeOrNotFinite(JsonNode n, String path) {
    if (n.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (path.equals("$") && (e.getKey().equals("config") || e.getKey().equals("manifest"))) {
          continue;
        }
        String at = negativeOrNotFinite(e.getValue(), path + "." + e.getKey());
        if (at != null) {
          return at;
        }
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        String at = negativeOrNotFinite(n.get(i), path + "[" + i + "]");
        if (at != null) {
          return at;
        }
      }
    } else if (n.isNumber() && (n.asDouble() < 0 || !Double.isFinite(n.asDouble()))) {
      return path + " = " + n;
    } else if (n.isTextual() && List.of("NaN", "Infinity", "-Infinity").contains(n.asText())) {
      return path + " = " + n.asText();
    }
    return null;
  }

  private static List<Integer> corpus() throws IOException {
    List<Integer> kept = new ArrayList<>();
    try (InputStream in = ConfigFuzzTest.class.getResourceAsStream(CORPUS)) {
      if (in == null) {
        return kept;
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String t = line.replaceAll("#.*", "").strip();
        if (!t.isEmpty()) {
          kept.add(Integer.parseInt(t.split("\\s+")[0]));
        }
      }
    }
    return kept;
  }

  private static void print(Map<Kind, Map<Outcome, Integer>> tally, int cases, double seconds) {
    StringBuilder b = new StringBuilder(String.format("config fuzz: %d cases in %.0f s%n", cases, seconds));
    Map<Outcome, Integer> total = new TreeMap<>();
    tally.forEach((kind, counts) -> {
      b.append(String.format("  %-22s %s%n", kind, counts));
      counts.forEach((o, n) -> total.merge(o, n, Integer::sum));
    });
    b.append(String.format("  %-22s %s%n", "all", total));
    System.out.print(b);
    assertTrue(cases > 0);
  }
}
