package io.kvflow.trace.generate;

import java.util.List;

/**
 * One documented parameter of a workload generator, given on the command line as {@code --name value}.
 *
 * @param name option name without dashes
 * @param type how the value is parsed
 * @param defaultValue the value when the option is absent
 * @param description one line for {@code --help}
 * @param choices allowed values for {@link Type#CHOICE}, else empty
 * @param max the largest value of an {@link Type#INT} or {@link Type#LONG} parameter
 */
public record ParamSpec(String name, Type type, String defaultValue, String description, List<String> choices, long max) {
  /**
   * The most items a generator keeps a table of ({@code --keys}, sessions, prompts, documents): its
   * Zipf sampler's tables take 28 bytes an item while they are built.
   */
  public static final int MAX_ITEMS = 100_000_000;

  /** The longest token count an option may give (2^24, 16,777,216: far past any model's context). */
  public static final int MAX_TOKENS = 1 << 24;

  /** Value types of parameters. */
  public enum Type {
    INT,
    LONG,
    DOUBLE,
    CHOICE
  }

  public static ParamSpec ofInt(String name, int def, String description) {
    return ofInt(name, def, Integer.MAX_VALUE, description);
  }

  /** An int parameter of at most {@code max} (shown in the workload's help). */
  public static ParamSpec ofInt(String name, int def, int max, String description) {
    return new ParamSpec(name, Type.INT, Integer.toString(def), description, List.of(), max);
  }

  public static ParamSpec ofLong(String name, long def, String description) {
    return new ParamSpec(name, Type.LONG, Long.toString(def), description, List.of(), Long.MAX_VALUE);
  }

  public static ParamSpec ofDouble(String name, double def, String description) {
    return new ParamSpec(name, Type.DOUBLE, Double.toString(def), description, List.of(), 0);
  }

  public static ParamSpec ofChoice(String name, String def, String description, String... choices) {
    return new ParamSpec(name, Type.CHOICE, def, description, List.of(choices), 0);
  }

  /** Whether the parameter has a limit below its type's (shown in the help). */
  public boolean limited() {
    return (type == Type.INT && max < Integer.MAX_VALUE) || (type == Type.LONG && max < Long.MAX_VALUE);
  }

  /** Parameters every generator takes. */
  public static final ParamSpec SEED = ofLong("seed", 1, "seed of every random choice; same seed, same file");

  /** Arrival-process parameters of the requests workloads. */
  public static List<ParamSpec> arrivals(double ratePerSecond) {
    return List.of(
        ofDouble("rate", ratePerSecond, "mean arrivals per second"),
        ofChoice("arrival", "poisson", "arrival process", "poisson", "gamma"),
        ofDouble("cv", 2.0, "coefficient of variation of gaps for --arrival gamma (>1 is bursty)"));
  }
}
