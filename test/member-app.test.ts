// The member app in real Chromium at a phone's size: activation link, the live code's screenshot fed to a real kiosk's camera, the e-receipt from the receipt's QR, the member centre against the hub, and codes with the network cut.
import { expect, beforeAll, afterAll } from "vitest";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { systemClock } from "../protocol/clock.js";
import { ReplayGuard, verifyMemberCode } from "../protocol/member-code.js";
import type { Hub } from "../hub/hub.js";
import type { Kiosk } from "../device/kiosk.js";
import type { PushableFrameSource } from "../device/scan/types.js";
import { transact } from "../hub/backoffice/work.js";
import { ensureMemberAppBuilt } from "../hub/app/build.testkit.js";
import {
  DEMO_APP_MEMBER,
  demoMemberApp,
  productPng,
  provisionDemoKiosk,
  seedDemo,
  show,
  startDemoHub,
  startKiosk,
  waitForSync,
  waitUntil,
} from "../scripts/demo-env.js";
import { chromiumPath, requireTool } from "./support/requires.js";

const chromiumTool = requireTool("chromium");
const ARTIFACTS = join(import.meta.dirname, "..", "test-artifacts", "member-app");
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
/** A mid-range phone: 390 x 844 CSS pixels at 2x. */
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "zh-CN", timezoneId: "Asia/Shanghai" };

let browser: Browser;
let hub: Hub;
let kiosk: Kiosk;
let source: PushableFrameSource;
let dir: string;
let appUrl: string;
let activationLink: string;
const timings: Record<string, number> = {};

beforeAll(async () => {
  if (!chromiumTool.run) return;
  const build = await ensureMemberAppBuilt();
  timings.buildMs = build.ms;
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), "member-app-"));
  const log = createLogger("t", { destination: new MemoryLogSink(), level: "warn" });
  hub = await startDemoHub({ dataDir: dir }, systemClock, log);
  seedDemo(hub, dir);
  ({ appUrl, activationLink } = demoMemberApp(hub));
  // Money on the card so the member centre has a balance to show (a counter top-up, through the hub's ledger).
  const d = hub.backoffice.deps;
  transact(d.db, d.registry, (w) =>
    d.ledger.applyInTx({ memberId: DEMO_APP_MEMBER.memberId, reason: "top-up", ref: "browser-test", principalFen: 50_000, bonusFen: 5_000 }, w),
  );
  ({ kiosk, source } = await startKiosk(provisionDemoKiosk(hub, dir), systemClock, log));
  await waitUntil(
    () => kiosk.store.memberByCard(DEMO_APP_MEMBER.cardId) !== undefined && kiosk.store.member(DEMO_APP_MEMBER.memberId)?.balanceFen === 55_000,
    "the app member on the kiosk",
  );
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ARGS });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await kiosk?.stop();
  await hub?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (Object.keys(timings).length) writeFileSync(join(ARTIFACTS, "timings.json"), JSON.stringify(timings, null, 2));
});

