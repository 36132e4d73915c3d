// The customer display and the staff page in headless Chromium: a full checkout, a staff approval and a rejection, a Chinese-only store (device.display.languages "zh"); screenshots kept in test-artifacts/pages.
import { it, expect, beforeAll, afterAll, afterEach } from "vitest";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { chromium, type Browser, type Page } from "playwright-core";
import type { Kiosk } from "../device/kiosk.js";
import { createKioskApp } from "../device/http.js";
import { hashSecret } from "../hub/secrets.js";
import { SyncWorld, allSynced, type TestMember } from "./sync-harness.js";
import { BARCODE, sessionRules } from "./session-world.js";
import { waitUntil } from "../scripts/demo-env.js";
import { chromiumPath, requireTool } from "./support/requires.js";

const CHROMIUM = chromiumPath();
const chromiumTool = requireTool("chromium");
const ARTIFACTS = join(import.meta.dirname, "..", "test-artifacts", "pages");
const DOCS_SHOTS = join(import.meta.dirname, "..", "docs", "screenshots");
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const STAFF = [
  { staffId: "s01", name: "张店长", pinHash: hashSecret("2468") },
  { staffId: "s02", name: "Li Wei", pinHash: hashSecret("1357"), roles: ["verify"] },
];

let browser: Browser;
let w: SyncWorld;
let server: ServerType | undefined;

beforeAll(async () => {
  if (!chromiumTool.run) return;
  if (!existsSync(CHROMIUM)) throw new Error("Debian chromium is required for the page tests (apt-get install chromium fonts-noto-cjk)");
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  // Open event streams would keep the server from closing.
  (server as { closeAllConnections?: () => void } | undefined)?.closeAllConnections?.();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await w.stop();
});

async function serveKiosk(kiosk: Kiosk): Promise<string> {
  return new Promise((resolve) => {
    server = serve({ fetch: createKioskApp(kiosk).fetch, hostname: "127.0.0.1", port: 0 }, (info) => resolve(`http://127.0.0.1:${info.port}`));
  });
}

async function open(width = 1280, height = 800): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } });
  page.setDefaultTimeout(10_000);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A keyboard-wedge hand scanner: the code typed, then Enter. */
/**
 * A hand scanner in keyboard mode: the whole code and Enter arrive within a few milliseconds, as
 * keydown events (typing through the test driver can be slower than the page's 1 s gap under load).
 */
async function scan(page: Page, text: string): Promise<void> {
  // A string, not a function: the test files compile without the DOM library.
  await page.evaluate(`for (const key of [...${JSON.stringify(text)}, "Enter"]) document.dispatchEvent(new KeyboardEvent("keydown", { key }))`);
}

async function state(page: Page, name: string): Promise<void> {
  await page.waitForFunction(`document.body.dataset.state === ${JSON.stringify(name)}`, undefined, { timeout: 10_000 });
}

/** A headshot made the way a phone would send one: a PNG, here drawn by the browser itself. */
async function headshotPng(initial: string, color: string): Promise<Uint8Array> {
  const page = await browser.newPage({ viewport: { width: 240, height: 300 } });
  await page.setContent(
    `<body style="margin:0"><div style="width:240px;height:300px;background:${color};display:flex;align-items:center;justify-content:center;font:700 120px 'Noto Sans CJK SC',sans-serif;color:#fff">${initial}</div></body>`,
  );
  const png = await page.screenshot({ type: "png" });
  await page.close();
  return new Uint8Array(png);
}

/** A fresh code (never one the kiosk has already seen this minute). */
function code(m: TestMember, kiosk: Kiosk): string {
  return w.memberCode(m, kiosk);
}

