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
 */
public record ParamSpec(String name, Type type, String defaultValue, String description, List<String> choices) {
  /** Value types of parameters. */
  public enum Type {
    INT,
    LONG,
    DOUBLE,
    CHOICE
  }

  public static ParamSpec ofInt(String name, int def, String description) {
    return new ParamSpec(name, Type.INT, Integer.toString(def), description, List.of());
  }

  public static ParamSpec ofLong(String name, long def, String description) {
    return new ParamSpec(name, Type.LONG, Long.toString(def), description, List.of());
  }

  public static ParamSpec ofDouble(String name, double def, String description) {
    return new ParamSpec(name, Type.DOUBLE, Double.toString(def), description, List.of());
  }

  public static ParamSpec ofChoice(String name, String def, String description, String... choices) {
    return new ParamSpec(name, Type.CHOICE, def, description, List.of(choices));
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
