// End-to-end: the real `clv serve` (release build) with a fresh SQLite database and the built
// dashboard, driven in Debian's headless Chromium: sign up → import a CSV → run a calculation →
// overview, customers, one customer, segments, cohorts, forecast show the data's own numbers →
// sign out. Every page is also checked with axe-core (no serious or critical violations) and
// the run fails on any console error or uncaught exception. Prints "N passed, N failed".
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { importAndCalculate, launchBrowser, makeOrdersCsv, signUp, startServer } from "./harness.mjs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const results = [];
let currentPage = null;
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    if (currentPage) {
      mkdirSync(new URL("./.out/", import.meta.url), { recursive: true });
      await currentPage.screenshot({ path: new URL("./.out/failure.png", import.meta.url).pathname, fullPage: true }).catch(() => {});
      console.log("       (screenshot: web/e2e/.out/failure.png)");
    }
    console.log(`  FAIL ${name}: ${e instanceof Error ? e.message.split("\n").slice(0, 6).join("\n       ") : e}`);
    throw e;
  }
}

function expect(cond, message) {
  if (!cond) throw new Error(message);
}

async function axeCheck(page, label) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.length === 0, `${label}: axe: ${bad.map((v) => `${v.id} (${v.nodes.length}: ${v.nodes[0]?.target})`).join(", ")}`);
}

const parseNumber = (s) => Number(String(s).replace(/[^0-9.-]/g, ""));

