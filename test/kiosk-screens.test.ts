// The kiosk's screens at their real sizes in headless Chromium: portrait and landscape layouts, words for every refusal code, a keyboard-wedge scan with a button focused, call staff, the staff page on a phone; screenshots in test-artifacts/screens.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { createKioskApp } from "../device/http.js";
import type { Kiosk } from "../device/kiosk.js";
import { hashSecret } from "../hub/secrets.js";
import { waitUntil } from "../scripts/demo-env.js";
import { BARCODE, sessionRules } from "./session-world.js";
import { chromiumPath, requireTool } from "./support/requires.js";
import { freePort } from "./mosquitto.js";
import { SyncWorld, type TestMember } from "./sync-harness.js";

const CHROMIUM = chromiumPath();
const chromiumTool = requireTool("chromium");
const ARTIFACTS = join(import.meta.dirname, "..", "test-artifacts", "screens");
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
const STAFF = [{ staffId: "s01", name: "张店长", pinHash: hashSecret("2468") }];
const FIVE = [BARCODE.rice, BARCODE.milk, BARCODE.formula, BARCODE.diapers, BARCODE.oil];

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
  (server as { closeAllConnections?: () => void } | undefined)?.closeAllConnections?.();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await w?.stop();
});

async function kioskWorld(device: Record<string, unknown> = {}, rules = sessionRules()): Promise<{ kiosk: Kiosk; url: string; m: TestMember }> {
  w = new SyncWorld();
  await w.startHub();
  w.hub.publishConfig("s01", { rules, device: { storeName: "浦东会员店 Pudong", staff: STAFF, ...device } });
  const m = w.addMember("M1", { balanceFen: 5_000 });
  w.hub.members.update("M1", { name: "王小明" });
  const kiosk = await w.addKiosk("k1", "s01");
  await w.ready(kiosk, ["M1"]);
  const url = await new Promise<string>((resolve) => {
    server = serve({ fetch: createKioskApp(kiosk).fetch, hostname: "127.0.0.1", port: 0 }, (info) => resolve(`http://127.0.0.1:${info.port}`));
  });
  return { kiosk, url, m };
}

async function open(width: number, height: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } });
  page.setDefaultTimeout(10_000);
  return page;
}

/** A keyboard-wedge scanner as the document sees it (keydown events, no focus). */
async function scan(page: Page, text: string): Promise<void> {
  await page.evaluate(`for (const key of [...${JSON.stringify(text)}, "Enter"]) document.dispatchEvent(new KeyboardEvent("keydown", { key }))`);
}

async function state(page: Page, name: string): Promise<void> {
  await page.waitForFunction(`document.body.dataset.state === ${JSON.stringify(name)}`, undefined, { timeout: 10_000 });
}

/** Where a control is, and whether it is wholly inside the viewport without scrolling. */
async function onScreen(page: Page, selector: string): Promise<{ selector: string; visible: boolean; height: number }> {
  const box = await page.locator(selector).first().boundingBox();
  const vp = page.viewportSize()!;
  const visible = !!box && box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width + 0.5 && box.y + box.height <= vp.height + 0.5;
  return { selector, visible, height: Math.round(box?.height ?? 0) };
}

/** The union members of `export type <name> = | "A" | "B"` in a source file. */
function unionCodes(file: string, name: string): string[] {
  const src = readFileSync(join(import.meta.dirname, "..", file), "utf8");
  // Up to the ";" that ends a line (a ";" inside a doc comment does not end the type).
  const body = new RegExp(`export type ${name} =([\\s\\S]*?);\\s*\\n`).exec(src)?.[1] ?? "";
  const code = body.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  return [...code.matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]!);
}

