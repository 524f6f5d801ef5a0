package io.kvflow.trace.imports;

import java.util.Locale;

/**
 * How an importer of a length-only trace (no block hashes) makes synthetic prefix-chained hashes,
 * so that replay can study prefix caching on the trace's real arrivals and lengths. Seeded: the
 * same input, model and seed give the same file.
 *
 * @param kind none (no hashes: {@code kvflow.prefix_info=unknown}), system-prompt or session
 * @param seed seeds every random choice and every synthetic content id
 * @param systemPromptTokens tokens of a system prompt every request begins with (0: none)
 * @param continueProbability session model: the chance that a request continues an open session
 *     whose context fits in its input (else it opens a new session)
 */
public record PrefixModel(Kind kind, long seed, int systemPromptTokens, double continueProbability) {
  public static final PrefixModel NONE = new PrefixModel(Kind.NONE, 0, 0, 0.5);

  /** The models, by their command-line names. */
  public enum Kind {
    NONE, SYSTEM_PROMPT, SESSION;

    public String cliName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Kind fromCliName(String name) {
      for (Kind k : values()) {
        if (k.cliName().equals(name)) {
          return k;
        }
      }
      return null;
    }
  }

  public PrefixModel {
    if (kind == null) {
      throw new IllegalArgumentException("kind is required");
    }
    if (systemPromptTokens < 0) {
      throw new IllegalArgumentException("system prompt tokens must be >= 0, got " + systemPromptTokens);
    }
    if (!(continueProbability >= 0 && continueProbability <= 1)) {
      throw new IllegalArgumentException("continue probability must be in [0, 1], got " + continueProbability);
    }
  }
}
