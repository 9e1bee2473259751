// Dashboard performance at a million customers (issue 5): "initial JS <= 250 KB gzipped; on
// localhost the overview is interactive in < 1 s; the customers table stays smooth with
// 1,000,000 customers (server-side paging)".
//
//   cd web && npm run build && npm run perf -- [options]
//     --data DIR       where the tenant lives (default $TMPDIR/clv-webperf-1m); reused when it
//                      holds a finished calculation for the same --orders/--pool, else rebuilt
//     --orders N       generated orders (default 5000000)
//     --pool N         customer numbers drawn from (default 1042000: ~1,001,000 customers)
//     --postgres URL   use this PostgreSQL database instead of SQLite in DIR (it is prepared
//                      when it has no finished calculation; DIR keeps the keys and the marker)
//     --runs N         passes per measurement after the cold one (default 3; medians printed)
//     --json FILE      also write every figure as JSON
//   env: CLV_BIN (default ../build/release/src/clv), CHROMIUM (default /usr/bin/chromium)
//
// Preparing (once, minutes): bench/gen_orders_csv.cc (seed 42) writes the orders CSV into DIR,
// `clv user create` + `clv import` load it, `clv serve` runs POST /clv/calculate and the job is
// polled to the end; the CSV is deleted afterwards. Nothing is written into the repository.
//
// Measuring: a fresh `clv serve` over that tenant serves the built dashboard (web/dist). In
// headless Chromium (the e2e harness's flags), each pass opens a new browser context signed in
// with a fresh refresh token (as a returning user: the app refreshes it on load):
//  - overview: navigation start -> KPI cards, the forecast chart and the top customers rendered
//    with data AND the main thread idle (no long task for 500 ms; a PerformanceObserver
//    `longtask` started before any script). Interactive = max(content ready, end of the last
//    long task). Also: long tasks, total blocking time, and each API request's latency
//    (Resource Timing: request start -> response end).
//  - customers: first page (direct load of /app/customers), next page, sort change (Historical
//    CLV), filter by segment, find by shop id (the search box: lookup until the customer's page
//    shows), each from the triggering event to the table showing the new rows (two frames
//    later, i.e. painted); and scrolling the page of 50 rows top to bottom and back (rAF deltas).
// The first pass after `clv serve` starts is "cold" (empty server caches, new process), the
// following ones are "warm". Prints markdown tables; initial JS is summed from web/dist (gzip -9
// of every script the overview loads on a first visit).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { binaryPath, distDir, launchBrowser, repoRoot } from "../e2e/harness.mjs";
import { createServer } from "node:net";

const args = process.argv.slice(2);
function opt(name, def) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
}
const dataDir = path.resolve(opt("data", path.join(tmpdir(), "clv-webperf-1m")));
const orders = Number(opt("orders", "5000000"));
const pool = Number(opt("pool", "1042000"));
const pgUrl = opt("postgres", null);
const runs = Number(opt("runs", "3"));
const jsonOut = opt("json", null);
const EMAIL = "owner@example.com";
const PASSWORD = "perf-password-1";
const bin = binaryPath();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const fmt = (v, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : "–");

function serverEnv(port) {
  return {
    PATH: process.env.PATH,
    HOME: dataDir,
    DATABASE_URL: pgUrl ?? `sqlite:${path.join(dataDir, "clv.db")}`,
    CLV_DATA_DIR: dataDir,
    CLV_ACCESS_TOKEN_TTL_SECONDS: "86400",
    LOG_LEVEL: "warn",
    LOG_FORMAT: "text",
    ...(port ? { CLV_LISTEN: `127.0.0.1:${port}` } : {}),
  };
}

