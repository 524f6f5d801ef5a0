package io.kvflow.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks made on a command's inputs before anything is read or written: an input is a regular file
 * (a FIFO given as a trace would block its reader forever), and no output names an input.
 */
public final class InputCheck {
  private InputCheck() {}

  /**
   * Refuses anything but an existing regular file with one line naming the path, what it is and
   * what to give instead; {@code role} names the input ("trace", "grid", "config").
   */
  public static void requireRegularFile(Path path, String role) {
    FileKind kind = FileKind.of(path);
    String article = "aeiou".indexOf(role.charAt(0)) >= 0 ? "an " : "a ";
    switch (kind) {
      case REGULAR_FILE -> { }
      case ABSENT -> throw new BadInputException(path + ": no such file; expected " + article + role + " file");
      case DIRECTORY -> throw new BadInputException(path + ": is a directory; expected " + article + role + " file");
      default -> throw new BadInputException(path + ": is " + kind.description() + ", not a regular file; KVFlow reads "
          + role + "s from regular files only (copy it into a file first)");
    }
  }

  /**
   * Refuses an output that is the same file as one of {@code inputs} (the same path, a hard link or
   * a symbolic link to it), before the output's commit would replace the input.
   */
  public static void refuseSameFile(Path output, String option, Path... inputs) {
    if (!Files.exists(output)) {
      return;
    }
    for (Path input : inputs) {
      try {
        if (input != null && Files.exists(input) && Files.isSameFile(output, input)) {
          throw new BadInputException(output + ": " + option + " names the command's own input " + input
              + "; give another output file");
        }
      } catch (IOException e) {
        // cannot compare (no permission to look): the output's own checks still apply
      }
    }
  }
}
