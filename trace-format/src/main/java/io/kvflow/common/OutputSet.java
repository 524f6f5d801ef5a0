package io.kvflow.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A command's output directory ({@code --out DIR}), committed as one set: its files are written
 * into a fresh temporary directory {@code .kvflow-DIR.DIGITS.tmp} beside DIR, sealed with a
 * {@link SetManifest}, and renamed onto DIR only when every file is complete. A directory
 * therefore never mixes two runs, whenever a run is killed.
 *
 * <p>Replacing a non-empty directory takes two renames, since POSIX has no exchange of two
 * directories: DIR moves aside to {@code .kvflow-DIR.DIGITS.old}, the new set moves onto DIR, the
 * old one is deleted. A run killed between the two renames leaves DIR absent for that instant with
 * both complete sets beside it; the next command that opens DIR finishes the switch (the sealed new
 * set is moved in) before anything else, so DIR is always the old set or the new one.
 *
 * <p>Opening DIR takes its {@link OutputLock}, recovers what a killed run left, removes stale
 * temporaries, and accepts only an absent path, an empty directory, a directory whose manifest
 * names every entry in it, or a result of an earlier KVFlow version (the command's
 * {@link SetLayout} recognises those). A command's inputs may not lie inside DIR, except in its
 * resume-state directories, which are carried into each new set by hard links.
 */
public final class OutputSet implements AutoCloseable {
  /**
   * What a command writes into its directory.
   *
   * @param command the command's name, recorded in the manifest
   * @param stateDirectories resume-state directories kept from run to run (a sweep's {@code points}
   *     and {@code traces}); empty for most commands
   * @param writtenByEarlierVersion recognises a directory an earlier KVFlow (without manifests) wrote
   */
  public record SetLayout(String command, List<String> stateDirectories, Predicate<Path> writtenByEarlierVersion) {
    public SetLayout {
      stateDirectories = List.copyOf(stateDirectories);
    }
  }

  /** The steps of a commit, in order (tests stop after each to play a killed run). */
  enum CommitStep { CARRY_STATE, SEAL, MOVE_OLD_ASIDE, MOVE_NEW_IN, DELETE_OLD }

  private final Path target;
  private final SetLayout layout;
  private final OutputLock lock;
  private final Path staging;
  private boolean committed;
  private boolean abandoned;

  private OutputSet(Path target, SetLayout layout, OutputLock lock, Path staging) {
    this.target = target;
    this.layout = layout;
    this.lock = lock;
    this.staging = staging;
  }

  /**
   * Opens {@code dir} for a new set, or refuses with exit 2 (one line naming the path, what is there
   * and what to do); {@code inputs} are the command's input files.
   */
  public static OutputSet open(Path dir, SetLayout layout, List<Path> inputs) {
    Path target = resolve(dir);
    OutputLock lock = OutputLock.acquire(target, "--out");
    try {
      recover(target);
      TempNames.removeStale(target);
      checkContents(dir, target, layout);
      checkInputs(dir, target, layout, inputs);
      return new OutputSet(target, layout, lock, TempNames.newTemporaryDirectory(target));
    } catch (IOException e) {
      lock.close();
      throw new BadInputException(dir + ": cannot create a directory beside it (" + e.getMessage() + ")", e);
    } catch (RuntimeException | Error e) {
      lock.close();
      throw e;
    }
  }

  /** The directory to write the set into (renamed onto the target by {@link #commit}). */
  public Path directory() {
    return staging;
  }

  /** The output directory as resolved: absolute, symbolic links followed. */
  public Path target() {
    return target;
  }

