package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML reports in a real browser (Debian's headless Chromium, installed by .ci/run): charts
 * render as SVG, the screenshot is not blank, the console has no errors, and hostile strings from
 * a trace show as text.
 */
class HtmlReportBrowserTest {
  static final String HOSTILE_TENANT = "<script>alert(1)</script>";
  static final String HOSTILE_SOURCE = "<img src=x onerror=alert(2)>";

  @TempDir
  static Path dir;
  static Path chromium;

  @BeforeAll
  static void findBrowser() {
    String configured = System.getenv("KVFLOW_CHROMIUM");
    for (String c : new String[] {configured, "/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
      if (c != null && Files.isExecutable(Path.of(c))) {
        chromium = Path.of(c);
        return;
      }
    }
    // CI installs Chromium; on a developer machine without it the test is skipped, never silently passed in CI
    assertFalse("true".equals(System.getenv("CI")), "Chromium is required in CI (apt-get install chromium)");
    Assumptions.assumeTrue(false, "Chromium not installed");
  }

  record Browser(String dom, String log, BufferedImage screenshot) {}

  static Browser open(Path html) throws Exception {
    Path profile = Files.createTempDirectory(dir, "chromium-profile");
    List<String> common = List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--window-size=1300,2400");
    Path png = dir.resolve(html.getFileName() + ".png");
    List<String> shot = new ArrayList<>(common);
    shot.add("--screenshot=" + png);
    shot.add(html.toUri().toString());
    String log = run(shot);
    List<String> dump = new ArrayList<>(common);
    dump.add("--dump-dom");
    dump.add(html.toUri().toString());
    Path domFile = dir.resolve(html.getFileName() + ".dom");
    ProcessBuilder pb = new ProcessBuilder(dump).redirectOutput(domFile.toFile()).redirectErrorStream(false)
        .redirectError(dir.resolve(html.getFileName() + ".err").toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium --dump-dom hung");
    String dom = Files.readString(domFile, StandardCharsets.UTF_8);
    log += Files.readString(dir.resolve(html.getFileName() + ".err"));
    return new Browser(dom, log, ImageIO.read(png.toFile()));
  }

  static String run(List<String> command) throws IOException, InterruptedException {
    Path err = Files.createTempFile(dir, "chromium", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(err.toFile()).start();
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium hung");
    return Files.readString(err);
  }

  static void assertRenders(Browser b, int minCharts) {
    Matcher m = Pattern.compile("<svg").matcher(b.dom());
    int svgs = 0;
    while (m.find()) {
      svgs++;
    }
    assertTrue(svgs >= minCharts, "expected at least " + minCharts + " SVG charts, found " + svgs);
    assertTrue(b.dom().contains("<path class=\"series\"") || b.dom().contains("<rect class=\"bar\"")
        || b.dom().contains("<rect class=\"cell\""), "chart shapes drawn");
    for (String line : b.log().split("\n")) {
      assertFalse(line.contains("CONSOLE") || line.contains("Uncaught") || line.contains("Refused to"),
          "browser console: " + line);
    }
    BufferedImage img = b.screenshot();
    Set<Integer> colors = new HashSet<>();
    long nonWhite = 0;
    for (int y = 0; y < img.getHeight(); y += 3) {
      for (int x = 0; x < img.getWidth(); x += 3) {
        int rgb = img.getRGB(x, y) & 0xFFFFFF;
        colors.add(rgb);
        nonWhite += rgb != 0xFFFFFF ? 1 : 0;
      }
    }
    assertTrue(colors.size() > 20, "screenshot has " + colors.size() + " colours: blank?");
    assertTrue(nonWhite > 1000, "screenshot nearly blank");
  }

  static Path hostileTrace() {
    Path trace = dir.resolve("hostile.parquet");
    TraceMetadata meta = TraceMetadata.of(TraceKind.REQUESTS, 16, HOSTILE_SOURCE);
    try (RequestTraceWriter w = RequestTraceWriter.open(trace, meta)) {
      long[] hashes = new long[64];
      for (int i = 0; i < 200; i++) {
        int blocks = 4 + i % 7;
        for (int k = 0; k < blocks; k++) {
          hashes[k] = k < 3 ? k : i * 100L + k; // a shared 3-block prefix
        }
        w.append(i, i * 1_000_000L, i % 2 == 0 ? HOSTILE_TENANT : "tenant-b", false, 0, blocks * 16, 5 + i % 3, hashes, 0,
            blocks);
      }
      w.commit();
    }
    return trace;
  }

  @Test
  void replayReportRendersAndEscapesTraceStrings() throws Exception {
    Path out = dir.resolve("replay-out");
    CliTestSupport.Result r = CliTestSupport.run("replay", hostileTrace().toString(), "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    Path html = out.resolve("report.html");
    String text = Files.readString(html);
    assertFalse(text.contains(HOSTILE_TENANT), "raw hostile tenant in the HTML");
    assertFalse(text.contains(HOSTILE_SOURCE), "raw hostile source in the HTML");
    assertFalse(text.contains("http://") && text.contains("src=\"http"), "no network fetches");
    Browser b = open(html);
    assertRenders(b, 3);
    assertTrue(b.dom().contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "tenant shown as text");
    assertFalse(b.dom().toLowerCase(java.util.Locale.ROOT).contains("<script"), "no script element in the page");
    assertFalse(b.dom().contains("<img"), "no injected image");
  }

  @Test
  void perTenantReuseReportEscapesTenants() throws Exception {
    Path out = dir.resolve("tenant-out");
    CliTestSupport.Result r = CliTestSupport.run("reuse", hostileTrace().toString(), "--per-tenant", "--out",
        out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    Path html = out.resolve("report.html");
    assertFalse(Files.readString(html).contains(HOSTILE_TENANT), "raw hostile tenant in the HTML");
    Browser b = open(html);
    assertRenders(b, 2);
    assertTrue(b.dom().contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "tenant shown as text");
    assertFalse(b.dom().toLowerCase(java.util.Locale.ROOT).contains("<script"), "no script element in the page");
  }

  @Test
  void reuseReportRenders() throws Exception {
    Path out = dir.resolve("reuse-out");
    CliTestSupport.Result r = CliTestSupport.run("reuse", Path.of("..", "sample-traces", "zipf-small.parquet").toString(),
        "--policy", "s3fifo", "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertRenders(open(out.resolve("report.html")), 1);
  }
}