function run(cmd, argv, { input, env } = {}) {
  const r = spawnSync(cmd, argv, { cwd: dataDir, env: env ?? serverEnv(), input, stdio: ["pipe", "pipe", "pipe"], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return String(r.stdout);
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

/** `clv serve` over the perf tenant; stop() ends it. */
async function startServer() {
  const port = await freePort();
  const child = spawn(bin, ["serve", "--web-root", distDir], { cwd: dataDir, env: serverEnv(port), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`clv serve exited:\n${output}`);
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`clv serve did not answer /health:\n${output}`);
    }
    await sleep(100);
  }
  return {
    base,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

async function login(base) {
  const res = await fetch(`${base}/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
  if (!res.ok) throw new Error(`login: ${res.status} ${await res.text()}`);
  return res.json();
}

/** CPU seconds (user+sys) of a process so far, from /proc. */
function procCpu(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

// ---- Preparing the tenant ----------------------------------------------------------------------

const marker = path.join(dataDir, "perf-tenant.json");

async function prepare() {
  const want = { orders, pool, seed: 42, database: pgUrl ? "postgres" : "sqlite" };
  if (existsSync(marker)) {
    const have = JSON.parse(readFileSync(marker, "utf8"));
    if (have.orders === orders && have.pool === pool && have.database === want.database && have.job === "succeeded") return have;
    console.log(`perf: ${dataDir} holds another tenant (${JSON.stringify(have)}); rebuilding`);
  }
  if (!pgUrl) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const t0 = Date.now();
  const gen = path.join(dataDir, "gen_orders_csv");
  run("g++", ["-O2", "-std=c++20", "-o", gen, path.join(repoRoot, "bench/gen_orders_csv.cc")]);
  const csv = path.join(dataDir, "orders.csv");
  const out = spawnSync("sh", ["-c", `"${gen}" --rows ${orders} --customers ${pool} --seed 42 > "${csv}"`], { stdio: "inherit" });
  if (out.status !== 0) throw new Error("gen_orders_csv failed");
  console.log(`perf: generated ${orders} orders in ${((Date.now() - t0) / 1000).toFixed(0)} s; importing`);
  run(bin, ["user", "create", "--email", EMAIL, "--organization", "Perf", "--password-stdin"], { input: `${PASSWORD}\n` });
  const t1 = Date.now();
  const imported = run(bin, ["import", csv, "--email", EMAIL]);
  console.log(`perf: import ${((Date.now() - t1) / 1000).toFixed(0)} s: ${imported.trim().split("\n").pop()}`);
  rmSync(csv, { force: true });
  const server = await startServer();
  try {
    const { access_token } = await login(server.base);
    const auth = { Authorization: `Bearer ${access_token}` };
    const t2 = Date.now();
    const res = await fetch(`${server.base}/clv/calculate`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify({ as_of: "2023-12-31" }) });
    if (!res.ok) throw new Error(`calculate: ${res.status} ${await res.text()}`);
    const { job_id } = await res.json();
    let job;
    for (;;) {
      await sleep(1000);
      job = await (await fetch(`${server.base}/jobs/${job_id}`, { headers: auth })).json();
      if (job.status === "succeeded" || job.status === "failed") break;
    }
    if (job.status !== "succeeded") throw new Error(`calculation failed: ${JSON.stringify(job)}`);
    console.log(`perf: calculation ${((Date.now() - t2) / 1000).toFixed(0)} s`);
    const info = { ...want, job: job.status, prepared_at: new Date().toISOString(), customers: job.result?.customers ?? null };
    writeFileSync(marker, JSON.stringify(info, null, 2));
    return info;
  } finally {
    await server.stop();
  }
}

// ---- Initial JS --------------------------------------------------------------------------------

/** Scripts of index.html (entry + modulepreloads) and their gzip -9 sizes. */
function initialJs(loadedOnOverview) {
  const html = readFileSync(path.join(distDir, "index.html"), "utf8");
  const entry = [...html.matchAll(/(?:src|href)="\/app\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  const files = [...new Set([...entry, ...loadedOnOverview])];
  const sizes = files.map((f) => {
    const buf = readFileSync(path.join(distDir, f));
    return { file: f, raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
  });
  return {
    entry: sizes.filter((s) => entry.includes(s.file)),
    overview: sizes,
    entryGzip: sizes.filter((s) => entry.includes(s.file)).reduce((a, s) => a + s.gzip, 0),
    overviewGzip: sizes.reduce((a, s) => a + s.gzip, 0),
  };
}

// ---- In-page instrumentation -------------------------------------------------------------------

// Runs before any of the app's scripts: long tasks from the start, and (once) the session.
const INIT = `
  window.__longtasks = [];
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longtasks.push([e.startTime, e.duration]); })
      .observe({ type: "longtask", buffered: true });
  } catch (e) {}
`;

function sessionInit(refreshToken) {
  return `if (!sessionStorage.getItem("perf.seeded")) {
    sessionStorage.setItem("perf.seeded", "1");
    localStorage.setItem("clv.refresh_token", ${JSON.stringify(refreshToken)});
    localStorage.setItem("clv.profile", JSON.stringify({ email: ${JSON.stringify(EMAIL)}, organization: "Perf" }));
  }`;
}

/** Waits in the page until `cond()` holds (checked every frame), then two more frames. */
async function until(page, condSource, timeout = 60_000) {
  return page.evaluate(
    ([src, timeoutMs]) =>
      new Promise((resolve, reject) => {
        const cond = new Function(`return (${src})`);
        const t0 = performance.now();
        const tick = () => {
          let ok = false;
          try {
            ok = cond();
          } catch {
            ok = false;
          }
          if (ok) {
            const at = performance.now();
            requestAnimationFrame(() => requestAnimationFrame(() => resolve(at)));
          } else if (performance.now() - t0 > timeoutMs) reject(new Error(`timed out waiting for ${src}`));
          else requestAnimationFrame(tick);
        };
        tick();
      }),
    [condSource, timeout],
  );
}

/** Resolves once no long task has been seen for `quietMs`; returns the end of the last one. */
async function mainThreadIdle(page, quietMs = 500) {
  return page.evaluate(
    (quiet) =>
      new Promise((resolve) => {
        const check = () => {
          const lt = window.__longtasks;
          const lastEnd = lt.length ? Math.max(...lt.map(([s, d]) => s + d)) : 0;
          if (performance.now() - lastEnd >= quiet) resolve(lastEnd);
          else setTimeout(check, 50);
        };
        check();
      }),
    quietMs,
  );
}

async function apiTimings(page, since = 0) {
  return page.evaluate(
    (t) =>
      performance
        .getEntriesByType("resource")
        .filter((e) => (e.initiatorType === "fetch" || e.initiatorType === "xmlhttprequest") && e.startTime >= t)
        .map((e) => {
          const u = new URL(e.name);
          return { path: u.pathname + u.search, start: e.startTime, ms: e.responseEnd - e.startTime, ttfb: e.responseStart - e.requestStart };
        }),
    since,
  );
}

const OVERVIEW_READY = `document.querySelectorAll('[data-testid^="kpi-"]').length >= 7 &&
  document.querySelector('[aria-label^="Revenue forecast"] svg path') !== null &&
  [...document.querySelectorAll("h2, h3")].some((h) => h.textContent.includes("Top customers")) &&
  document.querySelectorAll('ol li a[href*="/customers/"]').length >= 10`;

async function newSignedInPage(browser, base) {
  const { refresh_token } = await login(base);
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
  await context.addInitScript(INIT);
  await context.addInitScript(sessionInit(refresh_token));
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  return { context, page, errors };
}

async function measureOverview(browser, base) {
  const { context, page } = await newSignedInPage(browser, base);
  try {
    const scripts = [];
    page.on("response", (r) => {
      const u = new URL(r.url());
      if (u.pathname.endsWith(".js")) scripts.push(u.pathname.replace(/^\/app\//, ""));
    });
    // Renderer main-thread CPU (ThreadTime) and busy time (TaskDuration): less sensitive to a
    // loaded machine than the wall-clock figures.
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const metrics = async () => Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
    const m0 = await metrics();
    await page.goto(`${base}/app/`, { waitUntil: "commit" });
    const ready = await until(page, OVERVIEW_READY);
    const lastLongTaskEnd = await mainThreadIdle(page);
    const m1 = await metrics();
    // The rest of the page: CLV by tier (GET /clv/segments, an aggregate over every score).
    const complete = await until(page, `document.querySelector('[aria-label="Share of predicted CLV by customer tier"] li') !== null`, 120_000);
    const longtasks = await page.evaluate(() => window.__longtasks);
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType("navigation")[0];
      return { domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd };
    });
    const fcp = await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN);
    const api = await apiTimings(page);
    await page.evaluate(() => performance.clearResourceTimings());
    // A warm reload in the same context: HTTP cache primed, session kept by the app.
    await page.evaluate(() => (window.__longtasks = []));
    await page.reload({ waitUntil: "commit" });
    const readyReload = await until(page, OVERVIEW_READY);
    const lastReload = await mainThreadIdle(page);
    const apiReload = await apiTimings(page);
    return {
      ready,
      mainThreadCpu: ((m1.ThreadTime ?? NaN) - (m0.ThreadTime ?? NaN)) * 1000,
      taskDuration: ((m1.TaskDuration ?? NaN) - (m0.TaskDuration ?? NaN)) * 1000,
      scriptDuration: ((m1.ScriptDuration ?? NaN) - (m0.ScriptDuration ?? NaN)) * 1000,
      interactive: Math.max(ready, lastLongTaskEnd),
      complete,
      fcp,
      domContentLoaded: nav.domContentLoaded,
      longTasks: longtasks.length,
      totalBlocking: longtasks.reduce((a, [, d]) => a + Math.max(0, d - 50), 0),
      longestTask: longtasks.reduce((a, [, d]) => Math.max(a, d), 0),
      api,
      scripts: [...new Set(scripts)],
      reloadInteractive: Math.max(readyReload, lastReload),
      apiReload,
    };
  } finally {
    await context.close();
  }
}

const FIRST_ROW = `(document.querySelector("table tbody tr a")?.getAttribute("href") ?? "")`;
const TABLE_IDLE = `document.querySelector("table")?.getAttribute("aria-busy") !== "true"`;

/** Runs `action` in the page and times until `cond` holds (painted). */
async function timed(page, actionSource, condSource) {
  return page.evaluate(
    ([action, cond]) =>
      new Promise((resolve, reject) => {
        const check = new Function(`return (${cond})`);
        const t0 = performance.now();
        new Function(action)();
        const tick = () => {
          let ok = false;
          try {
            ok = check();
          } catch {
            ok = false;
          }
          if (ok) requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
          else if (performance.now() - t0 > 60_000) reject(new Error(`timed out: ${cond}`));
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    [actionSource, condSource],
  );
}

async function scrollFrames(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const max = document.documentElement.scrollHeight - window.innerHeight;
        const deltas = [];
        let last = performance.now();
        let y = 0;
        let dir = 1;
        let trips = 0;
        const step = Math.max(40, Math.ceil(max / 60));
        const frame = (now) => {
          deltas.push(now - last);
          last = now;
          y += dir * step;
          if (y >= max) {
            y = max;
            dir = -1;
            trips++;
          } else if (y <= 0) {
            y = 0;
            dir = 1;
            trips++;
          }
          window.scrollTo(0, y);
          if (trips >= 2 || deltas.length > 600) resolve({ scrollable: max, deltas: deltas.slice(1) });
          else requestAnimationFrame(frame);
        };
        requestAnimationFrame((t) => {
          last = t;
          requestAnimationFrame(frame);
        });
      }),
  );
}

async function measureCustomers(browser, base) {
  const { context, page, errors } = await newSignedInPage(browser, base);
  try {
    const out = {};
    await page.goto(`${base}/app/customers`, { waitUntil: "commit" });
    out.firstPage = await until(page, `document.querySelectorAll("table tbody tr").length >= 50 && ${TABLE_IDLE}`);
    await mainThreadIdle(page, 300);
    const mark = await page.evaluate(() => performance.now());
    let before = await page.evaluate(FIRST_ROW);
    out.nextPage = await timed(
      page,
      `[...document.querySelectorAll("button")].find((b) => b.textContent.trim() === "Next").click()`,
      `${FIRST_ROW} !== ${JSON.stringify(before)} && ${TABLE_IDLE}`,
    );
    before = await page.evaluate(FIRST_ROW);
    out.sortChange = await timed(
      page,
      `[...document.querySelectorAll("th button")].find((b) => b.textContent.includes("Historical CLV")).click()`,
      `location.search.includes("historical_clv") && ${FIRST_ROW} !== ${JSON.stringify(before)} && ${TABLE_IDLE}`,
    );
    // The segment with the fewest customers: the filter that has to skip the most rows.
    await until(page, `document.querySelectorAll("#segment option").length > 1`, 120_000);
    const segment = await page.evaluate(async () => {
      const opts = [...document.querySelectorAll("#segment option")].map((o) => o.value).filter(Boolean);
      return opts;
    });
    const seg = await (async () => {
      const { access_token } = await login(base);
      const s = await (await fetch(`${base}/clv/segments`, { headers: { Authorization: `Bearer ${access_token}` } })).json();
      const list = (s.segments ?? []).filter((x) => x.customers > 0 && segment.includes(x.key)).sort((a, b) => a.customers - b.customers);
      return list[0];
    })();
    out.segment = seg ? `${seg.key} (${seg.customers} customers)` : "none";
    if (seg) {
      before = await page.evaluate(FIRST_ROW);
      out.filterSegment = await timed(
        page,
        `const s = document.querySelector("#segment");
         Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value").set.call(s, ${JSON.stringify(seg.key)});
         s.dispatchEvent(new Event("change", { bubbles: true }));`,
        `location.search.includes("segment=") && ${FIRST_ROW} !== ${JSON.stringify(before)} && ${TABLE_IDLE}`,
      );
    }
    await mainThreadIdle(page, 300);
    const scroll = await scrollFrames(page);
    out.scroll = {
      scrollable: scroll.scrollable,
      frames: scroll.deltas.length,
      p50: pct(scroll.deltas, 50),
      p95: pct(scroll.deltas, 95),
      max: Math.max(...scroll.deltas),
      over50: scroll.deltas.filter((d) => d > 50).length,
    };
    // Find by shop id: the lookup, then the customer's page with its numbers.
    const external = await page.evaluate(() => document.querySelector("table tbody tr a")?.firstChild?.textContent ?? "");
    out.search = await timed(
      page,
      `const i = document.querySelector("#external_id");
       Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(i, ${JSON.stringify(external)});
       i.dispatchEvent(new Event("input", { bubbles: true }));
       i.form.requestSubmit();`,
      `/\\/customers\\/\\d+/.test(location.pathname) && [...document.querySelectorAll("h1")].some((h) => h.textContent.includes(${JSON.stringify(external)}))`,
    );
    out.api = await apiTimings(page, mark);
    const lt = await page.evaluate(() => window.__longtasks);
    out.longTasks = lt.length;
    out.longestTask = lt.reduce((a, [, d]) => Math.max(a, d), 0);
    out.errors = errors;
    return out;
  } finally {
    await context.close();
  }
}

// ---- Main --------------------------------------------------------------------------------------

if (!existsSync(bin)) throw new Error(`${bin} is missing: build clv (cmake --build build/release --target clv) or set CLV_BIN`);
if (!existsSync(path.join(distDir, "index.html"))) throw new Error(`${distDir} is missing: npm run build`);
const tenant = await prepare();
const load0 = loadavg().map((x) => x.toFixed(2)).join(" ");
const git = spawnSync("git", ["-C", repoRoot, "rev-parse", "--short", "HEAD"]).stdout?.toString().trim();
console.log(`perf: ${cpus().length} × ${cpus()[0]?.model}, ${new Date().toISOString()}, commit ${git}, load ${load0}`);
console.log(`perf: tenant ${JSON.stringify(tenant)}; clv ${bin} (${statSync(bin).mtime.toISOString()})`);

const server = await startServer();
const browser = await launchBrowser();
const results = { overview: [], customers: [] };
let cpu0 = procCpu(server.pid);
try {
  for (let i = 0; i <= runs; i++) {
    results.overview.push(await measureOverview(browser, server.base));
    results.customers.push(await measureCustomers(browser, server.base));
  }
} finally {
  await browser.close();
  cpu0 = procCpu(server.pid) - cpu0;
  await server.stop();
}

const js = initialJs(results.overview[0].scripts);
const cold = (k, src) => src[0][k];
const warm = (k, src) => median(src.slice(1).map((r) => r[k]));
const row = (label, k, src, target) => `| ${label} | ${fmt(cold(k, src))} | ${fmt(warm(k, src))} | ${target ?? ""} |`;

console.log(`\nload after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}; clv serve CPU during the passes: ${cpu0.toFixed(1)} s`);
console.log(`\n| initial JS (gzip -9) | KB |\n|---|---|`);
console.log(`| entry (index.html scripts + modulepreloads) | ${(js.entryGzip / 1024).toFixed(1)} |`);
console.log(`| everything the overview loads on a first visit (${js.overview.length} files) | ${(js.overviewGzip / 1024).toFixed(1)} |`);

const o = results.overview;
console.log(`\n| overview (ms from navigation start) | cold | warm (median of ${runs}) | target |\n|---|---|---|---|`);
console.log(row("first contentful paint", "fcp", o));
console.log(row("content ready (KPIs, forecast chart, top customers)", "ready", o));
console.log(row("**interactive** (ready and main thread idle)", "interactive", o, "< 1000"));
console.log(row("interactive after a reload (HTTP cache warm)", "reloadInteractive", o, "< 1000"));
console.log(row("whole page incl. CLV by tier (/clv/segments)", "complete", o));
console.log(row("renderer main thread CPU until interactive (ThreadTime)", "mainThreadCpu", o));
console.log(row("renderer main thread busy (TaskDuration; script part next)", "taskDuration", o));
console.log(row("script execution (ScriptDuration)", "scriptDuration", o));
console.log(row("long tasks (count)", "longTasks", o));
console.log(row("longest task", "longestTask", o));
console.log(row("total blocking time", "totalBlocking", o));

const apiRows = (list) => {
  const by = new Map();
  for (const r of list) {
    r.forEach((a) => {
      const k = a.path.replace(/cursor=[^&]+/, "cursor=…").replace(/\/customers\/\d+/, "/customers/:id").replace(/external_id=[^&]+/, "external_id=…");
      if (!by.has(k)) by.set(k, []);
      by.get(k).push(a.ms);
    });
  }
  return by;
};
const coldApi = apiRows([o[0].api]);
const warmApi = apiRows(o.slice(1).map((r) => r.api));
console.log(`\n| overview API request | cold ms | warm ms (median) |\n|---|---|---|`);
for (const [k, v] of coldApi) console.log(`| ${k} | ${fmt(median(v))} | ${fmt(median(warmApi.get(k) ?? []))} |`);

const c = results.customers;
console.log(`\n| customers table (ms, action → new rows painted) | cold | warm (median of ${runs}) |\n|---|---|---|`);
console.log(row("first page (load of /app/customers)", "firstPage", c));
console.log(row("next page", "nextPage", c));
console.log(row("sort change (Historical CLV)", "sortChange", c));
console.log(row(`filter by segment (${c[0].segment})`, "filterSegment", c));
console.log(row("find by shop id → customer page", "search", c));
console.log(row("long tasks (count)", "longTasks", c));
console.log(row("longest task", "longestTask", c));
const sc = (k) => ({ cold: c[0].scroll[k], warm: median(c.slice(1).map((r) => r.scroll[k])) });
for (const [label, k] of [["scroll frame p50", "p50"], ["scroll frame p95", "p95"], ["scroll frame max", "max"], ["frames > 50 ms", "over50"], ["frames", "frames"]]) {
  const v = sc(k);
  console.log(`| ${label} | ${fmt(v.cold, 1)} | ${fmt(v.warm, 1)} |`);
}
const cApiCold = apiRows([c[0].api]);
const cApiWarm = apiRows(c.slice(1).map((r) => r.api));
console.log(`\n| customers API request | cold ms | warm ms (median) |\n|---|---|---|`);
for (const [k, v] of cApiCold) console.log(`| ${k} | ${fmt(median(v))} | ${fmt(median(cApiWarm.get(k) ?? []))} |`);
const errs = [...o, ...c].flatMap((r) => r.errors ?? []);
if (errs.length) console.log(`\npage errors: ${errs.join("; ")}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ tenant, load: load0, js, results }, null, 2));
