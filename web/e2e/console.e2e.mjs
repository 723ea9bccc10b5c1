// End-to-end test of the web console in a real browser: starts `suanli serve --demo` on a temp
// SQLite database (serving web/dist), then playwright-core drives Debian's Chromium headless
// through every role: the map and its totals (checked against GET /capacity), a site's
// details, the operations overview, the market with a facet, match and submit a job, watch it
// run, see it on the bill and the ledger, a voucher applied (buyer) and approved (regulator),
// the regulator's view and the guide. Screenshots of each page go to $SUANLI_SCREENSHOTS
// (docs/screenshots to refresh the README's) or else $SUANLI_E2E_OUT (default web/e2e/out).
//
// Env: SUANLI_BIN (default build/suanli), SUANLI_WEB_ROOT (default web/dist), CHROMIUM
// (default /usr/bin/chromium). Exit 77 (ctest: skipped) when Chromium is not installed.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const bin = process.env.SUANLI_BIN ?? join(repo, "build/suanli");
const webRoot = process.env.SUANLI_WEB_ROOT ?? join(repo, "web/dist");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const shots = resolve(process.env.SUANLI_SCREENSHOTS ?? process.env.SUANLI_E2E_OUT ?? join(here, "out"));

if (!existsSync(browserPath)) {
  console.log(`web_e2e: skipped: no Chromium at ${browserPath} (scripts/setup.sh --test installs it)`);
  process.exit(77);
}
for (const [what, path] of [["suanli binary", bin], ["built console", join(webRoot, "index.html")]]) {
  if (!existsSync(path)) {
    console.error(`web_e2e: no ${what} at ${path} (build it: cmake --build build; cd web && npm run build)`);
    process.exit(1);
  }
}
mkdirSync(shots, { recursive: true });

let passed = 0;
let failed = 0;
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
    throw e;
  }
}
function check(cond, msg) {
  if (!cond) throw new Error("check failed: " + msg);
}

// ---- the server ----------------------------------------------------------------------------
const tmp = mkdtempSync(join(tmpdir(), "suanli-web-e2e-"));
const db = join(tmp, "e2e.db");
// The demo's local node agent is not part of what this test drives: leave it out when the
// binary has one (the demo's simulated nodes still run the jobs).
const serveHelp = spawnSync(bin, ["serve", "--help"], { encoding: "utf8" }).stdout ?? "";
const serveArgs = ["serve", "--demo", "--db", db, "--listen", "127.0.0.1:0", "--web-root", webRoot];
if (serveHelp.includes("--no-demo-agent")) serveArgs.push("--no-demo-agent");
const server = spawn(bin, serveArgs, {
  env: { ...process.env, SUANLI_BILLING_INTERVAL_S: "1" },
  stdio: ["ignore", "ignore", "pipe"],
});
let serverLog = "";
const base = await new Promise((res, rej) => {
  const timer = setTimeout(() => rej(new Error("server not ready in 240 s:\n" + serverLog)), 240_000);
  server.stderr.on("data", (d) => {
    serverLog += d;
    const m = /serving \S+ store on (http:\/\/[\d.]+:\d+) \(ready\)/.exec(serverLog);
    if (m) {
      clearTimeout(timer);
      res(m[1]);
    }
  });
  server.on("exit", (code) => rej(new Error(`server exited (${code}):\n${serverLog}`)));
});
server.removeAllListeners("exit");
console.log(`web_e2e: server at ${base}, screenshots to ${shots}`);

// Tokens by role from the demo's tokens file: "roles org user token".
const tokens = {};
for (const line of readFileSync(db + ".tokens", "utf8").split("\n")) {
  if (!line || line.startsWith("#")) continue;
  const [roles, org, user, token] = line.split(/\s+/);
  for (const role of roles.split(",")) if (!tokens[role] && roles.split(",").length === 1) tokens[role] = { org, user, token };
}
for (const role of ["operator", "regulator", "buyer", "supplier"]) check(tokens[role], `a ${role} token in the tokens file`);