chromiumTool.describe("customer display at kiosk sizes", () => {
  for (const vp of [
    { name: "portrait", width: 1080, height: 1920 },
    { name: "landscape", width: 1280, height: 800 },
  ]) {
    it(`keeps every control needed to pay on screen with 5 lines, big enough to touch (${vp.name} ${vp.width}x${vp.height})`, { timeout: 90_000 }, async () => {
      const { kiosk, url, m } = await kioskWorld();
      const page = await open(vp.width, vp.height);
      await page.goto(`${url}/ui/display`);
      await state(page, "idle");
      expect(await page.isVisible("[data-testid=attract]")).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, `display-${vp.name}-idle.png`) });
      await scan(page, w.memberCode(m, kiosk));
      await state(page, "shopping");
      for (const b of FIVE) await scan(page, b);
      await expect.poll(() => page.locator("[data-testid=cart] tbody tr").count()).toBe(5);
      const required = [
        "[data-testid=total]",
        "[data-testid=pay-balance]",
        "[data-testid=pay-card]",
        "[data-testid=pay-counter]",
        "[data-testid=cancel]",
        "[data-testid=call-staff]",
      ];
      for (const sel of required) expect(await onScreen(page, sel)).toMatchObject({ selector: sel, visible: true });
      for (const sel of required.slice(1)) expect((await onScreen(page, sel)).height, sel).toBeGreaterThanOrEqual(60);
      for (const sel of ["[data-sku=milk-1l] button[aria-label='one more']", "[data-sku=milk-1l] button[aria-label=remove]"]) {
        const box = await page.locator(sel).boundingBox();
        expect(Math.min(box!.width, box!.height), sel).toBeGreaterThanOrEqual(60);
      }
      const fonts = (await page.evaluate(
        `[getComputedStyle(document.body).fontSize, getComputedStyle(document.querySelector("[data-testid=total]")).fontSize, getComputedStyle(document.querySelector("[data-sku] td")).fontSize]`,
      )) as string[];
      expect(parseFloat(fonts[0]!)).toBeGreaterThanOrEqual(24);
      expect(parseFloat(fonts[1]!)).toBeGreaterThanOrEqual(48);
      expect(parseFloat(fonts[2]!)).toBeGreaterThanOrEqual(24);
      // The stored value (¥50) does not cover the cart: the screen says why and by how much, and offers stored value + card.
      expect(await page.isDisabled("[data-testid=pay-balance]")).toBe(true);
      await expect.poll(() => page.textContent("[data-testid=why-balance]")).toMatch(/储值余额不足.*还差 ¥\d/);
      expect(await onScreen(page, "[data-testid=pay-balance-card]")).toMatchObject({ visible: true });
      expect(await page.evaluate("document.body.innerText")).not.toMatch(/\bnull\b|undefined|NaN/);
      await page.screenshot({ path: join(ARTIFACTS, `display-${vp.name}-cart.png`) });
      await page.click("[data-testid=pay-balance-card]");
      await state(page, "done");
      const sale = kiosk.store.entries().at(-1)!.fact;
      expect(sale).toMatchObject({ type: "sale", tenders: [{ kind: "balance", amountFen: 5_000 }, { kind: "external" }] });
      // After paying: no name, no balances on screen.
      const doneText = (await page.evaluate("document.body.innerText")) as string;
      expect(doneText).not.toContain("王*明");
      expect(doneText).not.toMatch(/储值余额|积分余额|\bnull\b/);
      await page.screenshot({ path: join(ARTIFACTS, `display-${vp.name}-paid.png`) });
      await page.close();
    });
  }

  it("words every refusal and notice code in zh-CN first, with English and a next step, announced and with a tone", { timeout: 90_000 }, async () => {
    const { kiosk, url, m } = await kioskWorld();
    const page = await open(1280, 800);
    await page.goto(`${url}/ui/display`);
    await state(page, "idle");
    const codes = [
      ...unionCodes("device/session/types.ts", "CheckoutRefusal"),
      ...unionCodes("device/returns.ts", "ReturnErrorCode"),
      ...unionCodes("device/staff-auth.ts", "StaffErrorCode"),
      ...new Set([...readFileSync(join(import.meta.dirname, "..", "protocol/member-code.ts"), "utf8").matchAll(/"(CODE_[A-Z_]+)"/g)].map((m) => m[1]!)),
      ...new Set([...readFileSync(join(import.meta.dirname, "..", "device/http.ts"), "utf8").matchAll(/error: "([A-Z_]+)"/g)].map((m) => m[1]!)),
    ];
    expect(codes.length).toBeGreaterThan(40);
    expect(unionCodes("device/session/types.ts", "CheckoutRefusal").length).toBeGreaterThanOrEqual(21);
    const missing = (await page.evaluate(
      `import("/ui/assets/words.js").then(({ WORDS }) => ${JSON.stringify(codes)}.filter((c) => { const w = WORDS[c]; return !w || !/[\\u4e00-\\u9fff]/.test(w[0]) || !/[a-z]/i.test(w[1]) || !/[，：、请]/.test(w[0] + "请"); }))`,
    )) as string[];
    expect(missing).toEqual([]);
    // Every zh text says what to do (请 / 稍候 / 刷新 / 服务台 / 店员 ...), not only what went wrong.
    const noStep = (await page.evaluate(
      `import("/ui/assets/words.js").then(({ WORDS }) => Object.entries(WORDS).filter(([, w]) => !/请|稍候|刷新|服务台|店员|重试|改用|选择|重新|核对|扫描|联系|已|不是|此页面/.test(w[0])).map(([c]) => c))`,
    )) as string[];
    expect(noStep).toEqual([]);
    // A live refusal: a product before the member code.
    await scan(page, BARCODE.rice);
    const notice = page.locator("[data-testid=notice]");
    await expect.poll(() => notice.textContent()).toContain("请先出示会员码，再扫描商品");
    expect(await notice.getAttribute("aria-live")).toBe("assertive");
    expect(await notice.getAttribute("role")).toBe("alert");
    expect(await notice.textContent()).toContain("Show your member code first");
    expect(Number(await page.evaluate("window.__beeps || 0"))).toBeGreaterThanOrEqual(1);
    // A replayed member code: the reason (CODE_REPLAYED) is worded, not the bare CODE_INVALID.
    const codeText = w.memberCode(m, kiosk);
    await scan(page, codeText);
    await state(page, "shopping");
    await page.click("[data-testid=cancel]");
    await state(page, "cancelled");
    await scan(page, codeText);
    await expect.poll(() => notice.textContent()).toMatch(/会员码.*(刷新|已使用)/);
    await page.screenshot({ path: join(ARTIFACTS, "display-refusal.png") });
    await page.close();
  });

  it("a keyboard-wedge scan with 'Pay at the counter' or 'Cancel' focused adds the item and presses nothing", { timeout: 90_000 }, async () => {
    const { kiosk, url, m } = await kioskWorld();
    const page = await open(1280, 800);
    await page.goto(`${url}/ui/display`);
    await state(page, "idle");
    await scan(page, w.memberCode(m, kiosk));
    await state(page, "shopping");
    await scan(page, BARCODE.rice);
    await expect.poll(() => page.locator("[data-testid=cart] tbody tr").count()).toBe(1);
    for (const [button, n] of [
      ["pay-counter", 1],
      ["cancel", 2],
    ] as const) {
      await page.focus(`[data-testid=${button}]`);
      expect(await page.evaluate("document.activeElement.dataset.testid")).toBe(button);
      // Real key events to the focused element, as a USB scanner types them.
      await page.keyboard.type(BARCODE.milk, { delay: 5 });
      await page.keyboard.press("Enter");
      await expect.poll(() => page.textContent("[data-sku=milk-1l] [data-testid=qty]")).toBe(String(n));
      expect(await page.evaluate("document.body.dataset.state")).toBe("shopping");
    }
    expect(kiosk.store.entries().filter((e) => e.fact.type === "claim")).toEqual([]);
    expect(kiosk.checkout.current.name).toBe("shopping");
    await page.close();
  });
});

