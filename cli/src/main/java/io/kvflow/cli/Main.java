package io.kvflow.cli;

import io.kvflow.common.DidYouMean;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Entry point of {@code kvflow}. Exit status: 0 success, 2 bad input or usage (one line on stderr,
 * no stack trace unless {@code --debug}), 1 internal error.
 */
@Command(name = "kvflow", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Trace-driven replay analyzer for the KV cache of long-context LLM inference.")
public final class Main implements Runnable {
  /** Every subcommand; only the one named on the command line is built (picocli reflects on each). */
  static final List<Class<?>> COMMANDS = List.of(CalibrateCommand.class, CompareCommand.class, GenerateCommand.class,
      ImportCommand.class, InspectCommand.class, ReplayCommand.class, ReuseCommand.class, SimulateCommand.class,
      SizeCommand.class, SweepCommand.class, CommandLine.HelpCommand.class);

  public static final int EXIT_OK = 0;
  public static final int EXIT_INTERNAL = 1;
  public static final int EXIT_BAD_INPUT = 2;

  @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "print stack traces of errors")
  boolean debug;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(new CommandLine(this), "missing subcommand; see 'kvflow --help'");
  }

  public static void main(String[] args) {
    PrintWriter err = new PrintWriter(System.err, true);
    int status;
    try {
      status = run(args, new PrintWriter(System.out, true), err);
    } catch (Throwable t) {
      status = Failures.report(t, err, java.util.Arrays.asList(args).contains("--debug"), null);
    }
    System.exit(status);
  }

  /** The output path the parsed subcommand was given ({@code --out} or {@code -o}), or null. */
  private static String outputOf(CommandLine cl) {
    CommandLine.ParseResult parsed = cl.getParseResult();
    if (parsed == null || parsed.subcommand() == null) {
      return null;
    }
    for (String name : new String[] {"--out", "--output"}) {
      CommandLine.Model.OptionSpec o = parsed.subcommand().commandSpec().findOption(name);
      if (o != null && o.getValue() != null) {
        return o.getValue().toString();
      }
    }
    return null;
  }

  /**
   * Help footers listing the registries a command's options name beyond their own lists: every
   * shipped config, model, hardware preset, policy and codec after the replaying commands, every
   * importer with what it reads after import. Built from the registries, so they cannot drift.
   */
  private static void addFooters(CommandLine cl) {
    for (String name : List.of("replay", "compare", "sweep")) {
      CommandLine sub = cl.getSubcommands().get(name);
      if (sub != null) {
        sub.getCommandSpec().usageMessage().footer(Registries.configFooter());
      }
    }
    CommandLine imp = cl.getSubcommands().get("import");
    if (imp != null) {
      List<String> lines = new java.util.ArrayList<>(List.of("", "Formats:"));
      int width = Registries.formats().stream().mapToInt(String::length).max().orElse(15);
      for (io.kvflow.trace.imports.ImportFormat f : io.kvflow.trace.imports.ImportFormat.values()) {
        lines.add(String.format("  %-" + width + "s %s", f.cliName(), f.create().description()));
      }
      lines.add("");
      lines.add("Length-only formats (--prefix-model applies): " + String.join(", ", Registries.lengthOnlyFormats()));
      imp.getCommandSpec().usageMessage().footer(lines.toArray(String[]::new));
    }
  }

  /** picocli's message, with "did you mean" for a mistyped option of the command. */
  private static String message(CommandLine.ParameterException ex) {
    if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      String typed = u.getUnmatched().get(0);
      String flag = typed.contains("=") ? typed.substring(0, typed.indexOf('=')) : typed;
      if (flag.startsWith("-")) {
        List<String> options = new java.util.ArrayList<>(u.getCommandLine().getCommandSpec().optionsMap().keySet());
        String close = DidYouMean.closest(flag, options);
        return "unknown option '" + flag + "'" + (close != null ? "; did you mean '" + close + "'?"
            : "; see 'kvflow " + u.getCommandLine().getCommandName() + " --help'");
      }
    }
    return ex.getMessage();
  }

  /** Runs the command line and returns its exit status (tests call this directly). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    boolean debug = java.util.Arrays.asList(args).contains("--debug");
    CommandLine cl = new CommandLine(new Main());
    String chosen = null;
    for (String a : args) {
      if (!a.startsWith("-")) {
        chosen = a;
        break;
      }
    }
    boolean known = false;
    List<String> names = new java.util.ArrayList<>();
    for (Class<?> c : COMMANDS) {
      known |= c.getAnnotation(Command.class).name().equals(chosen) && !"help".equals(chosen);
      names.add(c.getAnnotation(Command.class).name());
    }
    if (chosen != null && !names.contains(chosen)) {
      // picocli would call the word an unmatched argument of kvflow itself: name it as a command
      err.println("kvflow: unknown command '" + TerminalText.escape(chosen) + "'" + (DidYouMean.closest(chosen, names) != null
          ? DidYouMean.hint(chosen, names) : "; commands are " + String.join(", ", names.subList(0, names.size() - 1))));
      err.flush();
      return EXIT_BAD_INPUT;
    }
    for (Class<?> c : COMMANDS) {
      String name = c.getAnnotation(Command.class).name();
      if (!known || name.equals(chosen)) {
        cl.addSubcommand(name, c);
      }
    }
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    if (cl.getSubcommands().containsKey("generate")) {
      cl.getSubcommands().get("generate").setUnmatchedOptionsArePositionalParams(true);
    }
    addFooters(cl);
    cl.setParameterExceptionHandler((ex, a) -> {
      err.println("kvflow: " + TerminalText.escape(message(ex)));
      if (debug) {
        ex.printStackTrace(err);
      }
      return EXIT_BAD_INPUT;
    });
    cl.setExecutionExceptionHandler((ex, command, parsed) -> Failures.report(ex, err, debug, outputOf(cl)));
    try {
      return cl.execute(args);
    } catch (Throwable t) {
      // Errors (OutOfMemoryError, StackOverflowError) pass picocli's handler: one line all the same
      return Failures.report(t, err, debug, outputOf(cl));
    } finally {
      out.flush();
      err.flush();
    }
  }
}