let server;
let browser;
const consoleErrors = [];
try {
  server = await startServer();
  const csv = makeOrdersCsv(server.dir, { customers: 400, end: "2025-06-30", seed: 7 });
  console.log(`e2e: clv serve at ${server.base}; ${csv.customers} customers, ${csv.orders} orders`);
  browser = await launchBrowser();
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  currentPage = page;
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // Before the first calculation /clv/model and /clv/forecast answer 404 ("no model fit yet"),
    // which the dashboard shows as its empty state; Chromium logs every 4xx response itself.
    const url = m.location()?.url ?? "";
    if (/status of 404/.test(m.text()) && /\/clv\/(model|forecast)(\?|$)/.test(url)) return;
    consoleErrors.push(`${page.url()}: ${m.text()} ${url}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  const nav = (name) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();

  await step("the dashboard is served under /app/ with cache headers", async () => {
    const index = await fetch(`${server.base}/app/`);
    expect(index.status === 200, `GET /app/ → ${index.status}`);
    expect(index.headers.get("cache-control") === "no-cache", `index.html Cache-Control: ${index.headers.get("cache-control")}`);
    const html = await index.text();
    const asset = /src="(\/app\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset, "index.html names no hashed script");
    const js = await fetch(`${server.base}${asset}`);
    expect(/immutable/.test(js.headers.get("cache-control") ?? ""), `asset Cache-Control: ${js.headers.get("cache-control")}`);
    expect(!/https?:\/\/(?!127\.0\.0\.1)/.test(html.replace(/http:\/\/www\.w3\.org[^"]*/g, "")), "index.html refers to an external URL");
  });

  await step("sign up", async () => {
    await signUp(page, server.base, { email: "ana@shop.example", password: "correct horse battery", organization: "Ana Shop" });
    await page.getByText("No CLV calculation yet").first().waitFor();
    await axeCheck(page, "overview (empty)");
  });

  await step("import the CSV and run a calculation", async () => {
    const imported = await importAndCalculate(page, csv.file, csv.end);
    expect(imported.includes(`Imported ${csv.orders.toLocaleString("en-US")} rows`), `import said: ${imported}`);
    await axeCheck(page, "data");
  });

  await step("overview shows the data's figures", async () => {
    await nav("Overview");
    const customers = await page.getByTestId("kpi-Customers").textContent();
    expect(parseNumber(customers) === csv.customers, `Customers KPI ${customers}, expected ${csv.customers}`);
    const revenue = await page.getByTestId("kpi-Revenue").textContent();
    expect(/€/.test(revenue ?? ""), `Revenue KPI not in EUR: ${revenue}`);
    await page.getByRole("img", { name: /Revenue forecast/ }).locator("svg path").first().waitFor();
    await page.getByRole("link", { name: /^1\.\s*cust-/ }).waitFor();
    await axeCheck(page, "overview");
  });

  let firstCustomer = "";
  await step("customers table pages on the server", async () => {
    await nav("Customers");
    const table = page.getByRole("table", { name: "Customers with their CLV scores" });
    await table.waitFor();
    const rows = table.locator("tbody tr");
    expect((await rows.count()) === 50, `page 1 has ${await rows.count()} rows`);
    firstCustomer = (await rows.first().locator("a").first().textContent()) ?? "";
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByText("Page 2").waitFor();
    const second = (await rows.first().locator("a").first().textContent()) ?? "";
    expect(second !== firstCustomer, "page 2 starts with the same customer as page 1");
    await page.getByRole("button", { name: "Previous" }).click();
    await page.getByText("Page 1").waitFor();
    await axeCheck(page, "customers");
  });

  await step("one customer", async () => {
    await page.getByRole("table", { name: "Customers with their CLV scores" }).locator("tbody tr").first().locator("a").first().click();
    await page.getByRole("heading", { name: new RegExp(`Customer ${firstCustomer.replace(/cust\d+@.*$/, "")}`) }).waitFor();
    const predicted = await page.getByText("Predicted CLV", { exact: false }).first().locator("xpath=following-sibling::dd[1]").textContent();
    expect(/€\d/.test(predicted ?? ""), `predicted CLV: ${predicted}`);
    await page.getByRole("list", { name: "Orders, newest first" }).locator("li").first().waitFor();
    await page.getByRole("img", { name: /Probability that the customer is still active/ }).locator("svg path").first().waitFor();
    await axeCheck(page, "customer detail");
  });

  await step("segments add up and link to their customers", async () => {
    await nav("Segments");
    const table = page.getByRole("table", { name: "RFM segments" });
    await table.waitFor();
    const counts = await table.locator("tbody tr td:nth-child(2)").allTextContents();
    const sum = counts.reduce((a, t) => a + parseNumber(t), 0);
    expect(sum === csv.customers, `segment counts add up to ${sum}, expected ${csv.customers}`);
    await axeCheck(page, "segments");
    const tile = page.getByRole("list", { name: /RFM segments sized/ }).getByRole("link").first();
    await tile.click();
    await page.waitForURL(/\/app\/customers\?segment=/);
    await page.getByRole("table", { name: "Customers with their CLV scores" }).locator("tbody tr").first().waitFor();
  });

  await step("cohort heatmap", async () => {
    await nav("Cohorts");
    const heat = page.getByRole("table", { name: /Retention by acquisition cohort/ });
    await heat.waitFor();
    const sizes = await heat.locator("tbody tr td:nth-child(2)").allTextContents();
    const total = sizes.reduce((a, t) => a + parseNumber(t), 0);
    expect(total === csv.customers, `cohort sizes add up to ${total}, expected ${csv.customers}`);
    expect((await heat.locator("tbody tr").first().locator("td").nth(1).textContent()) === "100%", "period 0 retention is not 100%");
    await page.getByRole("tab", { name: "LTV" }).click();
    await page.getByRole("table", { name: /LTV by acquisition cohort/ }).waitFor();
    await axeCheck(page, "cohorts");
  });

  await step("forecast and model", async () => {
    await nav("Forecast & model");
    await page.getByRole("img", { name: /Expected repeat revenue per month/ }).locator("svg path").first().waitFor();
    await page.getByRole("heading", { name: "The current fit" }).waitFor();
    const params = page.getByRole("table", { name: /parameters/ }).first();
    const estimate = await params.locator("tbody tr td").first().textContent();
    expect(Number.isFinite(parseNumber(estimate)) && parseNumber(estimate) > 0, `first parameter estimate: ${estimate}`);
    await axeCheck(page, "forecast");
  });

  await step("settings", async () => {
    await nav("Settings");
    await page.getByText("Ana Shop").waitFor();
    await axeCheck(page, "settings");
  });

  await step("a phone-width layout has no horizontal overflow", async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    for (const p of ["/app/", "/app/customers", "/app/segments", "/app/cohorts", "/app/forecast", "/app/data"]) {
      await page.goto(`${server.base}${p}`);
      await page.locator("main h1").waitFor();
      await page.waitForLoadState("networkidle");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow <= 0, `${p} is ${overflow}px wider than the 375px screen`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await step("sign out", async () => {
    await page.goto(`${server.base}/app/`);
    await page.getByRole("button", { name: /Account menu/ }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL(/\/app\/sign-in/);
    await page.goto(`${server.base}/app/customers`);
    await page.waitForURL(/\/app\/sign-in\?next=%2Fcustomers/);
  });

  await step("no console errors", async () => {
    expect(consoleErrors.length === 0, consoleErrors.join("\n"));
  });
} catch (e) {
  if (!results.some((r) => !r.ok)) {
    results.push({ name: "setup", ok: false });
    console.log(`  FAIL setup: ${e instanceof Error ? e.message : e}`);
  }
  if (consoleErrors.length) console.log(`console errors:\n  ${consoleErrors.join("\n  ")}`);
  if (server) console.log(`server output (last 2000 chars):\n${server.output().slice(-2000)}`);
} finally {
  await browser?.close();
  await server?.stop();
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