chromiumTool.describe("customer display", () => {
  it("runs a full checkout: member code, scans, quantity, coupons, points as cash, stored value, receipt", { timeout: 90_000 }, async () => {
    w = new SyncWorld();
    await w.startHub();
    w.hub.publishConfig("s01", { rules: sessionRules(), device: { storeName: "Demo Member Store 会员店" } });
    const m = w.addMember("M100", { balanceFen: 80_000 });
    w.hub.members.update("M100", { name: "王小明" });
    const kiosk = await w.addKiosk("k1", "s01");
    await w.ready(kiosk, ["M100"]);
    // Points to spend: earned on an earlier visit. Then a coupon arrives from HQ.
    await w.checkout(kiosk, m, [BARCODE.formula, BARCODE.formula, BARCODE.diapers, BARCODE.diapers]);
    await allSynced([kiosk]);
    kiosk.checkout.cancel();
    w.hub.members.update("M100", { coupons: [{ instanceId: "cp-1", couponId: "t100-60", expiresOn: "2099-12-31" }] });
    await waitUntil(
      () => (kiosk.store.member("M100")?.pointsBalance ?? 0) > 0 && kiosk.store.member("M100")?.coupons.length === 1,
      "points and coupon on the kiosk",
    );
    const url = await serveKiosk(kiosk);

    const page = await open();
    await page.goto(`${url}/ui/display`);
    await state(page, "idle");
    await expect.poll(() => page.textContent("[data-testid=next]")).toContain("Scan your member code");
    await shot(page, "display-1-idle");

    await scan(page, code(m, kiosk));
    await state(page, "shopping");
    await expect.poll(() => page.textContent("[data-testid=member]")).toContain("王*明");
    await scan(page, BARCODE.rice);
    await scan(page, BARCODE.milk);
    await scan(page, BARCODE.rice);
    await expect.poll(() => page.locator("[data-testid=cart] tbody tr").count()).toBe(2);
    // One more milk with the + button: rice 2 x 53.91 + milk 2 x 11.25 = 130.32, the 100-60 coupon applies.
    await page.click("[data-sku=milk-1l] button[aria-label='one more']");
    await expect.poll(() => page.textContent("[data-sku=milk-1l] [data-testid=qty]")).toBe("2");
    await expect.poll(() => page.textContent("[data-testid=coupons]")).toContain("Spend 100 get 60 off");
    await expect.poll(() => page.textContent("[data-testid=total]")).toBe("¥70.32");
    // An unknown barcode is refused on screen, and changes nothing.
    await scan(page, "4006381333931");
    await expect.poll(() => page.textContent("[data-testid=notice]")).toContain("未找到该商品，请呼叫店员");
    // The default store (no display.languages): the English is on screen too (innerText: what is rendered).
    expect(await page.evaluate("document.documentElement.dataset.languages")).toBe("zh+en");
    expect(await page.innerText("[data-testid=notice]")).toContain("Product not found: please call staff");
    expect(await page.innerText("[data-testid=member]")).toMatch(/会员 Member[\s\S]*积分 Points/);
    expect(await page.innerText("[data-testid=cart]")).toContain("商品 Item");
    await page.check("[data-testid=use-points]");
    await expect.poll(async () => (await page.textContent("[data-testid=cart]")) ?? "").toMatch(/积分抵现 \(\d+\) Points/);
    await shot(page, "display-2-cart");

    await page.click("[data-testid=pay-balance]");
    await state(page, "done");
    await expect.poll(() => page.textContent("[data-testid=next]")).toContain("Thank you");
    const receiptNo = await page.textContent("[data-testid=receipt-no]");
    expect(receiptNo).toMatch(/^k1-\d+$/);
    await shot(page, "display-3-paid");
    const sale = kiosk.store.entries().at(-1)!.fact;
    expect(sale).toMatchObject({ type: "sale", coupons: ["cp-1"], tenders: [{ kind: "points" }, { kind: "balance" }] });
    await allSynced([kiosk]);
    await waitUntil(() => w.hub.members.get("M100")?.balanceFen === kiosk.store.member("M100")?.balanceFen, "hub and kiosk balances agree");
    expect(w.hub.ingest.stats.disagreements).toBe(0);
    await page.close();
  });
});

