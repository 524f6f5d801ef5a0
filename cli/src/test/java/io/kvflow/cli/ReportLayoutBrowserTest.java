package io.kvflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of report.html laid out by a real browser (headless Chromium): no two texts of a chart
 * overlap, no text leaves its chart (legends are not clipped), every axis title names its unit, no
 * headline cards overlap, and no number anywhere is in scientific notation. A copy of the page gets
 * a measuring script (the report itself has none and forbids scripts); screenshots are kept under
 * cli/target/report-screenshots/.
 */
class ReportLayoutBrowserTest {
  static final Path CHAT = Path.of("..", "sample-traces", "chat-small.parquet");
  static final Path ZIPF = Path.of("..", "sample-traces", "zipf-small.parquet");
  static final Path SHOTS = Path.of("target", "report-screenshots");

  /** Runs in the page: finds layout problems and writes them, as a JSON array, into a pre#layout-check. */
  static final String CHECK = String.join("\n",
      "(function(){",
      " const out=[];",
      " const over=(a,b)=>Math.min(a.right,b.right)-Math.max(a.left,b.left)>1&&Math.min(a.bottom,b.bottom)-Math.max(a.top,b.top)>1;",
      " document.querySelectorAll('details').forEach(d=>d.open=true);",
      " [...document.querySelectorAll('svg')].forEach((svg,si)=>{",
      "  const sb=svg.getBoundingClientRect();",
      "  if(sb.width<1)return;",
      "  const name=(svg.closest('figure')&&svg.closest('figure').querySelector('figcaption')||{}).textContent||('chart '+si);",
      "  const texts=[...svg.querySelectorAll('text')].filter(t=>t.textContent.trim().length>0);",
      "  const boxes=texts.map(t=>t.getBoundingClientRect());",
      "  boxes.forEach((b,i)=>{if(b.left<sb.left-1||b.right>sb.right+1||b.top<sb.top-1||b.bottom>sb.bottom+1)",
      "   out.push('clipped in \"'+name+'\": '+texts[i].textContent);});",
      "  for(let i=0;i<boxes.length;i++)for(let j=i+1;j<boxes.length;j++)if(over(boxes[i],boxes[j]))",
      "   out.push('overlap in \"'+name+'\": \"'+texts[i].textContent+'\" and \"'+texts[j].textContent+'\"');",
      "  const titles=[...svg.querySelectorAll('text.axis-title')].map(t=>t.textContent);",
      "  if(!svg.querySelector('text.nodata')&&titles.length<2)out.push('axis titles missing in \"'+name+'\"');",
      "  titles.forEach(t=>{if(!/\\([^)]+\\)$/.test(t.trim()))out.push('axis title without a unit in \"'+name+'\": '+t);});",
      " });",
      " const cards=[...document.querySelectorAll('.card')].map(c=>c.getBoundingClientRect());",
      " for(let i=0;i<cards.length;i++)for(let j=i+1;j<cards.length;j++)if(over(cards[i],cards[j]))out.push('headline cards overlap');",
      " const walk=document.createTreeWalker(document.body,NodeFilter.SHOW_TEXT);const sci=[];let n;",
      " while((n=walk.nextNode())){if(n.parentElement.closest('script'))continue;",
      "  const m=n.nodeValue.match(/\\b\\d+(\\.\\d+)?[eE][+-]?\\d+\\b/g);if(m)sci.push(...m);}",
      " if(sci.length)out.push('scientific notation: '+sci.slice(0,5).join(' '));",
      " const pre=document.createElement('pre');pre.id='layout-check';pre.textContent=JSON.stringify(out);",
      " document.body.appendChild(pre);",
      "})();");

  @TempDir
  static Path dir;

  @BeforeAll
  static void browser() {
    // the browser helpers of HtmlReportBrowserTest work in this class's temporary directory
    HtmlReportBrowserTest.dir = dir;
    HtmlReportBrowserTest.findBrowser();
  }

