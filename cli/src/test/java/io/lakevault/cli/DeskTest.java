package io.lakevault.cli;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.kernel.KernelCatalog;
import io.lakevault.spark.Selection;
import io.lakevault.spark.SharedSpark;
import io.lakevault.ui.Desk;
import io.lakevault.ui.DeskServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The auditor's desk over the demo's catalog: its JSON API checked against Spark over the same Delta
 * tables, its refusals, and its pages driven in a real headless Chromium (Debian's chromium and
 * chromium-driver; .ci/run installs them), with a screenshot of each page in target/desk-screenshots.
 */
class DeskTest {
  private static final String BUCKET = "acme-trading-logs";
  private static final String PREFIX = "app=settlement/";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static DemoCatalog demo;
  private static DeskServer server;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void serve() throws Exception {
    demo = DemoCatalog.get();
    server = new DeskServer(new Desk(new KernelCatalog(demo.config()), PriceTable.builtIn()), "127.0.0.1", 0).start();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  private static HttpResponse<String> get(String pathAndQuery) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + pathAndQuery.substring(1))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode api(String path, Map<String, String> params) throws Exception {
    StringBuilder q = new StringBuilder(path);
    char sep = '?';
    for (Map.Entry<String, String> e : params.entrySet()) {
      q.append(sep).append(e.getKey()).append('=').append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
      sep = '&';
    }
    HttpResponse<String> r = get(q.toString());
    assertEquals(200, r.statusCode(), q + ": " + r.body());
    return JSON.readTree(r.body());
  }

  private static String raw(String request) throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static Dataset<Row> objects() {
    return SharedSpark.session().read().format("delta").load(demo.table("objects"));
  }

  /** What Spark's selection (the restore job's) chooses under the prefix at the time: key to version id. */
  private static Map<String, String> sparkChoice(String prefix, Instant asOf) {
    Dataset<Row> o = objects().where(col("bucket").equalTo(BUCKET).and(col("key").startsWith(prefix)));
    Map<String, String> out = new TreeMap<>();
    for (Row r : Selection.current(o, asOf).where(col("is_delete_marker").equalTo(false))
        .select("key", "version_id").collectAsList()) {
      out.put(r.getString(0), r.getString(1));
    }
    return out;
  }

  private static Map<String, String> pages(Map<String, String> params) throws Exception {
    Map<String, String> out = new TreeMap<>();
    int page = 0;
    while (true) {
      Map<String, String> p = new TreeMap<>(params);
      p.put("page", String.valueOf(page));
      p.put("page_size", "100");
      JsonNode r = api("/api/search", p);
      for (JsonNode f : r.get("versions")) out.put(f.get("version").get("key").asText(), f.get("version").get("version_id").asText());
      if (++page >= r.get("pages").asLong()) return out;
    }
  }