chromiumTool.describe("staff page", () => {
  it("signs in with a PIN, approves a member against their headshot and rejects one who has none", { timeout: 90_000 }, async () => {
    w = new SyncWorld();
    await w.startHub();
    w.hub.publishConfig("s01", {
      rules: sessionRules(),
      device: { storeName: "Demo Member Store 会员店", staff: STAFF, verification: { cardClasses: ["vip-gold"], secondaryCards: true, timeoutMs: 120_000 } },
    });
    const vip = w.addMember("V200");
    w.hub.members.update("V200", { name: "李美丽", cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: Date.UTC(2099, 0, 1) });
    const hash = w.hub.members.setHeadshot("V200", await headshotPng("李", "#6172f3"), "image/png");
    const kid = w.addMember("V201");
    w.hub.members.update("V201", { name: "李小宝", cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: Date.UTC(2099, 0, 1) });
    const kiosk = await w.addKiosk("k1", "s01");
    await w.ready(kiosk, ["V200", "V201"]);
    await waitUntil(() => kiosk.store.photo(hash) !== undefined, "headshot on the kiosk");
    const url = await serveKiosk(kiosk);

    const staffPage = await open(1280, 900);
    await staffPage.goto(`${url}/ui/staff`);
    await staffPage.waitForSelector("[data-testid=login]:not(.hidden)");
    await staffPage.fill("#staffId", "s01");
    await staffPage.fill("#pin", "0000");
    await staffPage.click("#login button[type=submit]");
    await expect.poll(() => staffPage.textContent("[data-testid=login-error]")).toContain("工号或密码不对");
    await staffPage.fill("#pin", "2468");
    await staffPage.click("#login button[type=submit]");
    await staffPage.waitForSelector("[data-testid=none-pending]");

    const display = await open();
    await display.goto(`${url}/ui/display`);
    await state(display, "idle");

    // A VIP: the display asks them to wait, the staff page shows their photo and card.
    await scan(display, code(vip, kiosk));
    await state(display, "verifying");
    await display.waitForSelector("[data-testid=verification]:not(.hidden)");
    await shot(display, "display-4-waiting-for-staff");
    const card = staffPage.locator(".card");
    await card.waitFor();
    await expect.poll(() => card.textContent()).toContain("李美丽");
    expect(await card.locator("[data-testid=card-class]").textContent()).toBe("VIP Gold");
    expect(await card.locator("[data-testid=expiry]").textContent()).toBe("2099-01-01");
    expect(await card.locator("[data-testid=kiosk]").textContent()).toBe("k1");
    await expect.poll(() => card.locator("[data-testid=headshot]").evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(240);
    await shot(staffPage, "staff-1-pending-with-headshot");
    await card.locator("[data-testid=approve]").click();
    await state(display, "shopping");
    await expect.poll(() => staffPage.textContent("[data-testid=recent]")).toContain("approved");
    await shot(staffPage, "staff-2-approved");
    await display.click("[data-testid=cancel]");
    await state(display, "cancelled");

    // No headshot on file: the member is told to upload one; staff see that and reject.
    await scan(display, code(kid, kiosk));
    await state(display, "verifying");
    await expect.poll(() => display.textContent("[data-testid=next]")).toContain("upload one in the member app");
    await shot(display, "display-5-upload-headshot");
    await staffPage.waitForSelector("[data-testid=no-headshot]");
    expect(await staffPage.textContent("[data-testid=no-headshot]")).toContain("No headshot on file");
    await shot(staffPage, "staff-3-no-headshot");
    await staffPage.locator(".card [data-testid=reject]").click();
    await state(display, "cancelled");
    await expect.poll(() => display.textContent("[data-testid=next]")).toContain("Staff could not confirm");
    await shot(display, "display-6-rejected");
    await expect.poll(() => staffPage.textContent("[data-testid=recent]")).toContain("rejected");

    // Both decisions are ledger facts with the staff id, and reach the hub.
    const decisions = kiosk.store
      .entries()
      .flatMap((e) => (e.fact.type === "verification" ? [[e.fact.memberId, e.fact.decision, e.fact.staffId, e.fact.headshotHash ?? null]] : []));
    expect(decisions).toEqual([
      ["V200", "approved", "s01", hash],
      ["V201", "rejected", "s01", null],
    ]);
    await allSynced([kiosk]);
    expect(w.hub.ingest.memberActivity("V201").verifications).toEqual([expect.objectContaining({ staffId: "s01", decision: "rejected", deviceId: "k1" })]);

    // The staff API refuses without a session, and a staff member without the returns role cannot start one.
    expect((await fetch(`${url}/staff/verifications`)).status).toBe(401);
    const li = await fetch(`${url}/staff/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ staffId: "s02", pin: "1357" }),
    });
    const { token } = (await li.json()) as { token: string };
    const start = await fetch(`${url}/staff/returns/start`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: "{}",
    });
    expect(start.status).toBe(403);
    await display.close();
    await staffPage.close();
  });
});

/** Latin words left in rendered text once codes (MEMBER_FIRST), the kiosk id, units and the loan words zh-CN writes in Latin (App, VIP) are taken out. */
function latinWords(text: string): string[] {
  return text
    .replace(/\b[A-Z][A-Z0-9_]{2,}\b/g, "")
    .replace(/\b(k1|kg|App)\b/g, "")
    .split(/[^A-Za-z]+/)
    .filter((w) => w.length > 0);
}

/** The .en elements of the page, and how many of them are rendered (have a box). */
const EN_COUNTS = `(() => { const all = [...document.querySelectorAll(".en")]; return [all.length, all.filter((e) => e.getClientRects().length > 0).length]; })()`;

chromiumTool.describe("a Chinese-only store (device.display.languages zh)", () => {
  it("shows the display's notices, member and cart panels and the staff page without English; back to both with zh+en", { timeout: 90_000 }, async () => {
    w = new SyncWorld();
    await w.startHub();
    // Store data in Chinese too (product, card class and level names come from the store's rules, not the page).
    const rules = sessionRules();
    const zhNames: Record<string, string> = { "rice-5kg": "东北大米五公斤", "milk-1l": "鲜牛奶一升" };
    rules.catalog = (rules.catalog as Array<{ sku: string; name: string }>).map((p) => ({ ...p, name: zhNames[p.sku] ?? p.name }));
    rules.cardClasses = (rules.cardClasses as Array<{ id: string; name: string }>).map((c) => ({ ...c, name: c.id === "standard" ? "普通卡" : "金卡" }));
    rules.levels = (rules.levels as Array<{ id: string; name: string }>).map((l) => ({ ...l, name: l.id === "gold" ? "金卡会员" : "普通会员" }));
    const device = { storeName: "浦东会员店", staff: STAFF, display: { languages: "zh" } };
    w.hub.publishConfig("s01", { rules, device });
    const m = w.addMember("M300", { balanceFen: 1_000 });
    w.hub.members.update("M300", { name: "王小明" });
    const kiosk = await w.addKiosk("k1", "s01");
    await w.ready(kiosk, ["M300"]);
    const url = await serveKiosk(kiosk);
    expect(kiosk.sync.current?.device.display.languages).toBe("zh");

    const page = await open(1080, 1920);
    await page.goto(`${url}/ui/display`);
    await state(page, "idle");
    expect(await page.evaluate("[document.documentElement.lang, document.documentElement.dataset.languages]")).toEqual(["zh-CN", "zh"]);
    expect(latinWords(await page.innerText("body"))).toEqual([]);

    // A refusal: zh-CN words and the code for staff, no English line.
    await scan(page, BARCODE.rice);
    const notice = page.locator("[data-testid=notice]");
    await expect.poll(() => notice.innerText()).toContain("请先出示会员码，再扫描商品");
    expect(await notice.locator(".code").innerText()).toBe("MEMBER_FIRST");
    expect(await notice.locator(".en").isVisible()).toBe(false);
    expect(await notice.innerText()).not.toContain("Show your member code");
    expect(latinWords(await notice.innerText())).toEqual([]);

    // Shopping: the member and cart panels, the pay bar and the next step in Chinese only.
    await scan(page, code(m, kiosk));
    await state(page, "shopping");
    await scan(page, BARCODE.rice);
    await scan(page, BARCODE.milk);
    await expect.poll(() => page.locator("[data-testid=cart] tbody tr").count()).toBe(2);
    await expect.poll(() => page.innerText("[data-testid=why-balance]")).toMatch(/储值余额不足.*还差 ¥\d/);
    // An unknown barcode while shopping: the refusal over the cart (in the screenshot too).
    await scan(page, "4006381333931");
    await expect.poll(() => notice.innerText()).toMatch(/^未找到该商品，请呼叫店员\s+UNKNOWN_PRODUCT$/);
    for (const sel of ["[data-testid=notice]", "[data-testid=member]", "[data-testid=cart]", "[data-testid=paybar]", "[data-testid=next]", "header"]) {
      const text = await page.innerText(sel);
      expect(text, sel).toMatch(/[\u4e00-\u9fff]/);
      expect(latinWords(text), sel).toEqual([]);
    }
    expect(await page.innerText("[data-testid=member]")).toMatch(/^会员\n/);
    const [enAll, enShown] = (await page.evaluate(EN_COUNTS)) as [number, number];
    expect(enAll).toBeGreaterThan(20);
    expect(enShown).toBe(0);
    await shot(page, "kiosk-zh-only");
    // The docs' copy is refreshed on request only (UPDATE_DOC_SHOTS=1), so a test run leaves docs/ as it was.
    if (process.env.UPDATE_DOC_SHOTS === "1") copyFileSync(join(ARTIFACTS, "kiosk-zh-only.png"), join(DOCS_SHOTS, "kiosk-zh-only.png"));

    // The staff page of the same store: sign-in form and panels in Chinese only.
    const staffPage = await open(1280, 900);
    await staffPage.goto(`${url}/ui/staff`);
    await staffPage.waitForSelector("[data-testid=login]:not(.hidden)");
    expect(await staffPage.getAttribute("#staffId", "placeholder")).toBe("工号");
    expect(latinWords(await staffPage.innerText("[data-testid=login]"))).toEqual([]);
    await staffPage.fill("#staffId", "s01");
    await staffPage.fill("#pin", "2468");
    await staffPage.click("#login button[type=submit]");
    await staffPage.waitForSelector("[data-testid=none-pending]");
    await expect.poll(() => staffPage.innerText("[data-testid=session-state]")).toBe("购物中");
    const staffText = await staffPage.innerText("#app");
    expect(staffText).toContain("顾客会话");
    // The member is shown to staff as "name (member id)": M300 is an id, not English.
    expect(latinWords(staffText.replace(/\bM300\b/g, ""))).toEqual([]);
    expect(((await staffPage.evaluate(EN_COUNTS)) as number[])[1]).toBe(0);
    await shot(staffPage, "staff-zh-only");

    // The store switches back to zh+en: the open display shows the English again, without a reload.
    w.hub.publishConfig("s01", { rules, device: { ...device, display: { languages: "zh+en" } } });
    await expect.poll(() => page.evaluate("document.documentElement.dataset.languages"), { timeout: 15_000 }).toBe("zh+en");
    await expect.poll(() => page.innerText("[data-testid=member]")).toContain("会员 Member");
    expect(((await page.evaluate(EN_COUNTS)) as number[])[1]).toBeGreaterThan(10);
    await staffPage.close();
    await page.close();
  });
});