/** EAN-13 check digit, computed here (not with the code under test). */
const ean13 = (first12: string): string => first12 + String((10 - ([...first12].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0) % 10)) % 10);

chromiumTool.describe("weighed and loose goods on the customer display", () => {
  it("shows a scanned scale label with its weight and per-kg price, and a loose-item list with big buttons, zh-CN first (portrait)", {
    timeout: 90_000,
  }, async () => {
    const rules = sessionRules();
    rules.catalog = [
      ...(rules.catalog as unknown[]),
      { sku: "bun", name: "馒头 Steamed bun", category: "bakery", priceFen: 150 },
      { sku: "egg", name: "散装鸡蛋 Loose egg", category: "fresh", priceFen: 90 },
    ];
    rules.scaleLabels = { value: "weight", plus: { "12345": "apples-1kg" }, pickList: ["bun", "egg"] };
    const { kiosk, url, m } = await kioskWorld({ loosePickList: true }, rules);
    const page = await open(1080, 1920);
    await page.goto(`${url}/ui/display`);
    await state(page, "idle");
    await scan(page, w.memberCode(m, kiosk));
    await state(page, "shopping");
    await scan(page, ean13("212345000750"));
    await expect.poll(() => page.locator("[data-testid=weight]").count()).toBe(1);
    // 0.750 kg at 15.80/kg; gold 90%: 14.22/kg, the line 10.67.
    expect(await page.textContent("[data-testid=weight]")).toBe("0.750 kg × ¥15.80/kg · 会员 ¥14.22/kg");
    expect(await page.textContent("[data-key^=scale-]")).toContain("¥10.67");
    // A label whose check digit is wrong is refused in words.
    const good = ean13("212345000750");
    await scan(page, good.slice(0, 12) + String((Number(good[12]) + 1) % 10));
    await expect.poll(() => page.textContent("[data-testid=notice]")).toContain("称重标签读取有误");
    await page.click("[data-testid=open-picks]");
    await page.waitForSelector("[data-testid=picks]:not(.hidden)");
    for (const sku of ["bun", "egg"]) {
      const box = await page.locator(`[data-testid=pick-${sku}]`).boundingBox();
      expect(Math.min(box!.width, box!.height), sku).toBeGreaterThanOrEqual(60);
    }
    const dialog = (await page.textContent("[data-testid=picks]")) ?? "";
    expect(dialog.indexOf("选择散装商品")).toBeLessThan(dialog.indexOf("Choose a loose item"));
    expect(await page.textContent("[data-testid=pick-bun]")).toBe("馒头 Steamed bun¥1.50 / 件 each");
    await page.screenshot({ path: join(ARTIFACTS, "display-portrait-picks.png") });
    await page.click("[data-testid=pick-bun]");
    await expect.poll(() => page.locator("[data-key=bun]").count()).toBe(1);
    expect(await page.isVisible("[data-testid=picks]")).toBe(false);
    expect(kiosk.checkout.current).toMatchObject({
      lines: [
        { sku: "apples-1kg", scaleLabel: good },
        { sku: "bun", qty: 1 },
      ],
    });
    expect(await page.evaluate("document.body.innerText")).not.toMatch(/\bnull\b|undefined|NaN/);
    await page.screenshot({ path: join(ARTIFACTS, "display-portrait-scale-cart.png") });
  });

  it("offers no pick list where the store does not allow it", { timeout: 90_000 }, async () => {
    const rules = sessionRules();
    rules.catalog = [...(rules.catalog as unknown[]), { sku: "bun", name: "馒头 Steamed bun", category: "bakery", priceFen: 150 }];
    rules.scaleLabels = { pickList: ["bun"] };
    const { kiosk, url, m } = await kioskWorld({}, rules);
    const page = await open(1080, 1920);
    await page.goto(`${url}/ui/display`);
    await state(page, "idle");
    await scan(page, w.memberCode(m, kiosk));
    await state(page, "shopping");
    await scan(page, BARCODE.milk);
    await expect.poll(() => page.locator("[data-testid=cart] tbody tr").count()).toBe(1);
    expect(await page.locator("[data-testid=open-picks]").count()).toBe(0);
  });
});

