// Renders every page of the dashboard into docs/screenshots/ at desktop (1280 px) and phone
// (375 px) width, against the real `clv serve` with a generated shop (see e2e/harness.mjs).
//   npm run build && node scripts/screenshots.mjs
import { mkdirSync } from "node:fs";
import path from "node:path";
import { importAndCalculate, launchBrowser, makeOrdersCsv, repoRoot, signUp, startServer } from "../e2e/harness.mjs";

const outDir = path.join(repoRoot, "docs/screenshots");
mkdirSync(outDir, { recursive: true });

const server = await startServer();
const browser = await launchBrowser();
try {
  const csv = makeOrdersCsv(server.dir, { customers: 1500, end: "2025-06-30", seed: 11 });
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);

  await page.goto(`${server.base}/app/sign-in`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.screenshot({ path: path.join(outDir, "sign-in-desktop.png") });

  await signUp(page, server.base, { email: "ana@shop.example", password: "correct horse battery", organization: "Ana Shop" });
  await importAndCalculate(page, csv.file, csv.end);

  await page.goto(`${server.base}/app/customers`);
  const firstHref = await page.getByRole("table", { name: "Customers with their CLV scores" }).locator("tbody tr a").first().getAttribute("href");

  const pages = [
    ["overview", "/app/"],
    ["customers", "/app/customers"],
    ["customer", firstHref ?? "/app/customers/1"],
    ["segments", "/app/segments"],
    ["cohorts", "/app/cohorts"],
    ["forecast", "/app/forecast"],
    ["data", "/app/data"],
    ["settings", "/app/settings"],
  ];
  for (const [width, suffix] of [[1280, "desktop"], [375, "phone"]]) {
    await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
    for (const [name, url] of pages) {
      await page.goto(`${server.base}${url}`);
      await page.locator("main h1").waitFor();
      await page.waitForLoadState("networkidle");
      await page.waitForTimeout(300); // let charts measure their containers
      const file = path.join(outDir, `${name}-${suffix}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`screenshots: ${path.relative(repoRoot, file)}`);
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
