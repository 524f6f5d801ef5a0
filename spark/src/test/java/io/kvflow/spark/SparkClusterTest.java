package io.kvflow.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kvflow.cli.Main;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.generate.Rng;
import io.kvflow.trace.generate.ZipfSampler;
import io.kvflow.trace.parquet.AccessTraceWriter;
import io.kvflow.trace.parquet.TraceReader;
import io.kvflow.trace.parquet.WriterOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * KVFlow on a real Spark standalone cluster: a master and two workers, each its own JVM started
 * from the test class path on 127.0.0.1 (ephemeral ports), the driver in this JVM. A partitioned
 * reuse study runs on both workers; then a sweep runs while one worker's process is killed
 * (SIGKILL) as soon as one of its tasks runs: Spark reruns the lost task on the other worker, and
 * every output file is byte-identical to the local engine's. Every wait is bounded, and every
 * process the test starts (executors included) is killed at the end, whatever happened.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
public class SparkClusterTest {
  static final Path CHAT = Path.of("..", "sample-traces", "chat-small.parquet");
  /** The longest wait for a daemon to start, for a worker to register, for one command. */
  static final Duration DAEMON = Duration.ofSeconds(90);
  static final Duration COMMAND = Duration.ofSeconds(180);

  @TempDir
  static Path dir;