async function api(role, path, init = {}) {
  const res = await fetch(base + "/api/v1" + path, {
    ...init,
    headers: { Authorization: "Bearer " + tokens[role].token, "Content-Type": "application/json", ...(init.headers ?? {}) },
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

// ---- the browser ---------------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: browserPath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const consoleErrors = [];

async function asRole(role, fn, viewport = { width: 1440, height: 900 }) {
  const ctx = await browser.newContext({ viewport, locale: "zh-CN", deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30_000);
  page.on("pageerror", (e) => consoleErrors.push(`${role}: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && !/status of 40[34]/.test(m.text()) && consoleErrors.push(`${role}: ${m.text()}`));
  try {
    await page.goto(base + "/");
    await page.fill("input[name=token]", tokens[role].token);
    await page.press("input[name=token]", "Enter");
    await page.waitForSelector("[data-testid=who]");
    check((await page.textContent("[data-testid=who]")).includes(tokens[role].user), `${role} is shown as ${tokens[role].user}`);
    await fn(page);
  } finally {
    await ctx.close();
  }
}

async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0)); // the first screen
  await page.waitForTimeout(800); // let charts finish their animation
  await page.screenshot({ path: join(shots, name + ".png"), fullPage: false });
}

async function go(page, path) {
  await page.click(`nav a[href="${path}"]`);
  await page.waitForURL(base + path);
}

const rows = (page, testid) => page.locator(`[data-testid=${testid}] tbody tr`);
let jobId = "";
let appId = "";

try {
  await step("login page renders in Chinese and rejects a bad token", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
    const page = await ctx.newPage();
    await page.goto(base + "/jobs");
    await page.waitForSelector("input[name=token]");
    check((await page.textContent("h1")).includes("登录"), "Chinese login title");
    await shot(page, "login");
    await page.fill("input[name=token]", "sl_not_a_real_token");
    await page.press("input[name=token]", "Enter");
    await page.waitForSelector("[role=alert]");
    await ctx.close();
  });

  await step("operator: the map with totals from GET /capacity, a site's pools, nodes and offers", () =>
    asRole("operator", async (page) => {
      await page.waitForURL(base + "/map");
      const cap = await api("operator", "/capacity");
      const cores = cap.total.cpu_cores.toLocaleString("zh-CN");
      await page.waitForFunction((c) => document.querySelector("[data-testid=kpi-cores] .kpi-value")?.textContent === c, cores);
      await page.waitForSelector("[data-testid=china-map] canvas");
      await page.waitForSelector("[data-live=events]"); // live updates over GET /events
      check((await rows(page, "sites-table").count()) > 0, "sites listed");
      await rows(page, "sites-table").first().focus();
      await page.keyboard.press("Enter"); // keyboard: open the site
      await page.waitForSelector("[data-testid=site-detail] table tbody tr");
      await shot(page, "map");
      await go(page, "/ops");
      await page.waitForSelector("[data-testid=ops-table] tbody tr");
      await shot(page, "ops");
      await page.keyboard.press("Alt+1"); // keyboard: back to the map
      await page.waitForURL(base + "/map");
      // The first screen of a fresh load (token remembered): the map's totals filled in.
      const t0 = Date.now();
      await page.reload();
      await page.waitForFunction((c) => document.querySelector("[data-testid=kpi-cores] .kpi-value")?.textContent === c, cores);
      await page.waitForSelector("[data-testid=china-map] canvas");
      console.log(`     first screen of the map after a reload: ${Date.now() - t0} ms`);
      await page.click("[data-testid=lang]");
      await page.waitForSelector("nav a:has-text('Market')");
      await page.waitForSelector("[data-testid=china-map] canvas");
      await shot(page, "map-en");
      await page.click("[data-testid=lang]");
    }),
  );

  await step("operator on a large screen", () =>
    asRole(
      "operator",
      async (page) => {
        await page.waitForSelector("[data-testid=sites-table] tbody tr");
        await shot(page, "map-large");
      },
      { width: 2560, height: 1440 },
    ),
  );

  await step("buyer: market search with a facet, match, submit, watch the job, see it on the bill", () =>
    asRole("buyer", async (page) => {
      await go(page, "/market");
      await page.waitForSelector("[data-testid=offers-table] tbody tr");
      const total0 = await page.textContent("[data-testid=market-total]");
      const vendor = page.locator("[data-facet=vendor] label").first();
      const vendorName = (await vendor.locator("span").first().textContent()).trim();
      await vendor.locator("input").check();
      await page.waitForFunction((t0) => document.querySelector("[data-testid=market-total]")?.textContent !== t0, total0);
      const models = await page.locator("[data-testid=offers-table] tbody tr td:nth-child(2)").allTextContents();
      check(models.length > 0 && models.every((m) => m.includes(vendorName)), `every offer is ${vendorName}: ${models.slice(0, 3)}`);
      await shot(page, "market");

      await go(page, "/match");
      await page.fill("input[name=name]", "e2e-train");
      await page.click("[role=tab]:has-text('YAML')"); // the same spec as YAML; match from it
      await page.waitForFunction(() => document.querySelector("[data-testid=match-yaml]")?.value.includes("name: e2e-train"));
      await page.click("[data-testid=run-match]");
      const planned = await Promise.race([
        page.waitForSelector("[data-testid=submit-plan]").then(() => true),
        page.waitForSelector("text=/匹配接口尚未上线/").then(() => false),
      ]);
      await shot(page, "match");
      await page.click(planned ? "[data-testid=submit-plan] >> nth=0" : "[data-testid=submit-direct]");
      await page.waitForURL(/\/jobs\/[^/]+$/);
      jobId = decodeURIComponent(page.url().split("/jobs/")[1]);
      console.log(`     job ${jobId} (${planned ? "matched plan" : "submitted directly"})`);
      await page.waitForSelector("[data-testid=job-detail]");
      await page.waitForSelector("[data-testid=job-detail][data-state=running], [data-testid=job-detail][data-state=succeeded]", { timeout: 120_000 });
      await page.waitForSelector("[data-testid=placement-table] tbody tr");
      await page.waitForSelector("[data-testid=job-bill-lines] tbody tr", { timeout: 120_000 });
      await shot(page, "job");

      await go(page, "/jobs");
      await page.waitForSelector(`[data-testid=jobs-table] a[href="/jobs/${encodeURIComponent(jobId)}"]`);
      await shot(page, "jobs");

      await go(page, "/ledger");
      await page.waitForSelector("[data-testid=balance]");
      await page.waitForSelector(`[data-testid=statement-lines] a[href="/jobs/${encodeURIComponent(jobId)}"]`, { timeout: 60_000 });
      await shot(page, "ledger");

      await go(page, "/vouchers");
      await page.waitForSelector("[data-testid=programmes-table] tbody tr");
      await page.fill("[data-testid=apply-form] input[name=contract]", "12000");
      const ids = async () => page.locator("[data-testid=applications-table] tbody tr code").allTextContents();
      const before = await ids();
      await page.click("[data-testid=apply-form] button[type=submit]");
      await page.waitForFunction((n) => document.querySelectorAll("[data-testid=applications-table] tbody tr").length > n, before.length);
      appId = (await ids()).find((id) => !before.includes(id));
      check(appId, "a new application is listed");
      const newest = page.locator("[data-testid=applications-table] tbody tr", { hasText: appId });
      check((await newest.locator(".badge").getAttribute("data-value")) === "pending", "the new application is pending");
      console.log(`     voucher application ${appId}`);
    }),
  );

  await step("regulator: approve the application, oversight view and audit trail, guide", () =>
    asRole("regulator", async (page) => {
      await go(page, "/vouchers");
      await page.click(`[data-testid=approve-${appId}]`);
      await page.waitForFunction(
        (id) => [...document.querySelectorAll("[data-testid=applications-table] tbody tr")].some((r) => r.textContent.includes(id) && r.querySelector(".badge")?.getAttribute("data-value") === "approved"),
        appId,
      );
      const apps = await api("regulator", "/vouchers/applications");
      check(apps.items.find((a) => a.id === appId)?.state === "approved", "approved in the ledger");
      await shot(page, "vouchers");
      await go(page, "/regulator");
      await page.waitForSelector("[data-testid=reg-province] tbody tr");
      await page.waitForSelector("[data-testid=audit-table] tbody tr");
      await shot(page, "regulator");
      await go(page, "/guide");
      await page.waitForSelector("[data-testid=programmes-table] tbody tr");
      await shot(page, "guide");
    }),
  );

  await step("supplier: sees the map, its write-off report and its ledger", () =>
    asRole("supplier", async (page) => {
      await page.waitForSelector("[data-testid=sites-table] tbody tr");
      await go(page, "/vouchers");
      await page.waitForSelector("[data-testid=writeoff-total]");
      await go(page, "/ledger");
      await page.waitForSelector("[data-testid=ledger-kpis]");
    }),
  );

  await step("no script errors in any page", async () => {
    check(consoleErrors.length === 0, "console errors:\n" + consoleErrors.join("\n"));
  });
} catch {
  // reported by step()
} finally {
  await browser.close();
  server.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 300));
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`web_e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