async function shot(page: Page, name: string): Promise<string> {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Polls until `fn` answers something truthy (the app's CSP forbids the string predicates of waitForFunction). */
async function until<T>(fn: () => Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const textOf = (page: Page, testId: string) => until(async () => (await page.getByTestId(testId).textContent({ timeout: 1000 }))?.trim(), testId);

/** The code the page shows now (the canvas carries its text for the test), once it is drawn. */
async function shownCode(page: Page, other = ""): Promise<string> {
  return until(
    async () => {
      const c = await page.getByTestId("member-qr").getAttribute("data-code", { timeout: 1000 });
      return c?.startsWith("MC1.") && c !== other ? c : undefined;
    },
    "a live code on the page",
    30_000,
  );
}

const seen = (page: Page, text: string) => until(async () => ((await page.locator("body").textContent()) ?? "").includes(text), `"${text}" on the page`);

const verifies = (code: string): boolean => {
  try {
    verifyMemberCode(code, {
      publicKeyOf: (card) => (card === DEMO_APP_MEMBER.cardId ? hub.members.get(DEMO_APP_MEMBER.memberId)?.cardPublicKey : undefined),
      nowMs: Date.now(),
      replay: new ReplayGuard(),
      windowSeconds: 60,
    });
    return true;
  } catch {
    return false;
  }
};

chromiumTool.it(
  "activates from the link, pays at a real kiosk with a screenshot of its code, opens the e-receipt, matches the hub, and keeps making codes offline",
  async () => {
    const context: BrowserContext = await browser.newContext(PHONE);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);

    // Activation: the link from the counter (here printed by the demo).
    const started = Date.now();
    await page.goto(activationLink);
    const first = await shownCode(page);
    timings.activationToCodeMs = Date.now() - started;
    expect(first).toMatch(new RegExp(`^MC1\\.${DEMO_APP_MEMBER.cardId}\\.\\d{10}\\.[A-Za-z0-9_-]{86}$`));
    expect(hub.members.get(DEMO_APP_MEMBER.memberId)?.cardPublicKey).not.toBe(undefined);
    expect(verifies(first)).toBe(true);
    expect(await textOf(page, "card-no")).toBe("C000 002");
    await shot(page, "01-code");

    // The kiosk's camera sees the phone: a screenshot of the app's QR as the frame.
    await waitUntil(
      () => kiosk.store.member(DEMO_APP_MEMBER.memberId)?.cardPublicKey === hub.members.get(DEMO_APP_MEMBER.memberId)?.cardPublicKey,
      "the new key on the kiosk",
    );
    const qrPng = await page.getByTestId("member-qr").screenshot({ type: "png" });
    writeFileSync(join(ARTIFACTS, "02-qr-frame.png"), qrPng);
    const who = await show(kiosk, source, new Uint8Array(qrPng), "phone-screen");
    expect(who).toMatchObject({ kind: "member" });
    for (const b of ["6901234560015", "6901234560015", "6901234560022"]) expect((await show(kiosk, source, await productPng(b), b)).kind).toBe("product");
    const sale = await kiosk.checkout.finish("balance");
    await waitForSync(kiosk);
    await waitUntil(() => hub.members.get(DEMO_APP_MEMBER.memberId)!.pointsBalance === sale.priced.totals.pointsEarned, "the hub applied the sale");

    // The printed receipt's QR opens the e-receipt at the hub.
    expect(sale.receipt.eReceiptUrl).toMatch(new RegExp(`/r/${sale.saleId}\\.[A-Za-z0-9_-]{22}$`));
    const receiptPage = await context.newPage();
    await receiptPage.goto(sale.receipt.eReceiptUrl);
    const receiptText = await receiptPage.locator("body").textContent();
    const yuan = (fen: number) => `¥${(fen / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })}`;
    expect(receiptText).toContain(yuan(sale.priced.totals.totalFen));
    expect(receiptText).toContain(sale.priced.lines[0]!.name);
    expect(receiptText).not.toContain(DEMO_APP_MEMBER.name);
    await shot(receiptPage, "03-e-receipt");
    const bySaleId = await receiptPage.goto(sale.receipt.eReceiptUrl.replace(/\.[^./]+$/, ""));
    expect(bySaleId?.status()).toBe(404);
    await receiptPage.close();

    // The member centre shows what the hub holds.
    await page.goto(`${appUrl}#/me`);
    const m = hub.members.get(DEMO_APP_MEMBER.memberId)!;
    // The page first shows the copy it kept, then the hub's answer: wait for the hub's figures.
    expect(m.pointsBalance).toBeGreaterThan(0);
    const shows = (testId: string, want: string) =>
      until(async () => (await page.getByTestId(testId).textContent({ timeout: 1000 })) === want, `${testId} ${want} as the hub has it`);
    await shows("points", m.pointsBalance.toLocaleString("en-US"));
    await shows("balance", yuan(m.balanceFen));
    expect(m.balanceFen).toBe(55_000 - sale.priced.totals.payableFen);
    await page.getByTestId("purchase").first().click();
    expect(await textOf(page, "receipt-total")).toBe(yuan(sale.priced.totals.totalFen));
    await shot(page, "04-member-centre-receipt");
    await page.getByText("返回").click();
    await shot(page, "05-member-centre");

    // Offline: the shell comes from the service worker, the key from IndexedDB; codes keep coming and verify.
    await page.goto(`${appUrl}#/code`);
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)");
    await context.setOffline(true);
    await page.reload();
    const offlineStart = Date.now();
    const offline1 = await shownCode(page);
    timings.offlineReloadToCodeMs = Date.now() - offlineStart;
    await seen(page, "离线：会员码仍可使用");
    await shot(page, "06-code-offline");
    const offline2 = await shownCode(page, offline1);
    expect(verifies(offline1)).toBe(true);
    expect(verifies(offline2)).toBe(true);
    await context.setOffline(false);

    // English, switchable.
    await page.getByText("English").click();
    await seen(page, "Turn the screen brightness up and hold the code to the scanner");
    await shot(page, "07-code-english");
    await context.close();
    // The docs' copies are refreshed on request only (UPDATE_DOC_SHOTS=1), so a test run leaves docs/ as it was.
    if (process.env.UPDATE_DOC_SHOTS === "1")
      for (const name of ["01-code", "05-member-centre", "03-e-receipt"])
        copyFileSync(join(ARTIFACTS, `${name}.png`), join(DOCS_SHOTS, `member-app-${name.slice(3)}.png`));
  },
  180_000,
);

chromiumTool.it(
  "a VIP shares a family card from the app; the family member activates it, uploads a headshot under the rules and pays at the kiosk with its own code",
  async () => {
    const d = hub.backoffice.deps;
    // The member is a VIP (as if bought at the counter): only VIPs may create family cards.
    transact(d.db, d.registry, (w) =>
      w.add(d.registry.updateInTx(DEMO_APP_MEMBER.memberId, { cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: Date.now() + 30 * 86_400_000 })),
    );
    const { activationLink: link } = demoMemberApp(hub);
    const vipPhone = await browser.newContext(PHONE);
    const vip = await vipPhone.newPage();
    const traffic: string[] = [];
    vip.on("response", (r) => traffic.push(`${Date.now()} ${r.request().method()} ${r.url()} ${r.status()}`));
    vip.on("request", (r) => traffic.push(`${Date.now()} request ${r.method()} ${r.url()}`));
    vip.on("requestfailed", (r) => traffic.push(`${Date.now()} requestfailed ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ""}`));
    vip.on("console", (m) => traffic.push(`console ${m.text()}`));
    vip.on("pageerror", (e) => traffic.push(`pageerror ${e.message}`));
    await vip.goto(link);
    await shownCode(vip);
    await vip.goto(`${appUrl}#/family`);
    // The button, not the words: until the member summary arrives the screen says "只有付费会员（VIP）可以创建副卡。",
    // which holds the same words, and a click on that sentence does nothing (the CI failure of stop 24).
    await vip.getByRole("button", { name: "创建副卡" }).click();
    const shareLink = await until(async () => vip.getByTestId("share-qr").getAttribute("data-link", { timeout: 1000 }), "the share link").catch(
      async (err: unknown) => {
        await shot(vip, "09-family-share-failed");
        traffic.push(
          `${Date.now()} page text: ${await vip
            .locator("main")
            .textContent()
            .catch(() => "?")}`,
        );
        writeFileSync(join(ARTIFACTS, "09-family-share-failed.txt"), traffic.join("\n"));
        throw err;
      },
    );
    expect(shareLink).toMatch(/\/app\/#\/share\/SC[A-Za-z0-9_-]{20}$/);
    await shot(vip, "09-family-share");

    const familyPhone = await browser.newContext(PHONE);
    const fam = await familyPhone.newPage();
    await fam.goto(shareLink);
    await fam.locator("input").fill("李小雷");
    await fam.getByText("激活", { exact: true }).click();
    const famCode = await shownCode(fam);
    const famCard = famCode.split(".")[1]!;
    const famMember = d.data.memberIdByCard(famCard)!;
    expect(hub.members.get(famMember)).toMatchObject({ primaryMemberId: DEMO_APP_MEMBER.memberId, cardClass: "vip-gold", name: "李小雷" });
    await shot(fam, "10-family-code");

    // A headshot from the phone's camera: allowed while none is on file, then replaceable today only.
    await fam.goto(`${appUrl}#/photo`);
    expect(await textOf(fam, "headshot-rule")).toContain("上传头像");
    const face = await browser.newPage({ viewport: { width: 240, height: 300 } });
    await face.setContent(
      `<body style="margin:0"><div style="width:240px;height:300px;background:#d4380d;color:#fff;font:700 120px sans-serif;display:flex;align-items:center;justify-content:center">雷</div></body>`,
    );
    const photo = await face.screenshot({ type: "png" });
    await face.close();
    await fam.locator("input[type=file]").setInputFiles({ name: "me.png", mimeType: "image/png", buffer: photo });
    await seen(fam, "头像已上传");
    expect(hub.members.get(famMember)?.headshotHash).toMatch(/^[a-f0-9]{64}$/);
    expect(await textOf(fam, "headshot-rule")).toContain("今天上传的头像可在今天内更换");
    await shot(fam, "11-family-headshot");

    // The family card pays at the kiosk with a screenshot of its own code.
    await waitUntil(() => kiosk.store.member(famMember)?.cardPublicKey === hub.members.get(famMember)?.cardPublicKey, "the family card on the kiosk");
    await fam.goto(`${appUrl}#/code`);
    await shownCode(fam, famCode);
    const who = await show(kiosk, source, new Uint8Array(await fam.getByTestId("member-qr").screenshot({ type: "png" })), "family-phone");
    expect(who).toMatchObject({ kind: "member" });
    expect((await show(kiosk, source, await productPng("6901234560022"), "milk")).kind).toBe("product");
    const sale = await kiosk.checkout.finish();
    expect(sale.member.memberId).toBe(famMember);
    // The VIP cancels it from the app; the kiosk forgets the card.
    vip.on("dialog", (dialog) => void dialog.accept());
    await vip.goto(`${appUrl}#/me`);
    await vip.goto(`${appUrl}#/family`);
    await vip.getByRole("button", { name: "注销" }).first().click();
    await waitUntil(() => hub.members.get(famMember) === undefined, "the family card cancelled");
    await waitUntil(() => kiosk.store.member(famMember) === undefined, "the kiosk dropped the family card");
    await vipPhone.close();
    await familyPhone.close();
  },
  // Retried once. It used to time out waiting for the share QR in about 1 of 6 loaded runs with no POST reaching the
  // hub: the click landed on the "only VIPs ... 创建副卡" sentence shown before the summary arrived (now a button click).
  { timeout: 180_000, retry: 1 },
);

chromiumTool.it(
  "measures time to code on a mid-range phone: 4x slower CPU, Fast 3G (cold: first visit from the activation link; warm: app opened again)",
  async () => {
    const { activationLink: link } = demoMemberApp(hub);
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 562.5,
      downloadThroughput: (1.44 * 1024 * 1024) / 8,
      uploadThroughput: (675 * 1024) / 8,
    });
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    let t0 = Date.now();
    await page.goto(link);
    expect(verifies(await shownCode(page))).toBe(true);
    timings.coldTimeToCodeFast3gCpu4xMs = Date.now() - t0;
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)");
    t0 = Date.now();
    await page.goto(`${appUrl}#/code`);
    await page.reload();
    await shownCode(page);
    timings.warmTimeToCodeFast3gCpu4xMs = Date.now() - t0;
    await context.close();
    expect(timings.coldTimeToCodeFast3gCpu4xMs).toBeLessThan(15_000);
  },
  90_000,
);

chromiumTool.it(
  "tells the member in words when the activation link was already used",
  async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(activationLink);
    await seen(page, "此激活码已使用过");
    await seen(page, "ACTIVATION_USED");
    await shot(page, "08-activation-used");
    await context.close();
  },
  60_000,
);
