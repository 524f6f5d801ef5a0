package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.common.DidYouMean;
import io.kvflow.engine.spec.Presets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Help generated from the registries, so it cannot drift; "did you mean" for mistyped words. */
class HelpCliTest {
  static final String CHAT = Path.of("..", "sample-traces", "chat-small.parquet").toString();

  /** The registries each command's help must list in full. */
  static Map<String, List<List<String>>> expected() {
    List<String> configs = Presets.CONFIGS;
    List<String> models = Presets.MODELS;
    List<String> hardware = Presets.HARDWARE;
    List<String> policies = Registries.policies();
    List<String> codecs = Registries.codecs();
    Map<String, List<List<String>>> m = new LinkedHashMap<>();
    m.put("replay", List.of(configs, models, hardware, policies, codecs));
    m.put("compare", List.of(configs, models, hardware, policies, codecs));
    m.put("sweep", List.of(configs, models, hardware, policies, codecs));
    m.put("import", List.of(Registries.formats()));
    m.put("generate", List.of(Registries.workloads()));
    m.put("size", List.of(Registries.onlinePolicies(), models));
    m.put("reuse", List.of(policies, models));
    m.put("simulate", List.of(policies));
    m.put("calibrate", List.of(hardware));
    m.put("inspect", List.of());
    return m;
  }

  @Test
  void everyCommandsHelpListsEveryNameOfItsRegistries() {
    List<String> commands = new ArrayList<>();
    for (Class<?> c : Main.COMMANDS) {
      String name = c.getAnnotation(Command.class).name();
      if (!name.equals("help")) {
        commands.add(name);
      }
    }
    assertEquals(expected().keySet().stream().sorted().toList(), commands.stream().sorted().toList(),
        "every command has its registries named here");
    for (String command : commands) {
      CliTestSupport.Result r = CliTestSupport.run(command, "--help");
      assertEquals(0, r.exit(), command + ": " + r.err());
      for (List<String> registry : expected().get(command)) {
        for (String name : registry) {
          assertTrue(r.out().matches("(?s).*(^|[^a-z0-9-])" + java.util.regex.Pattern.quote(name) + "([^a-z0-9-]|$).*"),
              command + " --help lacks '" + name + "':\n" + r.out());
        }
      }
    }
    // the ones the issue names
    assertTrue(CliTestSupport.run("replay", "--help").out().contains("h100-8b"));
    assertTrue(CliTestSupport.run("replay", "--help").out().contains("kvflow-small"));
    assertTrue(CliTestSupport.run("import", "--help").out().contains("kvflow-jsonl"));
  }

  @Test
  void everyOptionAndParameterHasADescription() {
    for (Class<?> c : Main.COMMANDS) {
      if (c == CommandLine.HelpCommand.class) {
        continue;
      }
      CommandLine cl = new CommandLine(c);
      for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
        assertTrue(o.description().length > 0 && !String.join("", o.description()).isBlank(),
            cl.getCommandName() + " " + o.longestName() + " has no description");
      }
      for (CommandLine.Model.PositionalParamSpec p : cl.getCommandSpec().positionalParameters()) {
        assertTrue(p.description().length > 0 && !String.join("", p.description()).isBlank(),
            cl.getCommandName() + " " + p.paramLabel() + " has no description");
      }
    }
  }

  @Test
  void aMistypedCommandGetsTheClosestOne() {
    CliTestSupport.Result r = CliTestSupport.run("replya", CHAT);
    assertEquals(2, r.exit());
    assertEquals("kvflow: unknown command 'replya'; did you mean 'replay'?", r.err().strip());
    r = CliTestSupport.run("frobnicate");
    assertEquals(2, r.exit());
    assertTrue(r.err().startsWith("kvflow: unknown command 'frobnicate'; commands are calibrate, compare,"), r.err());
    assertTrue(r.err().lines().count() == 1, r.err());
  }

  @Test
  void aMistypedOptionGetsTheClosestOne() {
    CliTestSupport.Result r = CliTestSupport.run("replay", CHAT, "--polcy", "lru");
    assertEquals(2, r.exit());
    assertEquals("kvflow: unknown option '--polcy'; did you mean '--policy'?", r.err().strip());
    r = CliTestSupport.run("reuse", CHAT, "--sizse=10");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("unknown option '--sizse'; did you mean '--sizes'?"), r.err());
    r = CliTestSupport.run("replay", CHAT, "--zzzzzz");
    assertEquals(2, r.exit());
    assertEquals("kvflow: unknown option '--zzzzzz'; see 'kvflow replay --help'", r.err().strip());
  }

  @Test
  void aMistypedNameGetsTheClosestOne() {
    CliTestSupport.Result r = CliTestSupport.run("replay", CHAT, "--config", "defualt", "-q");
    assertEquals(2, r.exit());
    assertTrue(r.err().strip().endsWith("did you mean 'default'?"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    r = CliTestSupport.run("replay", CHAT, "--policy", "s3fifi", "-q");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("did you mean 's3fifo'?"), r.err());
    r = CliTestSupport.run("size", CHAT, "--first", "1", "--second", "1", "--policy", "lur", "-q");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("did you mean 'lru'?"), r.err());
    r = CliTestSupport.run("replay", CHAT, "--preset", "llama-3-8", "-q");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("did you mean 'llama-3-8b'?"), r.err());
    r = CliTestSupport.run("import", "mooncak", CHAT, "-o", "x.parquet");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("did you mean 'mooncake'?"), r.err());
    r = CliTestSupport.run("generate", "caht", "-o", "x.parquet");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("did you mean 'chat'?"), r.err());
  }

  @Test
  void editDistance() {
    assertEquals(1, DidYouMean.distance("replya", "replay"), "a transposition is one edit");
    assertEquals(3, DidYouMean.distance("kitten", "sitting"));
    assertEquals("default", DidYouMean.closest("defualt", Presets.CONFIGS));
    assertNull(DidYouMean.closest("xyz", List.of("replay", "reuse")));
    assertNull(DidYouMean.closest("replay", List.of("replay")), "no hint for an exact name");
    assertNull(DidYouMean.closest("-x", List.of("-h", "-q", "-V")), "one letter is too short to guess from");
    assertEquals("--out", DidYouMean.closest("--otu", List.of("--out", "--quiet")));
  }

  @Test
  void progressShowsTimeLeftAndResumedWork() {
    String line = TerminalProgress.line("sweep", 7, 9, 6, 10_000_000_000L);
    assertTrue(line.contains("7 / 9 (6 resumed)"), line);
    // one point in 10 s this run, two left
    assertTrue(line.endsWith("10s, about 20s left"), line);
    assertTrue(TerminalProgress.line("replay", 50, 100, 0, 3_000_000_000L).contains("about 3s left"));
    assertTrue(!TerminalProgress.line("replay", 100, 100, 0, 3_000_000_000L).contains("left"));
    assertTrue(!TerminalProgress.line("import", 5, 0, 0, 3_000_000_000L).contains("left"), "no total, no estimate");
  }
}