  /** Layout problems of a report as the browser found them; saves a screenshot of the page as it ships. */
  static List<String> layoutProblems(Path html, String name, boolean mustRender) throws Exception {
    Files.createDirectories(SHOTS);
    HtmlReportBrowserTest.Browser shipped = HtmlReportBrowserTest.open(html);
    javax.imageio.ImageIO.write(shipped.screenshot(), "png", SHOTS.resolve(name + ".png").toFile());
    if (mustRender) {
      HtmlReportBrowserTest.assertRenders(shipped, 1);
    }
    String page = Files.readString(html, StandardCharsets.UTF_8);
    String checked = page.replaceFirst("<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "")
        .replace("</body>", "<script>" + CHECK + "</script></body>");
    Path copy = dir.resolve(name + "-check.html");
    Files.writeString(copy, checked, StandardCharsets.UTF_8);
    String dom = dump(copy);
    Matcher m = Pattern.compile("<pre id=\"layout-check\">(.*?)</pre>", Pattern.DOTALL).matcher(dom);
    assertTrue(m.find(), "the measuring script ran");
    String json = m.group(1).replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    List<String> out = new ArrayList<>();
    for (JsonNode p : new ObjectMapper().readTree(json)) {
      out.add(p.asText());
    }
    return out;
  }

  private static String dump(Path html) throws Exception {
    Path profile = Files.createTempDirectory(dir, "chromium-profile");
    Path domFile = dir.resolve(html.getFileName() + ".dom");
    Process p = new ProcessBuilder(HtmlReportBrowserTest.chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--window-size=1300,2400", "--dump-dom", html.toUri().toString())
        .redirectOutput(domFile.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium --dump-dom hung");
    return Files.readString(domFile, StandardCharsets.UTF_8);
  }

  static void assertLaidOut(Path html, String name) throws Exception {
    List<String> problems = layoutProblems(html, name, true);
    assertEquals(List.of(), problems, name + ": layout problems");
  }

  /** The checker itself fails on what it looks for: overlapping and clipped texts, a unitless axis, 1.5E11. */
  @Test
  void checkerFindsEachProblem() throws Exception {
    Path html = dir.resolve("broken.html");
    Files.writeString(html, "<!DOCTYPE html><html><body><p>bytes 5.84115552256E11</p><figure><figcaption>c</figcaption>"
        + "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 400 200\" width=\"400\"><path class=\"series\" d=\"M0 0 L400 200\" stroke=\"#000\"/>"
        + "<text x=\"10\" y=\"20\">overlapping one</text><text x=\"12\" y=\"22\">overlapping two</text>"
        + "<text x=\"380\" y=\"100\">clipped legend entry</text>"
        + "<text class=\"axis-title\" x=\"100\" y=\"190\">size</text><text class=\"axis-title\" x=\"300\" y=\"150\">miss ratio (ratio)</text>"
        + "</svg></figure></body></html>");
    List<String> problems = layoutProblems(html, "checker", false);
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("overlap") && p.contains("overlapping one")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("clipped") && p.contains("clipped legend entry")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.contains("without a unit") && p.endsWith(": size")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("scientific notation: 5.84115552256E11")), problems.toString());
  }

  @Test
  void mainJobReplayOpensWithHeadlineAndFindings() throws Exception {
    Path out = dir.resolve("main-job");
    CliTestSupport.Result r = CliTestSupport.run("replay", CHAT.toString(), "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    String html = Files.readString(out.resolve("report.html"));
    int headline = html.indexOf("class=\"headline\"");
    int findings = html.indexOf("<h2>Findings</h2>");
    assertTrue(headline > 0 && findings > headline && findings < html.indexOf("<svg"), "headline, then findings, then charts");
    assertTrue(html.contains("TTFT p50 / p99") && html.contains("TPOT p50 / p99"), "latency in the headline");
    assertLaidOut(out.resolve("report.html"), "replay");
  }

  @Test
  void compareReport() throws Exception {
    Path out = dir.resolve("compare");
    CliTestSupport.Result r = CliTestSupport.run("compare", CHAT.toString(), "--policies", "lru,s3fifo", "--out",
        out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    Path html = out.resolve("report.html");
    String text = Files.readString(html);
    assertTrue(text.contains("TTFT by percentile"), "percentile distributions overlaid");
    assertLaidOut(html, "compare");
  }

  @Test
  void compareOfTwoConfigsReport() throws Exception {
    Path out = dir.resolve("compare-configs");
    CliTestSupport.Result r = CliTestSupport.run("compare", CHAT.toString(), "--baseline", "default", "--candidate",
        "counts", "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertTrue(Files.readString(out.resolve("report.html")).contains("Candidate against baseline"));
    assertLaidOut(out.resolve("report.html"), "compare-configs");
  }

  @Test
  void reuseReport() throws Exception {
    Path out = dir.resolve("reuse");
    CliTestSupport.Result r = CliTestSupport.run("reuse", ZIPF.toString(), "--policy", "s3fifo", "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    String text = Files.readString(out.resolve("report.html"));
    assertTrue(text.contains("Reuse distances"), "reuse-distance histogram");
    assertLaidOut(out.resolve("report.html"), "reuse");
    // the prefix-aware and optimal curves on a bytes axis, with a target
    Path prefix = dir.resolve("reuse-prefix");
    r = CliTestSupport.run("reuse", CHAT.toString(), "--prefix-aware", "--opt", "--preset", "llama-3-8b", "--target", "0.5",
        "--out", prefix.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    assertTrue(Files.readString(prefix.resolve("report.html")).contains("tree-OPT"), "the optima on the chart");
    assertLaidOut(prefix.resolve("report.html"), "reuse-prefix");
  }

  @Test
  void sweepReport() throws Exception {
    Path grid = dir.resolve("layout-grid.json");
    Files.writeString(grid, "{\"axes\": {\"$.tiers[0].policy\": [\"lru\", \"fifo\", \"s3fifo\"],"
        + " \"$.tiers[0].capacity_bytes\": [1000000000, 4000000000, 16000000000]}}");
    Path out = dir.resolve("sweep");
    CliTestSupport.Result r = CliTestSupport.run("sweep", CHAT.toString(), "--grid", grid.toString(), "--config", "counts",
        "--out", out.toString(), "-q", "--threads", "1");
    assertEquals(0, r.exit(), r.err());
    String text = Files.readString(out.resolve("report.html"));
    assertTrue(text.contains("by $.tiers[0].capacity_bytes and $.tiers[0].policy"), "policy x size pivot");
    assertLaidOut(out.resolve("report.html"), "sweep");
  }

  @Test
  void sizeReportWithItsWarning() throws Exception {
    Path out = dir.resolve("size");
    CliTestSupport.Result r = CliTestSupport.run("size", CHAT.toString(), "--first", "100,400,1600,6400", "--second",
        "1000,4000,16000", "--target", "0.999", "--out", out.toString(), "-q");
    assertEquals(0, r.exit(), r.err());
    String text = Files.readString(out.resolve("report.html"));
    int warnings = text.indexOf("<h2>Warnings</h2>");
    assertTrue(warnings > 0 && warnings < text.indexOf("<svg"), "the warning opens the page");
    assertTrue(text.contains("no capacity reaches 0.999"), "the unreachable target is said");
    assertTrue(text.contains("class=\"cell\""), "a heatmap");
    assertLaidOut(out.resolve("report.html"), "size");
  }
}