  @Test
  void searchAndCalendarAnswerWhatSparkCountsOverTheSameCatalog() throws Exception {
    assertTrue(api("/api/buckets", Map.of()).get("buckets").toString().contains(BUCKET));
    // Now, and as of a past time, paged through: the same keys and versions as the restore job's selection.
    JsonNode first = api("/api/search", Map.of("bucket", BUCKET, "prefix", PREFIX, "page_size", "100"));
    Map<String, String> now = sparkChoice(PREFIX, null);
    assertEquals(now.size(), first.get("objects").asLong());
    assertEquals(now, pages(Map.of("bucket", BUCKET, "prefix", PREFIX)));
    Instant mid = Instant.parse("2022-06-30T12:00:00Z");
    assertEquals(sparkChoice(PREFIX, mid), pages(Map.of("bucket", BUCKET, "prefix", PREFIX, "as_of", mid.toString())));
    // Keys come in S3's order, page after page.
    List<String> keys = new ArrayList<>(pages(Map.of("bucket", BUCKET, "prefix", PREFIX)).keySet());
    assertEquals(new ArrayList<>(new TreeSet<>(keys)), keys);
    // A glob and a class narrow it as the restore selector does (filters first, then the as-of choice).
    JsonNode globbed = api("/api/search", Map.of("bucket", BUCKET, "glob", "app=settlement/**/hour=0[0-4]/*.json",
        "class", "finra-7y"));
    long expected = Selection.current(objects().where(col("bucket").equalTo(BUCKET)
            .and(col("key").rlike("^app=settlement/.*/hour=0[0-4]/[^/]*\\.json$")).and(col("retention_class").equalTo("finra-7y"))),
        null).where(col("is_delete_marker").equalTo(false)).count();
    assertTrue(expected > 0);
    assertEquals(expected, globbed.get("objects").asLong());

    // Calendar: per UTC day, versions created, deletions and versions archived, as Spark SQL counts them.
    int year = ((Number) objects().where(col("bucket").equalTo(BUCKET).and(col("key").startsWith(PREFIX)))
        .selectExpr("max(year(last_modified_date))").first().get(0)).intValue();
    JsonNode cal = api("/api/calendar", Map.of("bucket", BUCKET, "prefix", PREFIX, "year", String.valueOf(year)));
    Map<String, Long> created = new TreeMap<>();
    for (JsonNode d : cal.get("days")) if (d.get("created").asLong() > 0) created.put(d.get("day").asText(), d.get("created").asLong());
    Map<String, Long> spark = new TreeMap<>();
    objects().createOrReplaceTempView("demo_objects");
    for (Row r : SharedSpark.session().sql("SELECT CAST(to_date(last_modified_date) AS STRING) d, count(*) FROM demo_objects"
        + " WHERE bucket = '" + BUCKET + "' AND startswith(key, '" + PREFIX + "') AND NOT is_delete_marker"
        + " AND year(last_modified_date) = " + year + " GROUP BY 1").collectAsList()) {
      spark.put(r.getString(0), r.getLong(1));
    }
    assertFalse(spark.isEmpty());
    assertEquals(spark, created);
    long archivedThatYear = objects().where(col("bucket").equalTo(BUCKET).and(col("key").startsWith(PREFIX))
        .and(org.apache.spark.sql.functions.year(col("archived_at")).equalTo(LocalDate.now(ZoneOffset.UTC).getYear()))).count();
    assertEquals(archivedThatYear, api("/api/calendar", Map.of("bucket", BUCKET, "prefix", PREFIX)).get("archived").asLong());
  }

  @Test
  void historyEstimateRunsAndHolds() throws Exception {
    String key = "reports/with space/q1 summary.json";
    JsonNode h = api("/api/history", Map.of("bucket", BUCKET, "key", key));
    long rows = objects().where(col("bucket").equalTo(BUCKET).and(col("key").equalTo(key))).count();
    assertEquals(rows, h.get("versions").size());
    assertEquals("CURRENT", h.get("versions").get(0).get("version").get("status").asText(), h.toString());
    for (JsonNode f : h.get("versions")) {
      String pack = f.get("version").get("pack_id").asText(null);
      if (pack != null) assertTrue(h.get("packs").has(pack), "pack " + pack + " of a version is described: " + h);
    }

    // The estimate names the command that selects the same versions, and prices each tier.
    Instant asOf = Instant.parse("2023-12-31T23:59:59.999Z");
    JsonNode e = api("/api/estimate", Map.of("bucket", BUCKET, "prefix", PREFIX, "as_of", asOf.toString()));
    assertEquals(sparkChoice(PREFIX, asOf).size(), e.get("objects").asLong());
    assertEquals("bin/lakevault restore --bucket acme-trading-logs --prefix app=settlement/ --as-of 2023-12-31T23:59:59.999Z"
        + " --to /tmp/restored", e.get("restore_command").asText());
    assertTrue(e.get("export_command").asText().startsWith("bin/lakevault export "), e.toString());
    assertEquals(3, e.get("tiers").size());
    assertEquals("BULK", e.get("tiers").get(0).get("tier").asText());
    assertTrue(e.get("get_requests").asLong() >= e.get("packs").asLong() * 4, e.toString());
    assertTrue(e.get("packs").asLong() > 0);

    JsonNode runs = api("/api/runs", Map.of("page_size", "5"));
    assertEquals(SharedSpark.session().read().format("delta").load(demo.table("runs")).count(), runs.get("total").asLong());
    assertEquals(5, runs.get("runs").size());
    for (JsonNode f : runs.get("failures")) assertEquals("FAILED", f.get("status").asText());
    JsonNode cases = api("/api/holds", Map.of()).get("cases");
    assertEquals("DEMO-1", cases.get(0).get("case_id").asText());
    assertEquals(0, cases.get(0).get("packs_held").asLong(), "the demo released its case");
  }

