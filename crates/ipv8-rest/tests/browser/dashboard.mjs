// Opens the dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core), waits until health, the peer chart, the message table, the peer list and
// the event log are filled from the live node, saves a screenshot and prints one JSON line with
// what it saw. Then it waits for a line on stdin (the test stops the node's driver and writes
// "deaf"), waits for the red "deaf since …" badge, saves DEAF.png and prints a second line.
// Any console error or warning, uncaught exception or failed request fails it.
//
//   node dashboard.mjs URL SCREENSHOT.png DEAF.png
//
// Exits non-zero with the reason on stderr otherwise.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createInterface } from "node:readline";

const [url, screenshot, deafShot] = process.argv.slice(2);
if (!url || !screenshot || !deafShot) {
  console.error("usage: node dashboard.mjs URL SCREENSHOT.png DEAF.png");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const profile = mkdtempSync(join(tmpdir(), "ipv8-dashboard-"));
const problems = [];

const browser = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 1100 },
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const page = browser.pages()[0] || (await browser.newPage());
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") {
      problems.push(`console ${msg.type()}: ${msg.text()}`);
    }
  });
  page.on("pageerror", (err) => problems.push(`uncaught: ${err.message}`));
  page.on("requestfailed", (req) => {
    // The event stream is cut when the page closes; anything else is a failure.
    if (!req.url().endsWith("/events")) problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
    if (!res.url().startsWith(new URL(url).origin)) problems.push(`off-origin fetch: ${res.url()}`);
  });

  await page.goto(url, { waitUntil: "load" });
  const seen = await page.waitForFunction(() => {
    const chart = document.getElementById("peer-chart");
    const stats = document.querySelectorAll("#stats-table tbody tr").length;
    const peers = document.querySelectorAll("#peers-table tbody tr").length;
    const health = document.getElementById("health").textContent;
    const points = Number(chart.dataset.points || 0);
    const max = Number(chart.dataset.max || 0);
    const events = document.querySelectorAll("#events li").length;
    const polls = window.ipv8Dashboard ? window.ipv8Dashboard.polls : 0;
    if (health === "receiving" && points >= 5 && max >= 1 && stats > 0 && peers > 0 && events > 0 && polls >= 2) {
      return { health, series: Number(chart.dataset.series), points, max, stats, peers, events, polls };
    }
    return false;
  }, null, { timeout: 30000, polling: 250 });
  const result = await seen.jsonValue();
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify(result));

  // Phase two: the node's driver is stopped; the badge must say so.
  const lines = createInterface({ input: process.stdin });
  const [line] = await lines[Symbol.asyncIterator]().next().then((r) => [r.value]);
  lines.close();
  if (line !== "deaf") throw new Error(`expected "deaf" on stdin, got ${line}`);
  const deaf = await page.waitForFunction(() => {
    const badge = document.getElementById("health");
    return badge.className.includes("bad") && badge.textContent.startsWith("deaf since")
      ? { health: badge.textContent } : false;
  }, null, { timeout: 15000, polling: 250 });
  console.log(JSON.stringify(await deaf.jsonValue()));
  await page.screenshot({ path: deafShot, fullPage: false });
  if (problems.length) {
    console.error(problems.join("\n"));
    process.exitCode = 1;
  }
} catch (err) {
  console.error(String(err && err.stack || err));
  if (problems.length) console.error(problems.join("\n"));
  process.exitCode = 1;
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
