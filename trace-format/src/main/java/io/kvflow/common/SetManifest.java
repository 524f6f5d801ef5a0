package io.kvflow.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The file {@code .kvflow-set} that a committed output directory holds: which command wrote it,
 * the entries of its result set, and its resume-state directories (kept from run to run, like a
 * sweep's {@code points/}). It is written last into a finished set, so a directory that holds one
 * was made by KVFlow and holds a complete set; anything in it the manifest does not name was put
 * there by someone else, and KVFlow refuses to replace it.
 *
 * <p>Format: plain text lines, {@code kvflow-set 1}, {@code command NAME}, then one {@code entry
 * NAME} or {@code state NAME} line per entry, in name order (same run, same bytes).
 *
 * @param command the command that wrote the set ("replay", "sweep")
 * @param entries the set's top-level files and directories
 * @param state the resume-state directories, kept when the set is replaced
 */
public record SetManifest(String command, List<String> entries, List<String> state) {
  static final String FILE = ".kvflow-set";
  private static final String HEADER = "kvflow-set 1";

  public SetManifest {
    entries = entries.stream().sorted().toList();
    state = state.stream().sorted().distinct().toList();
  }

  /** The manifest of {@code dir}, or null when it has none or one this version cannot read. */
  public static SetManifest read(Path dir) {
    List<String> lines;
    try {
      lines = Files.readAllLines(dir.resolve(FILE), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return null;
    }
    if (lines.size() < 2 || !lines.get(0).equals(HEADER) || !lines.get(1).startsWith("command ")) {
      return null;
    }
    List<String> entries = new ArrayList<>();
    List<String> state = new ArrayList<>();
    for (String line : lines.subList(2, lines.size())) {
      if (line.startsWith("entry ")) {
        entries.add(line.substring(6));
      } else if (line.startsWith("state ")) {
        state.add(line.substring(6));
      } else {
        return null;
      }
    }
    return new SetManifest(lines.get(1).substring(8), entries, state);
  }

  /** Whether the set owns {@code name}: one of its entries or state directories, or the manifest itself. */
  public boolean owns(String name) {
    return name.equals(FILE) || entries.contains(name) || state.contains(name);
  }

  /** Writes this manifest into {@code dir}, forced to the disk (it is the set's last word). */
  void write(Path dir) {
    StringBuilder s = new StringBuilder(HEADER).append('\n').append("command ").append(command).append('\n');
    for (String e : entries) {
      s.append("entry ").append(e).append('\n');
    }
    for (String e : state) {
      s.append("state ").append(e).append('\n');
    }
    AtomicOutput.writeBytes(dir.resolve(FILE), s.toString().getBytes(StandardCharsets.UTF_8), Durability.FORCED);
  }
}
