package io.kvflow.trace.imports;

import com.github.luben.zstd.ZstdInputStream;
import io.kvflow.common.BadInputException;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opens importer inputs, decompressing by suffix, with clear messages for missing, empty or unreadable files. */
public final class InputFiles {
  private InputFiles() {}

  /** The input as a byte stream; {@code .gz} and {@code .zst}/{@code .zstd} are decompressed. */
  public static InputStream open(Path path) {
    String file = path.toString();
    if (Files.isDirectory(path)) {
      throw new BadInputException(file + ": is a directory; expected a trace file");
    }
    try {
      if (Files.size(path) == 0) {
        throw new ImportException(file + ": empty file; expected at least one record");
      }
      InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
      String name = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
      if (name.endsWith(".gz")) {
        return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
      }
      if (name.endsWith(".zst") || name.endsWith(".zstd")) {
        return new BufferedInputStream(new ZstdInputStream(raw), 1 << 16);
      }
      return raw;
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + ": no such file");
    } catch (java.nio.file.AccessDeniedException e) {
      throw new BadInputException(file + ": not readable (permission denied)");
    } catch (IOException e) {
      throw new ImportException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /** The input as strict UTF-8 text lines. */
  public static BufferedReader openText(Path path) {
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    return new BufferedReader(new InputStreamReader(open(path), utf8), 1 << 16);
  }

  /** A read failure in the middle of the input (bad compression, bad UTF-8) as an import error. */
  public static ImportException readFailure(Path path, long line, IOException e) {
    String what = e instanceof java.nio.charset.CharacterCodingException ? "not valid UTF-8 text"
        : "unreadable (" + e.getMessage() + ")";
    return ImportException.atLine(path.toString(), line, null, what);
  }
}
