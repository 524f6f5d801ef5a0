package io.kvflow.engine.spec;

import io.kvflow.common.BadInputException;

/** A configuration value that is missing, mistyped or out of range; the message names its JSON path. */
public final class ConfigException extends BadInputException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