  @Test
  void badRequestsGetAFourHundredNamingTheInputNeverAStackTrace() throws Exception {
    Map<String, String> bad = new TreeMap<>();
    bad.put("/api/search?bucket=Not_A_Bucket", "bucket");
    bad.put("/api/search?bucket=acme-trading-logs&as_of=yesterday", "as_of yesterday");
    bad.put("/api/search?bucket=acme-trading-logs&glob=%5Bopen", "glob [open");
    bad.put("/api/search?bucket=acme-trading-logs&page_size=5000", "page_size 5000");
    bad.put("/api/search?bucket=acme-trading-logs&page=-1", "page -1");
    bad.put("/api/search?bucket=acme-trading-logs&prefx=a", "unknown parameter prefx");
    bad.put("/api/search?bucket=a&bucket=b", "given twice");
    bad.put("/api/calendar?bucket=acme-trading-logs&year=12", "year 12");
    bad.put("/api/history?bucket=acme-trading-logs", "key is required");
    bad.put("/api/estimate?bucket=acme-trading-logs&days=0", "days 0");
    bad.put("/api/search?bucket=acme-trading-logs&prefix=%C3%28", "not UTF-8");
    for (Map.Entry<String, String> b : bad.entrySet()) {
      HttpResponse<String> r = get(b.getKey());
      assertEquals(400, r.statusCode(), b.getKey() + ": " + r.body());
      String error = JSON.readTree(r.body()).get("error").asText();
      assertTrue(error.contains(b.getValue()), b.getKey() + ": " + error);
      assertFalse(r.body().contains("Exception") || r.body().contains("\tat "), r.body());
    }
    // A query string no URI parser accepts, sent as raw bytes as a hand-written client could: the JDK's server
    // refuses it before any handler runs, with its own short page (it names the parse error, no trace).
    String raw = raw("GET /api/search?bucket=acme-trading-logs&prefix=%ZZ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Connection: close\r\n\r\n");
    assertTrue(raw.startsWith("HTTP/1.1 400"), raw);
    assertFalse(raw.contains("\tat ") || raw.contains("io.lakevault"), raw);
    assertEquals(404, get("/api/nothing").statusCode());
    HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "api/search"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode(), "read-only");
    assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
    // A page on another site cannot reach the desk through a name it points at 127.0.0.1.
    // (Raw bytes: Java's HTTP client does not let a caller set Host.)
    String rebound = raw("GET /api/buckets HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n");
    assertTrue(rebound.startsWith("HTTP/1.1 403"), rebound);
    assertTrue(server.url().startsWith("http://127.0.0.1:"), "loopback by default");
  }

  @Test
  void anAuditorFindsADayInTheCalendarInARealBrowser() throws Exception {
    WebDriver browser = chromium();
    Path shots = Path.of("target", "desk-screenshots");
    Files.createDirectories(shots);
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
    try {
      browser.get(server.url());
      wait.until(d -> !new Select(d.findElement(By.cssSelector("#search-form select[name=bucket]"))).getOptions().isEmpty());
      new Select(browser.findElement(By.cssSelector("#search-form select[name=bucket]"))).selectByValue(BUCKET);
      browser.findElement(By.cssSelector("#search-form input[name=prefix]")).sendKeys(PREFIX);
      browser.findElement(By.id("search-button")).click();
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("search-summary"), "object(s)"));
      Map<String, String> now = sparkChoice(PREFIX, null);
      assertTrue(browser.findElement(By.id("search-summary")).getText().startsWith(String.format("%,d object(s)", now.size())),
          browser.findElement(By.id("search-summary")).getText());
      assertEquals(Math.min(100, now.size()), browser.findElements(By.cssSelector("#search-results tr.version")).size());
      shot(browser, shots.resolve("search.png"));

      // A key named <script>...: shown as text, never run.
      WebElement prefix = browser.findElement(By.cssSelector("#search-form input[name=prefix]"));
      prefix.clear();
      prefix.sendKeys("reports/markup/");
      browser.findElement(By.id("search-button")).click();
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("search-results"), "<script>"));
      assertEquals("reports/markup/<script>alert(1)</script>.json",
          browser.findElement(By.cssSelector("#search-results tr.version td.key")).getText());
      assertNoAlert(browser);

      // The calendar of the prefix for a year with versions; pick the busiest day.
      browser.findElement(By.id("nav-calendar")).click();
      String year = objects().where(col("bucket").equalTo(BUCKET).and(col("key").startsWith(PREFIX)))
          .selectExpr("max(year(last_modified_date))").first().get(0).toString();
      new Select(browser.findElement(By.cssSelector("#calendar-form select[name=bucket]"))).selectByValue(BUCKET);
      browser.findElement(By.cssSelector("#calendar-form input[name=prefix]")).sendKeys(PREFIX);
      WebElement yearBox = browser.findElement(By.cssSelector("#calendar-form input[name=year]"));
      yearBox.clear();
      yearBox.sendKeys(year);
      browser.findElement(By.id("calendar-button")).click();
      wait.until(d -> !d.findElements(By.cssSelector("#calendar-grid .days button")).isEmpty());
      WebElement busiest = null;
      for (WebElement day : browser.findElements(By.cssSelector("#calendar-grid .days button"))) {
        if (busiest == null || Long.parseLong(day.getAttribute("data-count")) > Long.parseLong(busiest.getAttribute("data-count"))) {
          busiest = day;
        }
      }
      String day = busiest.getAttribute("data-day");
      assertTrue(Long.parseLong(busiest.getAttribute("data-count")) > 0, "a day with versions in " + year);
      shot(browser, shots.resolve("calendar.png"));
      busiest.click();
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("day-title"), day));
      wait.until(d -> !d.findElements(By.cssSelector("#day-results tr.version")).isEmpty());
      // What existed at the end of that day, as the catalog's as-of selection says.
      Map<String, String> then = sparkChoice(PREFIX, Instant.parse(day + "T23:59:59.999Z"));
      List<String> listed = new ArrayList<>();
      for (WebElement k : browser.findElements(By.cssSelector("#day-results tr.version td.key a"))) listed.add(k.getText());
      assertEquals(new ArrayList<>(then.keySet()).subList(0, Math.min(1000, then.size())), listed);
      browser.findElement(By.id("day-estimate")).click();
      wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#day-estimate-out code.restore-command")));
      assertTrue(browser.findElement(By.cssSelector("#day-estimate-out code.restore-command")).getText()
          .contains("--as-of " + day + "T23:59:59.999Z"));
      shot(browser, shots.resolve("calendar-day.png"));

      // A key's history, from the day's list.
      String firstKey = listed.get(0);
      browser.findElement(By.cssSelector("#day-results tr.version td.key a")).click();
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("history-summary"), firstKey));
      assertFalse(browser.findElements(By.cssSelector("#history-results tr.version")).isEmpty());
      shot(browser, shots.resolve("history.png"));

      browser.findElement(By.id("nav-runs")).click();
      wait.until(d -> !d.findElements(By.cssSelector("#runs-all tr.run")).isEmpty());
      shot(browser, shots.resolve("runs.png"));
      assertNoAlert(browser);
    } finally {
      browser.quit();
    }
  }

  private static void assertNoAlert(WebDriver browser) {
    try {
      browser.switchTo().alert();
      fail("a script ran from the catalog's data");
    } catch (NoAlertPresentException expected) {
      // nothing ran
    }
  }

  private static void shot(WebDriver browser, Path to) throws Exception {
    Files.write(to, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }

  /** Debian's chromium through its chromedriver: .ci/run installs both; a bare `mvn verify` without them skips. */
  private static WebDriver chromium() {
    Path binary = Path.of("/usr/bin/chromium");
    Path driver = Path.of("/usr/bin/chromedriver");
    boolean present = Files.isExecutable(binary) && Files.isExecutable(driver);
    String why = "needs Debian's chromium and chromium-driver (" + binary + ", " + driver + "); .ci/run installs them";
    if (!present && System.getenv("LAKEVAULT_REQUIRE_BROWSER") != null) fail(why);
    Assumptions.assumeTrue(present, why);
    ChromeOptions o = new ChromeOptions();
    o.setBinary(binary.toFile());
    // The flags this machine's closed network needs (no background connections), a fresh profile.
    o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1400,1000");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
        .usingAnyFreePort().build();
    return new ChromeDriver(service, o);
  }
}
