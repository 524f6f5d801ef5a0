package io.kvflow.cli;

import io.kvflow.common.BadInputException;
import io.kvflow.common.DidYouMean;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.spec.CodecKind;
import io.kvflow.engine.spec.Presets;
import io.kvflow.trace.generate.Workload;
import io.kvflow.trace.imports.ImportFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The names of every registry a command line can name (policies, configs, models, hardware,
 * importers, workloads, codecs), read from the enums and preset lists themselves, so help texts
 * ({@code ${COMPLETION-CANDIDATES}} in an option's description) and "did you mean" hints cannot
 * drift from what ships.
 */
final class Registries {
  private Registries() {}

  static List<String> policies() {
    return Stream.of(PolicyKind.values()).map(PolicyKind::jsonName).toList();
  }

  /** Policies a tier can run without knowing the future (not opt) and that evict (not static). */
  static List<String> onlinePolicies() {
    return Stream.of(PolicyKind.values()).filter(k -> !k.offline() && k != PolicyKind.STATIC).map(PolicyKind::jsonName)
        .toList();
  }

  static List<String> formats() {
    return Stream.of(ImportFormat.values()).map(ImportFormat::cliName).toList();
  }

  /** The formats without block hashes of their own, which accept a prefix model. */
  static List<String> lengthOnlyFormats() {
    return Stream.of(ImportFormat.values()).filter(f -> f.create().acceptsPrefixModel()).map(ImportFormat::cliName).toList();
  }

  static List<String> workloads() {
    return Stream.of(Workload.values()).map(Workload::cliName).toList();
  }

  static List<String> codecs() {
    return Stream.of(CodecKind.values()).map(k -> k.name().toLowerCase(Locale.ROOT)).toList();
  }

  /** Lines closing the help of the commands that replay: every shipped name a config may use. */
  static String[] configFooter() {
    return new String[] {"", "Shipped configs: " + String.join(", ", Presets.CONFIGS),
        "Model presets: " + String.join(", ", Presets.MODELS),
        "Hardware presets: " + String.join(", ", Presets.HARDWARE),
        "Eviction policies: " + String.join(", ", policies()),
        "Codecs (a tier's \"codec\"): " + String.join(", ", codecs())};
  }

  /** The policy named by {@code option}'s value, among {@code allowed}; a one-line refusal with a hint otherwise. */
  static PolicyKind policy(String option, String name, List<String> allowed) {
    PolicyKind k = PolicyKind.fromName(name.toLowerCase(Locale.ROOT));
    if (k == null || !allowed.contains(k.jsonName())) {
      throw new BadInputException("option " + option + ": " + (k == null ? "unknown policy '" + name + "'"
          : "'" + name + "' is not allowed here") + "; expected one of " + String.join(", ", allowed)
          + DidYouMean.hint(name, allowed));
    }
    return k;
  }

  /** picocli completion candidates (and help lists) of each registry. */
  static final class Policies implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return policies().iterator();
    }
  }

  static final class OnlinePolicies implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return onlinePolicies().iterator();
    }
  }

  static final class Configs implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Presets.CONFIGS.iterator();
    }
  }

  static final class Models implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Presets.MODELS.iterator();
    }
  }

  static final class Hardware implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Presets.HARDWARE.iterator();
    }
  }

  static final class Formats implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return formats().iterator();
    }
  }

  static final class Workloads implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return workloads().iterator();
    }
  }
}
