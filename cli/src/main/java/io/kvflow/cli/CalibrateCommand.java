package io.kvflow.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.AtomicOutput;
import io.kvflow.common.BadInputException;
import io.kvflow.common.InputCheck;
import io.kvflow.common.OutputLock;
import io.kvflow.engine.calibrate.Calibration;
import io.kvflow.engine.calibrate.Calibration.ConstantFit;
import io.kvflow.engine.calibrate.Calibration.ErrorSummary;
import io.kvflow.engine.calibrate.Calibration.Fitting;
import io.kvflow.engine.calibrate.Calibration.PointFit;
import io.kvflow.engine.calibrate.FittedProfileJson;
import io.kvflow.engine.calibrate.MeasuredPoint;
import io.kvflow.engine.calibrate.PointsCsv;
import io.kvflow.engine.calibrate.ProfileConstant;
import io.kvflow.engine.calibrate.ProfileFit;
import io.kvflow.engine.spec.ConfigLoader;
import io.kvflow.engine.spec.ConfigLoader.LoadedHardware;
import io.kvflow.engine.spec.HardwareSpec;
import io.kvflow.engine.spec.Presets;
import io.kvflow.engine.time.StepPredictor.Kind;
import io.kvflow.engine.time.StepPredictor.Scenario;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kvflow calibrate POINTS.csv --hardware BASE [-o PROFILE.json]}: fits a profile to measured
 * step times; {@code kvflow calibrate POINTS.csv --check PROFILE}: compares a profile with them.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Fit a hardware profile's compute and copy constants to measured step times, or check a profile "
        + "against them.",
        "POINTS.csv holds one measured step per line (columns: docs/cli.md, Calibration).",
        "--hardware BASE fits, starting from BASE, and prints each point's error and leave-one-out error; -o writes "
            + "the fitted profile as a hardware JSON file.",
        "--check PROFILE prints predicted against measured times, fitting nothing."})
