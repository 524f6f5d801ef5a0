package io.kvflow.engine.spec;

import io.kvflow.common.BadInputException;

/**
 * A configuration value that is missing, mistyped, out of range or cannot apply; the message names
 * its JSON path. Errors raised while binding a file also name the file; errors raised by a config
 * record's own checks ({@link #at}) name only the path, and whoever knows where the config came from
 * (a file, a preset with command-line options, a sweep point) adds it with {@link #from}.
 */
public final class ConfigException extends BadInputException {
  private static final long serialVersionUID = 1L;

  private final boolean located;

  public ConfigException(String message) {
    this(message, true);
  }

  private ConfigException(String message, boolean located) {
    super(message);
    this.located = located;
  }

  /** A rule broken at {@code path} ({@code $.tiers[1].hot_window}); the message is {@code path: problem}. */
  public static ConfigException at(String path, String problem) {
    return new ConfigException(path + ": " + problem, false);
  }

  /** This error with {@code source} in front ({@code source: $.path: problem}), unless it names one already. */
  public ConfigException from(String source) {
    return located ? this : new ConfigException(source + ": " + getMessage(), true);
  }
}
