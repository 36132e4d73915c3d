// The Reports page in real Chromium against the hub's real HTTP app: sales made through the real ingest, the report's totals equal them, the ECharts canvas is drawn, the CSV downloads; a store manager sees their store only. Screenshots in test-artifacts/console.
import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, MemoryLogSink } from "../../runtime/log.js";
import type { SaleFact } from "../../protocol/messages.js";
import { Ingest } from "../ingest.js";
import { DeviceRegistry } from "../devices.js";
import { boWorld, type BoWorld } from "../backoffice/test-kit.js";
import { DESKTOP_TALL, requireChromium, type Served, signedIn as signedInAt, shot, closeConsole, openConsole } from "./browser.testkit.js";
import { ensureConsoleBuilt } from "./build.testkit.js";

const PASSWORD = "report-pass-2024";
const local = (iso: string): number => Date.parse(`${iso}+08:00`);
const yuanOf = (text: string): number => Math.round(Number(text.replace(/[¥,\s]/g, "")) * 100);

let w: BoWorld;
let browser: Browser;
let server: Served | undefined;
let base = "";
const made: Record<string, string[]> = { s1: [], s2: [] };

function booked(ids: string[]): number {
  return ids.reduce((s, id) => s + Number(w.db.prepare("SELECT total_fen FROM sales WHERE sale_id = ?").get<{ total_fen: number }>(id)!.total_fen), 0);
}

async function signedIn(userId: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const { ctx, page } = await signedInAt(browser, `${base}/console/#/reports`, userId, PASSWORD, { viewport: DESKTOP_TALL, acceptDownloads: true });
  await page.getByTestId("menu-reports").click();
  await page.getByTestId("sales-report").waitFor();
  return { ctx, page };
}

async function runSales(page: Page, from: string, to: string): Promise<void> {
  await page.getByTestId("sales-from").fill(from);
  await page.getByTestId("sales-to").fill(to);
  const answered = page.waitForResponse((r) => r.url().includes("/bo/reports/sales?") && r.url().includes(`from=${from}`));
  await page.getByTestId("sales-run").click();
  await answered;
}

beforeAll(async () => {
  requireChromium();
  const build = ensureConsoleBuilt();
  w = await boWorld();
  for (const u of ["hq", "mgr1"]) {
    const r = await w.call("PUT", `/bo/users/${u}/password`, { body: { password: PASSWORD } });
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  }
  // Sales through the real ingest: two kiosks in s1, one in s2, across the store-local midnight.
  const ingest = new Ingest(w.db, w.clock, w.members, w.configs, createLogger("t", { destination: new MemoryLogSink(), level: "silent" }));
  const kiosks = { s1: { chainId: "acme", storeId: "s1", deviceId: "k-s1" }, s2: { chainId: "acme", storeId: "s2", deviceId: "k-s2" } };
  for (const k of Object.values(kiosks)) new DeviceRegistry(w.db, w.clock).provision(k);
  const a = await w.register({ name: "王小明" });
  const b = await w.register({ storeId: "s2", token: w.tokens.staff2, name: "李雷" });
  const seq: Record<string, number> = { s1: 0, s2: 0 };
  const sell = (store: "s1" | "s2", at: string, saleId: string, lines: Array<{ sku: string; qty: number }>) => {
    const m = store === "s1" ? a : b;
    const fact: SaleFact = {
      type: "sale",
      saleId,
      memberId: m.memberId,
      cardId: m.cardId,
      lines,
      hints: { subtotalFen: 0, totalFen: 0, savingsFen: 0, pointsEarned: 0 },
      tenders: [{ kind: "external", amountFen: 0 }],
      offlineApproved: false,
    };
    const t = local(at);
    w.clock.set(t);
    const s = ++seq[store]!;
    const ack = ingest.handleBatch(kiosks[store], {
      entries: [{ seq: s, entryId: `e-${store}-${s}`, at: t, configVersion: w.configs.latest(store)!.version, fact }],
    });
    if (ack.ack.ackedSeq !== s) throw new Error(`sale ${saleId} not acked`);
    made[store]!.push(saleId);
  };
  sell("s1", "2024-06-15T09:10:00", "B-1", [{ sku: "rice-5kg", qty: 2 }]);
  sell("s1", "2024-06-15T23:30:00", "B-2", [{ sku: "formula-900g", qty: 1 }]);
  sell("s1", "2024-06-16T00:30:00", "B-3", [
    { sku: "milk-1l", qty: 3 },
    { sku: "diapers-l52", qty: 1 },
  ]);
  sell("s2", "2024-06-16T15:00:00", "B-4", [{ sku: "rice-cooker", qty: 1 }]);
  w.clock.set(local("2024-06-17T10:00:00"));
  ({ browser, server, base } = await openConsole(build, w.app));
}, 240_000);

afterAll(async () => {
  await closeConsole(browser, server);
  w?.close();
});

describe("reports in Chromium", () => {
  it("HQ: the totals equal the sales made, the chart is drawn, the CSV downloads with the same total", async () => {
    const { ctx, page } = await signedIn("hq");
    await runSales(page, "2024-06-15", "2024-06-16");
    const all = booked([...made.s1!, ...made.s2!]);
    expect(all).toBeGreaterThan(0);
    await expect.poll(async () => yuanOf((await page.getByTestId("total-revenue").locator(".ant-statistic-content").textContent()) ?? "")).toBe(all);
    expect(yuanOf((await page.getByTestId("sum-revenueFen").textContent()) ?? "")).toBe(all);
    expect(Number(await page.getByTestId("sum-sales").textContent())).toBe(4);
    // Store-local days: 23:30 on the 15th and 00:30 on the 16th in their own rows.
    const periods = await page.locator('[data-testid="sales-table"] tbody tr.ant-table-row td:first-child').allTextContents();
    expect(periods).toEqual(["2024-06-15", "2024-06-16"]);

    // The ECharts canvas is there and has drawn something.
    const painted = await page.getByTestId("sales-chart").evaluate((el) => {
      const c = el.querySelector("canvas");
      if (!c) return -1;
      const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(1000);
    await shot(page, "reports-sales");

    const download = page.waitForEvent("download");
    await page.getByTestId("sales-csv").click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("sales-day-2024-06-15-2024-06-16.csv");
    const bytes = readFileSync((await file.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString("utf8").split("\r\n");
    const total = lines.find((l) => l.startsWith("合计 total"))!.split(",");
    expect(Math.round(Number(total[4]) * 100)).toBe(all);

    // Liabilities tab (HQ only) draws its chart too.
    await page.getByRole("tab", { name: "负债" }).click();
    await page.getByTestId("liab-stored").waitFor();
    await shot(page, "reports-liabilities");
    await ctx.close();
  }, 120_000);

  it("a store manager's report covers their store only", async () => {
    const { ctx, page } = await signedIn("mgr1");
    await runSales(page, "2024-06-15", "2024-06-16");
    await expect
      .poll(async () => yuanOf((await page.getByTestId("total-revenue").locator(".ant-statistic-content").textContent()) ?? ""))
      .toBe(booked(made.s1!));
    expect(await page.getByRole("tab", { name: "负债" }).count()).toBe(0);
    await page.getByTestId("lang-switch").click();
    await expect.poll(() => page.getByTestId("reports-page").textContent()).toContain("Net revenue");
    await shot(page, "reports-sales-manager-en");
    await ctx.close();
  }, 120_000);
});
