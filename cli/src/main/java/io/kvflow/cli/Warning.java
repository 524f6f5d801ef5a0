package io.kvflow.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;

/**
 * A condition under which a command's answer is computed but means little (or nothing): printed as
 * one {@code kvflow: warning: ...} line on stderr and kept in the command's JSON result under
 * {@code "warnings"}. {@link WarningRules} holds every rule that makes one.
 *
 * @param code stable snake_case name, for scripts
 * @param message what is wrong with the answer and why, for a person
 */
record Warning(String code, String message) {
  /** Puts {@code warnings} in {@code json} as its {@code "warnings"} array (present, possibly empty). */
  static void addTo(ObjectNode json, List<Warning> warnings) {
    ArrayNode a = json.putArray("warnings");
    for (Warning w : warnings) {
      ObjectNode o = a.addObject();
      o.put("code", w.code());
      o.put("message", w.message());
    }
  }

  /** One line each on {@code err}. */
  static void print(PrintWriter err, List<Warning> warnings) {
    for (Warning w : warnings) {
      err.println("kvflow: warning: " + TerminalText.escape(w.message()));
    }
    err.flush();
  }
}
