// Shared by the end-to-end test and the screenshot script: starts the real `clv serve` on a free
// loopback port with a throwaway SQLite database and the built dashboard, launches Debian's
// Chromium through playwright-core, and makes a deterministic orders CSV.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../..");
export const distDir = path.resolve(here, "../dist");

export function binaryPath() {
  return process.env.CLV_BIN ?? path.join(repoRoot, "build/release/src/clv");
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `clv serve`; resolves once /health answers. `stop()` ends it and removes its files. */
export async function startServer() {
  const bin = binaryPath();
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build the release preset first`);
  if (!existsSync(path.join(distDir, "index.html"))) throw new Error(`${distDir} is missing: run npm run build`);
  const dir = mkdtempSync(path.join(tmpdir(), "clv-web-e2e-"));
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    CLV_LISTEN: `127.0.0.1:${port}`,
    DATABASE_URL: `sqlite:${path.join(dir, "clv.db")}`,
    CLV_DATA_DIR: dir,
    LOG_LEVEL: "warn",
    LOG_FORMAT: "text",
  };
  // cwd is the temp dir so that no .env of the repository is read.
  const child = spawn(bin, ["serve", "--web-root", distDir], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const state = await Promise.race([exited.then(() => "exited"), new Promise((r) => setTimeout(() => r("wait"), 100))]);
    if (state === "exited") throw new Error(`clv serve exited before listening:\n${output}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`clv serve did not answer /health within 30 s:\n${output}`);
    }
  }
  return {
    base,
    dir,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The flags the environment notes list for Debian's Chromium as root in a closed network.
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) throw new Error(`${executablePath} is missing (apt-get install chromium)`);
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An orders CSV for `customers` customers over two years ending at `end` (YYYY-MM-DD): each
 * customer joins at a random day, buys again at exponential gaps until they drop out (a BG/NBD
 * shaped history), spends around their own mean. Returns the file path and its facts.
 */
export function makeOrdersCsv(dir, { customers = 400, end = "2025-06-30", seed = 42 } = {}) {
  const rand = rng(seed);
  const endMs = Date.parse(`${end}T00:00:00Z`);
  const spanDays = 730;
  const lines = ["id,customer_id,placed_at,total,currency,email"];
  let orderId = 1000;
  let revenueCents = 0;
  for (let c = 1; c <= customers; c++) {
    let day = Math.floor(rand() * spanDays * 0.9);
    const rate = 0.005 + rand() * 0.04; // purchases per day
    const dropout = 0.15 + rand() * 0.4; // chance to leave after each purchase
    const mean = 20 + rand() * 120;
    for (;;) {
      const cents = Math.max(100, Math.round((mean * (0.6 + rand() * 0.8)) * 100));
      revenueCents += cents;
      const at = new Date(endMs - (spanDays - day) * 86_400_000 + Math.floor(rand() * 86_400_000));
      lines.push(`${orderId++},cust-${c},${at.toISOString().replace(".000Z", "Z")},${(cents / 100).toFixed(2)},EUR,cust${c}@shop.example`);
      if (rand() < dropout) break;
      day += Math.max(1, Math.round(-Math.log(1 - rand()) / rate));
      if (day >= spanDays) break;
    }
  }
  const file = path.join(dir, "orders.csv");
  writeFileSync(file, lines.join("\n") + "\n");
  return { file, customers, orders: lines.length - 1, revenueCents, end };
}

/** Signs up through the UI; lands on the overview. */
export async function signUp(page, base, { email, password, organization }) {
  await page.goto(`${base}/app/`);
  await page.waitForURL(/\/app\/sign-in/);
  await page.getByRole("link", { name: "Create an organization" }).click();
  await page.getByLabel("Organization").fill(organization);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
}

/** Imports the CSV and runs a calculation as of `asOf` through the Data page. */
export async function importAndCalculate(page, csvFile, asOf, { timeout = 180_000 } = {}) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Data" }).first().click();
  await page.getByLabel("CSV file").setInputFiles(csvFile);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const result = page.getByTestId("import-result");
  await result.waitFor({ timeout: 60_000 });
  const imported = await result.textContent();
  await page.getByLabel("As of (optional)").fill(asOf);
  await page.getByRole("button", { name: "Run calculation" }).click();
  const status = page.getByTestId("job-status");
  await status.getByText(/succeeded|failed/).waitFor({ timeout });
  const text = await status.textContent();
  if (/failed/.test(text ?? "")) throw new Error(`the calculation failed: ${text}`);
  return imported;
}