  static Process master;
  static final Process[] workers = new Process[2];
  /** Every process started here or by it (executors), killed in {@link #stopCluster}. */
  static final List<ProcessHandle> processes = new CopyOnWriteArrayList<>();
  static final Map<String, String> savedProperties = new LinkedHashMap<>();
  static final ExecutorService commands = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "kvflow-on-cluster");
    t.setDaemon(true);
    return t;
  });
  static final Map<String, Double> timings = new LinkedHashMap<>();
  static Thread shutdownHook;

  record Result(int exit, String err) {}

  static Result kvflow(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(exit, err.toString());
  }

  static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  static Path work(int worker) {
    return dir.resolve("worker-" + (worker + 1));
  }

  // ---------------------------------------------------------------------------------------------
  // the cluster

  @BeforeAll
  static void startCluster() throws Exception {
    shutdownHook = new Thread(SparkClusterTest::killAll, "kvflow-cluster-test-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    // Workers build executor command lines from SPARK_HOME: its jars/ (empty here; the class path
    // comes from spark.executor.extraClassPath) and conf/ (absent)
    Files.createDirectories(dir.resolve("spark-home").resolve("jars"));
    Files.createDirectories(dir.resolve("local"));
    Files.writeString(dir.resolve("log4j2.properties"), String.join("\n",
        "rootLogger.level = warn",
        "rootLogger.appenderRef.console.ref = console",
        "appender.console.type = Console",
        "appender.console.name = console",
        "appender.console.target = SYSTEM_ERR",
        "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = %d{HH:mm:ss.SSS} %p %c{1}: %m%n%ex",
        "logger.deploy.name = org.apache.spark.deploy",
        "logger.deploy.level = info",
        ""));
    long start = System.nanoTime();
    master = daemon("master", "org.apache.spark.deploy.master.Master",
        "--host", "127.0.0.1", "--port", "0", "--webui-port", "0");
    String url = awaitLog(master, "master", Pattern.compile("Starting Spark master at (spark://127\\.0\\.0\\.1:\\d+)"))
        .group(1);
    for (int i = 0; i < workers.length; i++) {
      Files.createDirectories(work(i));
      workers[i] = daemon("worker-" + (i + 1), "org.apache.spark.deploy.worker.Worker", url,
          "--host", "127.0.0.1", "--port", "0", "--webui-port", "0", "--cores", "1", "--memory", "512m",
          "--work-dir", work(i).toString());
    }
    for (int i = 0; i < workers.length; i++) {
      awaitLog(workers[i], "worker-" + (i + 1), Pattern.compile("Successfully registered with master"));
    }
    timings.put("cluster start", seconds(start));

    // the driver (this JVM) on that master; executors get this class path and the tests' JVM flags
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.master", url);
    conf.put("spark.driver.host", "127.0.0.1");
    conf.put("spark.driver.bindAddress", "127.0.0.1");
    conf.put("spark.ui.enabled", "false");
    conf.put("spark.executor.memory", "512m");
    conf.put("spark.executor.extraClassPath", classPath());
    conf.put("spark.executor.extraJavaOptions", String.join(" ", jvmFlags())
        + " -Dkvflow.checks=true -XX:+UseSerialGC");
    // jobs start once both workers' executors have registered (so both get tasks)
    conf.put("spark.cores.max", "2");
    conf.put("spark.scheduler.minRegisteredResourcesRatio", "1.0");
    conf.put("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s");
    // several input partitions per trace, read by both executors
    conf.put("spark.sql.files.maxPartitionBytes", "65536");
    conf.put("spark.sql.files.openCostInBytes", "1024");
    conf.put("spark.extraListeners", Watch.class.getName());
    for (Map.Entry<String, String> e : conf.entrySet()) {
      savedProperties.put(e.getKey(), System.getProperty(e.getKey()));
      System.setProperty(e.getKey(), e.getValue());
    }
  }

  @AfterAll
  static void stopCluster() {
    try {
      // a command that timed out may still hold a session: stop it, so later tests start clean
      stopSession();
    } finally {
      savedProperties.forEach((k, v) -> {
        if (v == null) {
          System.clearProperty(k);
        } else {
          System.setProperty(k, v);
        }
      });
      killAll();
      commands.shutdownNow();
      if (shutdownHook != null) {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      }
      System.out.println("SparkClusterTest timings (s): " + timings.entrySet().stream()
          .map(e -> e.getKey() + " " + String.format("%.1f", e.getValue())).collect(Collectors.joining(", ")));
    }
  }

  static void stopSession() {
    scala.Option<SparkSession> s = SparkSession.getDefaultSession();
    if (s.isDefined()) {
      s.get().stop();
    }
  }

  /** SIGKILL to every process started here and to their children (executors), then wait for them. */
  static void killAll() {
    List<ProcessHandle> all = new ArrayList<>();
    for (ProcessHandle h : processes) {
      h.descendants().forEach(all::add);
      all.add(h);
    }
    for (ProcessHandle h : all) {
      h.destroyForcibly();
    }
    for (ProcessHandle h : all) {
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // nothing more can be done; reported by the process table, not here
      }
    }
  }

  /** The test's class path: surefire's, or this JVM's outside surefire. */
  static String classPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  /** spark/pom.xml's JVM flags (surefire passes them), or those this JVM was started with. */
  static List<String> jvmFlags() {
    String flags = System.getProperty("kvflow.spark.jvm.flags");
    if (flags != null && !flags.isBlank()) {
      return Arrays.asList(flags.trim().split("\\s+"));
    }
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions")
            || a.startsWith("-Dio.netty.") || a.startsWith("-Darrow.") || a.startsWith("--enable-native-access")
            || a.startsWith("--sun-misc-unsafe-memory-access"))
        .toList();
  }

  /** A master or worker JVM, its output in {@code NAME.log}. */
  static Process daemon(String name, String mainClass, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags());
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dspark.master.rest.enabled=false", // no fixed port 6066
        "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
        "-cp", classPath(), mainClass));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("SPARK_") || k.equals("HADOOP_CONF_DIR") || k.equals("YARN_CONF_DIR"));
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_HOME", dir.resolve("spark-home").toString());
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("SPARK_LOCAL_DIRS", dir.resolve("local").toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
    Process p = pb.start();
    processes.add(p.toHandle());
    return p;
  }

  /** Waits for a line of {@code NAME.log} to match. */
  static Matcher awaitLog(Process p, String name, Pattern line) throws Exception {
    Path log = dir.resolve(name + ".log");
    long deadline = System.nanoTime() + DAEMON.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log)) {
        Matcher m = line.matcher(Files.readString(log, StandardCharsets.ISO_8859_1));
        if (m.find()) {
          return m;
        }
      }
      if (!p.isAlive()) {
        fail(name + " exited with " + p.exitValue() + "\n" + logs());
      }
      Thread.sleep(100);
    }
    return fail(name + ": no line matching '" + line + "' within " + DAEMON.toSeconds() + " s\n" + logs());
  }

  /** The last lines of every daemon's and executor's log, for failure messages. */
  static String logs() {
    StringBuilder b = new StringBuilder();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".log") || f.getFileName().toString().equals("stderr"))
          .sorted().toList()) {
        List<String> lines = Files.readAllLines(f, StandardCharsets.ISO_8859_1);
        b.append("==> ").append(dir.relativize(f)).append('\n');
        for (String l : lines.subList(Math.max(0, lines.size() - 25), lines.size())) {
          b.append(l, 0, Math.min(l.length(), 400)).append('\n');
        }
      }
    } catch (IOException e) {
      b.append("(logs unreadable: ").append(e).append(")\n");
    }
    return b.toString();
  }

  /** One command of the CLI, in this JVM as the Spark driver, within {@link #COMMAND}. */
  static Future<Result> submit(String... args) {
    return commands.submit(() -> kvflow(args));
  }

  static Result await(Future<Result> command, String what) throws Exception {
    try {
      return command.get(COMMAND.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      command.cancel(true);
      stopSession();
      return fail(what + " did not finish within " + COMMAND.toSeconds() + " s\n" + logs());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // what the driver's scheduler did

  /** Task events of the driver's Spark context, registered through {@code spark.extraListeners}. */
  public static final class Watch extends SparkListener {
    static volatile String appId;
    static final List<TaskInfo> starts = new CopyOnWriteArrayList<>();
    static final List<SparkListenerTaskEnd> ends = new CopyOnWriteArrayList<>();

    static void reset() {
      appId = null;
      starts.clear();
      ends.clear();
    }

    @Override
    public void onApplicationStart(SparkListenerApplicationStart e) {
      appId = e.appId().isDefined() ? e.appId().get() : null;
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart e) {
      starts.add(e.taskInfo());
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
      ends.add(e);
    }

    static Optional<SparkListenerTaskEnd> end(long taskId) {
      return ends.stream().filter(e -> e.taskInfo().taskId() == taskId).findFirst();
    }

    static boolean succeeded(long taskId) {
      return end(taskId).map(e -> e.reason() == Success$.MODULE$).orElse(false);
    }
  }

  /** Which worker runs the executor: a worker keeps each executor's directory in its work dir. */
  static int workerOf(String executorId) {
    for (int i = 0; i < workers.length; i++) {
      if (Watch.appId != null && Files.isDirectory(work(i).resolve(Watch.appId).resolve(executorId))) {
        return i;
      }
    }
    return -1;
  }

  static <T> T poll(Supplier<Optional<T>> what, Future<?> running, String waitingFor) throws Exception {
    long deadline = System.nanoTime() + COMMAND.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<T> found = what.get();
      if (found.isPresent()) {
        return found.get();
      }
      if (running.isDone()) {
        fail("the command ended before " + waitingFor + ": " + running.get() + "\n" + logs());
      }
      Thread.sleep(20);
    }
    return fail("no " + waitingFor + " within " + COMMAND.toSeconds() + " s\n" + logs());
  }

  // ---------------------------------------------------------------------------------------------
  // the tests

  @Test
  @Order(1)
  void partitionedReuseOnTheClusterEqualsTheLocalOne() throws Exception {
    // Zipf reads and writes with some APPEND and FREE rows, 64 KiB row groups: several input partitions
    Path trace = dir.resolve("zipf.parquet");
    Rng rng = new Rng(11);
    ZipfSampler zipf = new ZipfSampler(10_000, 1.0);
    try (AccessTraceWriter w = AccessTraceWriter.open(trace, TraceMetadata.of(TraceKind.ACCESSES, 16, "test"),
        WriterOptions.DEFAULT.withRowGroupBytes(1 << 16))) {
      for (int i = 0; i < 200_000; i++) {
        int op = rng.nextInt(10) == 0 ? AccessOp.APPEND.code() : rng.nextInt(20) == 0 ? AccessOp.FREE.code()
            : rng.nextInt(4) == 0 ? AccessOp.WRITE.code() : AccessOp.READ.code();
        w.append(i, i % 31, 0, 0, zipf.sample(rng), op, 16, Float.NaN);
      }
      w.commit();
    }
    try (TraceReader r = TraceReader.open(trace)) {
      assertTrue(r.rowGroupCount() >= 4, "row groups: " + r.rowGroupCount());
    }
    Path local = dir.resolve("reuse-local");
    Path cluster = dir.resolve("reuse-cluster");
    String[] study = {"--partitions", "8", "--sizes", "100,1000,5000", "-q"};
    Result l = kvflow(concat(new String[] {"reuse", trace.toString(), "--out", local.toString()}, study));
    assertEquals(0, l.exit(), l.err());

    Watch.reset();
    long start = System.nanoTime();
    Result c = await(submit(concat(new String[] {"reuse", trace.toString(), "--engine", "spark", "--out",
        cluster.toString()}, study)), "reuse on the cluster");
    timings.put("reuse", seconds(start));
    assertEquals(0, c.exit(), c.err() + "\n" + logs());
    for (String f : new String[] {"reuse.json", "mrc.csv"}) {
      assertArrayEquals(Files.readAllBytes(local.resolve(f)), Files.readAllBytes(cluster.resolve(f)), f);
    }
    // the study's tasks (reading, shuffling, analysing) ran on both workers
    Map<Integer, Long> perWorker = Watch.starts.stream()
        .collect(Collectors.groupingBy(t -> workerOf(t.executorId()), Collectors.counting()));
    assertTrue(perWorker.containsKey(0) && perWorker.containsKey(1), "tasks per worker: " + perWorker);
  }

  @Test
  @Order(2)
  void aSweepSurvivesAKilledWorkerAndGivesTheLocalTable() throws Exception {
    Path grid = Files.writeString(dir.resolve("grid.json"), "{\"axes\": {\"$.tiers[0].policy\": [\"lru\", \"arc\"],"
        + " \"$.tiers[0].capacity_bytes\": [1000000000, 4000000000]}}");
    Path local = dir.resolve("sweep-local");
    Path cluster = dir.resolve("sweep-cluster");
    long start = System.nanoTime();
    Result l = kvflow("sweep", CHAT.toString(), "--grid", grid.toString(), "--out", local.toString(), "-q");
    timings.put("local sweep", seconds(start));
    assertEquals(0, l.exit(), l.err());

    Watch.reset();
    start = System.nanoTime();
    Future<Result> sweep = submit("sweep", CHAT.toString(), "--grid", grid.toString(), "--engine", "spark", "--out",
        cluster.toString(), "-q");
    // worker 1's first task: kill the worker's JVM (SIGKILL) while it runs
    TaskInfo lost = poll(() -> Watch.starts.stream()
        .filter(t -> workerOf(t.executorId()) == 0 && Watch.end(t.taskId()).isEmpty()).findFirst(),
        sweep, "a task running on worker 1");
    List<ProcessHandle> executors = workers[0].descendants().toList();
    processes.addAll(executors);
    System.out.println("SparkClusterTest: SIGKILL to worker 1 (pid " + workers[0].pid() + ") while it runs task "
        + lost.taskId() + " (point " + lost.index() + "); the driver's errors about the lost executor are expected");
    long killed = System.currentTimeMillis();
    workers[0].destroyForcibly();
    assertTrue(workers[0].waitFor(30, TimeUnit.SECONDS), "worker 1 still alive after SIGKILL");
    timings.put("worker killed after", seconds(start));
    Result c = await(sweep, "sweep on the cluster");
    timings.put("sweep", seconds(start));
    assertEquals(0, c.exit(), c.err() + "\n" + logs());

    // the killed worker's executor went with it, its task failed for that reason and ran again on worker 2
    assertFalse(executors.isEmpty(), "worker 1 had no executor process");
    for (ProcessHandle h : executors) {
      assertNotNull(h.onExit().get(30, TimeUnit.SECONDS));
    }
    SparkListenerTaskEnd failed = Watch.end(lost.taskId()).orElseThrow();
    assertTrue(failed.reason() instanceof ExecutorLostFailure, "task " + lost.taskId() + " ended: " + failed.reason());
    TaskInfo retry = Watch.starts.stream().filter(t -> t.index() == lost.index() && t.attemptNumber() > 0)
        .findFirst().orElseThrow(() -> new AssertionError("point " + lost.index() + " was not run again"));
    assertEquals(1, workerOf(retry.executorId()), "the retry's worker");
    assertTrue(Watch.succeeded(retry.taskId()), "retry: " + Watch.end(retry.taskId()));
    timings.put("rerun started after the kill", (retry.launchTime() - killed) / 1e3);

    for (String f : new String[] {"sweep.csv", "sweep.json", "sweep.parquet", "report.html"}) {
      assertArrayEquals(Files.readAllBytes(local.resolve(f)), Files.readAllBytes(cluster.resolve(f)), f);
    }
    try (Stream<Path> points = Files.list(cluster.resolve("points"))) {
      assertEquals(4, points.count());
    }
  }

  static String[] concat(String[] a, String[] b) {
    String[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