final class CalibrateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POINTS.csv", description = "measured step times (CSV)")
  Path points;

  @Option(names = "--hardware", paramLabel = "BASE", completionCandidates = Registries.Hardware.class,
      description = "profile to start the fit from: a hardware preset (${COMPLETION-CANDIDATES}) or a hardware JSON "
      + "file with a \"compute\" section")
  String hardware;

  @Option(names = "--check", paramLabel = "PROFILE", completionCandidates = Registries.Hardware.class,
      description = "profile to check: a hardware preset (${COMPLETION-CANDIDATES}) or JSON file")
  String check;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write the fitted profile here (hardware JSON)")
  Path output;

  @Option(names = {"-q", "--quiet"}, description = "no line on stderr saying where the profile was written")
  boolean quiet;

  @Override
  public Integer call() {
    if ((hardware == null) == (check == null)) {
      throw new BadInputException("give --hardware BASE to fit a profile or --check PROFILE to check one"
          + (hardware == null ? "" : ", not both"));
    }
    if (check != null && output != null) {
      throw new BadInputException("option -o writes a fitted profile: it goes with --hardware BASE, not with --check");
    }
    InputCheck.requireRegularFile(points, "points");
    String name = hardware != null ? hardware : check;
    LoadedHardware hw = ConfigLoader.loadHardware(name);
    List<MeasuredPoint> measured = PointsCsv.read(points);
    requireDramLink(hw.hardware(), measured);
    PrintWriter out = spec.commandLine().getOut();
    if (check != null) {
      check(out, hw.hardware(), measured);
      return 0;
    }
    if (hw.hardware().compute() == null) {
      List<String> withCompute = Presets.HARDWARE.stream().filter(p -> Presets.hardware(p).compute() != null).toList();
      throw new BadInputException(name + ": hardware '" + hw.hardware().name() + "' has no \"compute\" section "
          + "(per-operator rates), which calibrate fits; start from hardware that has one"
          + (withCompute.isEmpty() ? "" : " (" + String.join(", ", withCompute) + ")") + " (docs/timing.md)");
    }
    // the output is checked and locked before the fit, and written only after it succeeds
    try (OutputLock lock = output == null ? null : Outputs.file(output, "-o", points, hw.file())) {
      Calibration c = new ProfileFit(hw.hardware()).calibrate(measured, true);
      print(out, c, name);
      if (output != null) {
        String base = hw.file() == null ? name : hw.file().getFileName().toString();
        ObjectNode json = FittedProfileJson.of(hw.json(), c, note(c, base));
        AtomicOutput.writeBytes(output, (JsonOutput.PRETTY.writeValueAsString(json) + "\n").getBytes(StandardCharsets.UTF_8));
        if (!quiet) {
          System.err.println("wrote the fitted profile to " + output);
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return 0;
  }

  private void requireDramLink(HardwareSpec hw, List<MeasuredPoint> measured) {
    if (ProfileConstant.dramLink(hw) >= 0) {
      return;
    }
    for (MeasuredPoint p : measured) {
      if (p.offloaded()) {
        throw new BadInputException(points + ": line " + p.line() + ": offload_fraction " + p.scenario().offloadFraction()
            + " copies KV over a dram -> hbm link, and hardware '" + hw.name() + "' has none; add one to its \"links\"");
      }
    }
  }

  private void check(PrintWriter out, HardwareSpec hw, List<MeasuredPoint> measured) {
    out.printf(Locale.ROOT, "%d points of %s against hardware %s%n%n", measured.size(), points, check);
    out.println(header(false));
    double[] errors = new double[measured.size()];
    for (int i = 0; i < measured.size(); i++) {
      PointFit f = new PointFit(measured.get(i), measured.get(i).predictedMs(hw), Double.NaN);
      errors[i] = f.errorPct();
      out.println(row(f, false));
    }
    out.println();
    out.println(summary("error", ErrorSummary.of(errors), measured.size()));
  }

  private void print(PrintWriter out, Calibration c, String name) {
    out.printf(Locale.ROOT, "%d points of %s, fitted from hardware %s%n%n", c.points().size(), points, name);
    out.printf(Locale.ROOT, "%-40s %14s %14s %9s%n", "constant", "base", "fitted", "change");
    long constrained = 0;
    for (ConstantFit f : c.constants()) {
      String change = switch (f.fitting()) {
        case FITTED -> String.format(Locale.ROOT, "%+8.2f%%", f.changePct()) + (f.atSearchLimit()
            ? "  at the edge of the search range (a factor " + (int) ProfileFit.SEARCH_FACTOR + " from base): the points "
                + "ask for a value beyond it" : "");
        case BOUNDED -> String.format(Locale.ROOT, "%+8.2f%%", f.changePct())
            + "  bounded only: no point depends on it at the fit; as near base as the points allow";
        case NOT_CONSTRAINED -> "        -  not constrained, kept (needs " + f.constant().constrainedBy() + ")";
      };
      constrained += f.fitting() == Fitting.NOT_CONSTRAINED ? 0 : 1;
      out.printf(Locale.ROOT, "%-40s %14s %14s %s%n", f.path(), value(f.constant(), f.base()),
          value(f.constant(), f.fitted()), change);
    }
    if (c.points().size() < constrained) {
      out.printf(Locale.ROOT, "note: %d points for %d constants the points constrain: the fit is not unique%n",
          c.points().size(), constrained);
    }
    out.println();
    out.println(header(true));
    for (PointFit f : c.points()) {
      out.println(row(f, true));
    }
    out.println();
    out.println(summary("fit", c.errors(), c.points().size()));
    out.println(summary("leave-one-out", c.leaveOneOutErrors(), c.points().size()));
  }

  private static String value(ProfileConstant k, double v) {
    return switch (k.unit()) {
      case NANOS -> String.valueOf(Math.round(v));
      case SCALE -> String.format(Locale.ROOT, "x%.4f", v);
      case RATE -> String.format(Locale.ROOT, "%.5g", v);
    };
  }

  private static String header(boolean leaveOneOut) {
    return String.format(Locale.ROOT, "%5s %-7s %-12s %6s %8s %6s %-7s %8s %-11s %-5s %3s %12s %12s %8s", "line", "kind",
        "model", "batch", "context", "layers", "lm_head", "offload", "mode", "exec", "tp", "measured_ms", "predicted_ms",
        "error") + (leaveOneOut ? String.format(Locale.ROOT, " %12s %9s", "loo_ms", "loo_error") : "");
  }

  private static String row(PointFit f, boolean leaveOneOut) {
    MeasuredPoint p = f.point();
    Scenario s = p.scenario();
    boolean offload = s.kind() == Kind.DECODE && s.offloadFraction() > 0;
    String line = String.format(Locale.ROOT, "%5d %-7s %-12s %6d %8d %6d %-7s %8s %-11s %-5s %3d %12.4f %12.4f %+7.2f%%",
        p.line(), lower(s.kind()), p.modelName(), s.batch(), s.context(), s.layers(), s.lmHead(),
        offload ? String.format(Locale.ROOT, "%.3f", s.offloadFraction()) : "0",
        offload ? lower(s.offloadMode()) : "-", lower(s.execution()), s.tensorParallel(), p.measuredMs(), f.predictedMs(),
        f.errorPct());
    if (leaveOneOut) {
      line += Double.isNaN(f.leaveOneOutMs()) ? String.format(Locale.ROOT, " %12s %9s", "-", "-")
          : String.format(Locale.ROOT, " %12.4f %+8.2f%%", f.leaveOneOutMs(), f.leaveOneOutErrorPct());
    }
    return line;
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static String summary(String what, ErrorSummary e, int n) {
    if (Double.isNaN(e.medianPct())) {
      return String.format(Locale.ROOT, "%-14s needs at least 2 points", what + ":");
    }
    return String.format(Locale.ROOT, "%-14s median %.2f%%  max %.2f%%  (%d points, |predicted / measured - 1|)",
        what + ":", e.medianPct(), e.maxPct(), n);
  }

  private String note(Calibration c, String base) {
    ErrorSummary e = c.errors();
    ErrorSummary loo = c.leaveOneOutErrors();
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
        "fitted by kvflow calibrate from %s (%d points; error median %.2f%%, max %.2f%%", points.getFileName(),
        c.points().size(), e.medianPct(), e.maxPct()));
    if (!Double.isNaN(loo.medianPct())) {
      sb.append(String.format(Locale.ROOT, "; leave-one-out median %.2f%%, max %.2f%%", loo.medianPct(), loo.maxPct()));
    }
    sb.append(") starting from ").append(base);
    for (Fitting how : Fitting.values()) {
      String names = c.constants().stream().filter(f -> f.fitting() == how).map(f -> f.path().replace(" (scale)", ""))
          .collect(Collectors.joining(", "));
      if (!names.isEmpty()) {
        sb.append("; ").append(switch (how) {
          case FITTED -> "fitted: ";
          case BOUNDED -> "only bounded by the points, kept as near the base value as they allow: ";
          case NOT_CONSTRAINED -> "not constrained by the points, kept from the base: ";
        }).append(names);
      }
    }
    return sb.toString();
  }
}