  /**
   * The resume-state directory {@code name} inside the target itself (made, with a manifest, when
   * the target does not exist yet): files written there stay when a run is killed.
   */
  public Path state(String name) {
    if (!layout.stateDirectories().contains(name)) {
      throw new IllegalArgumentException(name + " is not a state directory of " + layout.command());
    }
    try {
      if (!Files.isDirectory(target)) {
        Files.createDirectory(target);
      }
      SetManifest m = SetManifest.read(target);
      if (m == null || !m.state().containsAll(layout.stateDirectories())) {
        List<String> entries = new ArrayList<>();
        for (String e : list(target)) {
          if (!e.equals(SetManifest.FILE) && !TempNames.isScratch(e) && !layout.stateDirectories().contains(e)) {
            entries.add(e);
          }
        }
        List<String> state = new ArrayList<>(layout.stateDirectories());
        if (m != null) {
          state.addAll(m.state());
          entries.removeAll(m.state());
        }
        new SetManifest(m == null ? layout.command() : m.command(), entries, state).write(target);
      }
      Path d = target.resolve(name);
      Files.createDirectories(d);
      TempNames.removeAllTemporaries(d);
      return d;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + target.resolve(name), e);
    }
  }

  /** Seals the set and renames it onto the target, replacing the earlier set there. */
  public void commit() {
    commitThrough(CommitStep.DELETE_OLD);
  }

  /** Runs the commit up to {@code last}; stopping early leaves everything as a killed run would. */
  void commitThrough(CommitStep last) {
    Path aside = null;
    try {
      for (CommitStep step : CommitStep.values()) {
        switch (step) {
          case CARRY_STATE -> carryState();
          case SEAL -> seal();
          case MOVE_OLD_ASIDE -> {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
              aside = TempNames.newAsideName(target);
              Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
            }
          }
          case MOVE_NEW_IN -> {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            committed = true;
            AtomicOutput.forceDirectory(target.getParent());
          }
          case DELETE_OLD -> {
            if (aside != null) {
              try {
                TempNames.deleteTree(aside);
              } catch (UncheckedIOException e) {
                // the new set is in place; the next run that opens the target deletes what is left aside
              }
            }
          }
          default -> throw new IllegalStateException(step.name());
        }
        if (step == last && last != CommitStep.DELETE_OLD) {
          abandoned = true;
          return;
        }
      }
    } catch (IOException e) {
      if (!committed && aside != null) {
        try {
          Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE); // the earlier set back in place
        } catch (IOException ignored) {
          // the next run restores it (see recover)
        }
      }
      throw new UncheckedIOException("cannot commit the output " + target, e);
    }
  }

  /** Deletes the set unless it was committed, and releases the lock. */
  @Override
  public void close() {
    try {
      if (!committed && !abandoned) {
        TempNames.deleteTree(staging);
      }
    } finally {
      lock.close();
    }
  }

  private static Path resolve(Path dir) {
    Path target = dir.toAbsolutePath().normalize();
    FileKind kind = FileKind.of(target);
    if (kind == FileKind.DIRECTORY) {
      try {
        target = target.toRealPath(); // a link to a directory: the set replaces what it points to
      } catch (IOException e) {
        throw new BadInputException(dir + ": cannot resolve (" + e.getMessage() + ")");
      }
    } else if (kind != FileKind.ABSENT) {
      throw new BadInputException(dir + ": is " + kind.description() + ", not a directory; --out takes a new "
          + "directory, an empty one, or one KVFlow wrote");
    } else if (Files.isSymbolicLink(target)) {
      throw new BadInputException(dir + ": is a symbolic link to nothing; remove it or give another --out");
    }
    if (target.getParent() == null) {
      throw new BadInputException(dir + ": is the root directory; give a directory below it");
    }
    Path cwd = Path.of("").toAbsolutePath();
    try {
      cwd = cwd.toRealPath();
    } catch (IOException ignored) {
      // keep the absolute path
    }
    if (cwd.startsWith(target)) {
      throw new BadInputException(dir + ": is the current directory or contains it; give a directory for the output");
    }
    try {
      Files.createDirectories(target.getParent());
    } catch (IOException e) {
      throw new BadInputException(dir + ": cannot create its parent directory (" + e.getMessage() + ")");
    }
    return target;
  }

  /**
   * Finishes or undoes what a killed run left (the caller holds the lock): a sealed set beside the
   * target was about to be moved in, so it is; an earlier set moved aside goes back if the target is
   * missing, and is deleted otherwise.
   */
  private static void recover(Path target) {
    String name = target.getFileName().toString();
    try {
      for (String e : list(target.getParent())) {
        Path p = target.resolveSibling(e);
        if (TempNames.isTemporaryOf(name, e) && Files.isDirectory(p) && SetManifest.read(p) != null) {
          if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(target, TempNames.newAsideName(target), StandardCopyOption.ATOMIC_MOVE);
          }
          Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
        }
      }
      for (String e : list(target.getParent())) {
        Path p = target.resolveSibling(e);
        if (TempNames.isAsideOf(name, e)) {
          if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            TempNames.deleteTree(p);
          } else {
            Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot recover the output " + target + " a killed run left", e);
    }
  }

  private static void checkContents(Path dir, Path target, SetLayout layout) throws IOException {
    if (!Files.isDirectory(target)) {
      return;
    }
    List<String> names = new ArrayList<>();
    for (String e : list(target)) {
      if (!TempNames.isScratch(e)) {
        names.add(e);
      }
    }
    if (names.isEmpty()) {
      return;
    }
    SetManifest m = SetManifest.read(target);
    if (m != null) {
      for (String e : names) {
        if (!m.owns(e)) {
          throw new BadInputException(dir + ": holds " + e + ", which KVFlow did not write there; move it away or "
              + "give another --out");
        }
      }
      return;
    }
    if (!layout.writtenByEarlierVersion().test(target)) {
      throw new BadInputException(dir + ": is a directory KVFlow did not write (it holds " + names.get(0)
          + (names.size() > 1 ? " and " + (names.size() - 1) + " more" : "") + "); give a new or empty directory");
    }
  }

  private static void checkInputs(Path dir, Path target, SetLayout layout, List<Path> inputs) {
    for (Path input : inputs) {
      Path real;
      try {
        real = input.toRealPath();
      } catch (IOException e) {
        continue; // not there: its own check reports it
      }
      if (real.startsWith(target)) {
        boolean kept = false;
        for (String s : layout.stateDirectories()) {
          kept |= real.startsWith(target.resolve(s));
        }
        if (!kept) {
          throw new BadInputException(input + ": lies inside " + dir + ", which this command replaces; move it out or "
              + "give another --out");
        }
      }
    }
  }

  /** Hard-links the resume-state directories of the target into the new set (copies where links are not possible). */
  private void carryState() throws IOException {
    for (String s : layout.stateDirectories()) {
      Path from = target.resolve(s);
      if (Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
        Path to = staging.resolve(s);
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
            Files.createDirectories(to.resolve(from.relativize(d).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
            if (attrs.isRegularFile() && !TempNames.isScratch(f.getFileName().toString())) {
              Path copy = to.resolve(from.relativize(f).toString());
              try {
                Files.createLink(copy, f);
              } catch (IOException | UnsupportedOperationException e) {
                Files.copy(f, copy, StandardCopyOption.COPY_ATTRIBUTES);
              }
            }
            return FileVisitResult.CONTINUE;
          }
        });
      }
    }
  }

  /** Forces every file of the set to the disk, then writes the manifest, the set's last file. */
  private void seal() throws IOException {
    List<String> entries = new ArrayList<>();
    List<String> state = new ArrayList<>();
    for (String e : list(staging)) {
      if (TempNames.isScratch(e)) {
        TempNames.deleteTree(staging.resolve(e));
      } else if (layout.stateDirectories().contains(e)) {
        state.add(e);
      } else {
        entries.add(e);
      }
    }
    Files.walkFileTree(staging, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        if (attrs.isRegularFile()) {
          AtomicOutput.force(f);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        AtomicOutput.forceDirectory(d);
        return FileVisitResult.CONTINUE;
      }
    });
    new SetManifest(layout.command(), entries, state).write(staging);
  }

  private static List<String> list(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        names.add(p.getFileName().toString());
      }
    }
    names.sort(null);
    return names;
  }
}