chromiumTool.describe("one staff page for the store", () => {
  const extra: ServerType[] = [];
  afterEach(async () => {
    for (const s of extra.splice(0)) {
      (s as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it("signs in once at 390 px and sees every kiosk of the store, a call on another kiosk included, with the hub stopped", { timeout: 120_000 }, async () => {
    const ports = [await freePort(), await freePort()];
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    w = new SyncWorld();
    await w.startHub();
    const storeKiosks = [
      { deviceId: "k1", url: urls[0] },
      { deviceId: "k2", url: urls[1] },
      { deviceId: "k3", url: `http://127.0.0.1:${await freePort()}` }, // listed, never started: unreachable
    ];
    w.hub.publishConfig("s01", { rules: sessionRules(), device: { storeName: "浦东会员店 Pudong", staff: STAFF, storeKiosks } });
    const k1 = await w.addKiosk("k1", "s01");
    const k2 = await w.addKiosk("k2", "s01");
    await w.ready(k1);
    await w.ready(k2);
    for (const [i, k] of [k1, k2].entries()) {
      await new Promise<void>((resolve) => {
        const s = serve({ fetch: createKioskApp(k).fetch, hostname: "127.0.0.1", port: ports[i]! }, () => resolve());
        extra.push(s);
      });
    }
    // The hub goes away: sign-in and the views need only the kiosks and their signed configs.
    await w.hub.stop();
    await waitUntil(() => !k1.sync.connected && !k2.sync.connected, "both kiosks to see the hub gone");
    k2.callStaff();
    const phone = await open(390, 844);
    await phone.goto(`${urls[0]}/ui/store`);
    await phone.fill("#staffId", "s01");
    await phone.fill("#pin", "2468");
    await phone.click("#login button[type=submit]");
    await phone.waitForSelector("[data-testid=kiosk-k2][data-reachable=yes]");
    expect(await phone.getAttribute("[data-testid=kiosk-k1]", "data-reachable")).toBe("yes");
    expect(await phone.getAttribute("[data-testid=kiosk-k3]", "data-reachable")).toBe("no");
    expect(await phone.textContent("[data-testid=kiosk-k1]")).toContain("总部离线");
    expect(await phone.textContent("[data-testid=call-k2]")).toContain("k2 顾客呼叫店员");
    expect(await phone.inputValue("#pin")).toBe("");
    expect(Number(await phone.evaluate("document.documentElement.scrollWidth"))).toBeLessThanOrEqual(390);
    const answer = await phone.locator("[data-testid=answer-k2]").boundingBox();
    expect(answer!.x + answer!.width).toBeLessThanOrEqual(390);
    expect(answer!.height).toBeGreaterThanOrEqual(44);
    await phone.screenshot({ path: join(ARTIFACTS, "staff-phone-store.png"), fullPage: true });
    await phone.click("[data-testid=answer-k2]");
    await expect.poll(() => k2.staffCall?.answeredAt !== undefined).toBe(true);
    await expect.poll(() => phone.locator("[data-testid=call-k2]").count()).toBe(0);
  });

  it("answers a preflight from a store kiosk's origin only, and never with credentials", { timeout: 60_000 }, async () => {
    const { kiosk, url } = await kioskWorld({ storeKiosks: [{ deviceId: "k9", url: "http://10.0.0.9:8080" }] });
    const app = createKioskApp(kiosk);
    const ok = await app.request("/staff/view", { method: "OPTIONS", headers: { origin: "http://10.0.0.9:8080", "access-control-request-method": "GET" } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://10.0.0.9:8080");
    expect(ok.headers.get("access-control-allow-credentials")).toBeNull();
    const evil = await app.request("/staff/view", { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "GET" } });
    expect(evil.status).toBe(403);
    const plain = await app.request("/staff/view", { headers: { origin: "http://evil.example" } });
    expect(plain.status).toBe(401);
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    expect(url).toMatch(/^http:/);
  });
});

chromiumTool.describe("call staff and the staff page on a phone", () => {
  it("rings the staff page at 390 px, where a photo check's Approve and Reject fit, with errors in words", { timeout: 120_000 }, async () => {
    const { kiosk, url, m } = await kioskWorld({ verification: { cardClasses: ["vip-gold"], timeoutMs: 120_000 } });
    const vip = w.addMember("V1");
    w.hub.members.update("V1", { name: "李美丽", cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: Date.UTC(2099, 0, 1) });
    await w.ready(kiosk, ["M1", "V1"]);
    await waitUntil(() => kiosk.store.member("V1")?.cardClass === "vip-gold", "the VIP class on the kiosk");
    const phone = await open(390, 844);
    await phone.goto(`${url}/ui/staff`);
    await phone.waitForSelector("[data-testid=login]:not(.hidden)");
    await phone.fill("#staffId", "s01");
    await phone.fill("#pin", "2468");
    await phone.click("#login button[type=submit]");
    await phone.waitForSelector("[data-testid=none-pending]");
    await phone.evaluate("window.__beeps = 0");

    const display = await open(1080, 1920);
    await display.goto(`${url}/ui/display`);
    await state(display, "idle");
    await display.click("[data-testid=call-staff]");
    await expect.poll(() => display.textContent("[data-testid=call-staff]")).toContain("已呼叫店员");
    expect(kiosk.staffCall).toMatchObject({ at: expect.any(Number) });
    await phone.waitForSelector("[data-testid=staff-call]");
    expect(await phone.textContent("[data-testid=staff-call]")).toContain("k1 顾客呼叫店员");
    expect(Number(await phone.evaluate("window.__beeps"))).toBeGreaterThanOrEqual(1);
    expect(await phone.title()).toContain("顾客呼叫");
    await phone.screenshot({ path: join(ARTIFACTS, "staff-phone-call.png") });
    await phone.click("[data-testid=answer-call]");
    await expect.poll(() => phone.locator("[data-testid=staff-call]").count()).toBe(0);
    await expect.poll(() => display.textContent("[data-testid=call-staff]")).toContain("呼叫店员 Call staff");

    // A photo check: the card fits the phone, Approve and Reject are inside the screen.
    await scan(display, w.memberCode(vip, kiosk));
    await state(display, "verifying");
    const card = phone.locator(".card");
    await card.waitFor();
    expect(await phone.title()).toContain("新的核验");
    expect(Number(await phone.evaluate("document.documentElement.scrollWidth"))).toBeLessThanOrEqual(390);
    for (const sel of ["[data-testid=approve]", "[data-testid=reject]"]) {
      await phone.locator(sel).scrollIntoViewIfNeeded();
      const box = await phone.locator(sel).boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
      expect(box!.height).toBeGreaterThanOrEqual(44);
    }
    expect(await phone.evaluate("document.body.innerText")).not.toMatch(/\bnull\b/);
    await phone.screenshot({ path: join(ARTIFACTS, "staff-phone-check.png"), fullPage: true });
    await card.locator("[data-testid=approve]").click();
    await state(display, "shopping");
    await display.click("[data-testid=cancel]");
    await state(display, "cancelled");

    // An error in plain words next to the action: a return with nothing chosen.
    await phone.click("[data-testid=start-return]");
    await waitUntil(() => kiosk.returns.active, "return mode");
    await phone.fill("[data-testid=receipt-input]", "k1-999");
    await phone.click("text=查询 Load");
    await expect.poll(() => phone.textContent("#returns .field-error")).toMatch(/小票|receipt/);
    expect(await phone.textContent("#returns .field-error")).not.toMatch(/body must be|\{/);
    await phone.click("#returns button:has-text('关闭 Close')");
    await waitUntil(() => !kiosk.returns.active, "return mode closed");

    // A return: what it gives back is shown (the points part as money) before the one confirm.
    await display.close();
    const sale = await w.checkout(kiosk, m, [BARCODE.rice], "external");
    kiosk.checkout.reset();
    await phone.click("[data-testid=start-return]");
    await phone.fill("[data-testid=receipt-input]", sale.receipt.receiptNo);
    await phone.click("text=查询 Load");
    await phone.fill("#returns input[data-index='0']", "1");
    expect(await phone.isDisabled("[data-testid=confirm-return]")).toBe(true);
    await phone.click("[data-testid=preview-return]");
    await expect.poll(() => phone.textContent("[data-testid=preview-refund]")).toBe("¥53.91");
    expect(await phone.textContent("[data-testid=preview-points-cash]")).toMatch(/^¥\d+\.\d\d$/);
    expect(await phone.textContent("[data-testid=return-preview]")).toContain("店员退款");
    await phone.screenshot({ path: join(ARTIFACTS, "staff-phone-return-preview.png"), fullPage: true });
    await phone.click("[data-testid=confirm-return]");
    await phone.waitForSelector("[data-testid=return-done]");
  });
});
