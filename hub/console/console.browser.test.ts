// The web console in real Chromium (playwright-core) against the hub's real HTTP app and SQLite: setup, sign-in, lockout, roles and store scope, search by phone and by scanned code, top-up and VIP against their quotes, headshot delete, kiosk staff PIN; screenshots in test-artifacts/console.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boWorld, type BoWorld } from "../backoffice/test-kit.js";
import { checkPin } from "../../device/staff-auth.js";
import { DESKTOP, newPage, requireChromium, type Served, shot, signedIn as signedInAt, closeConsole, openConsole } from "./browser.testkit.js";
import { ensureConsoleBuilt } from "./build.testkit.js";

const TABLET = { width: 820, height: 1180 };
const PASSWORD = "counter-pass-2024";

let w: BoWorld;
let browser: Browser;
let server: Served | undefined;
let base = "";
let memberA: Awaited<ReturnType<BoWorld["register"]>>;
let hiddenPhone = "";

const yuanOf = (text: string): number => Math.round(Number(text.replace(/[¥,\s]/g, "")) * 100);

const signedIn = (userId: string, viewport = DESKTOP): Promise<{ ctx: BrowserContext; page: Page }> =>
  signedInAt(browser, `${base}/console/`, userId, PASSWORD, { viewport });

const searchBox = (page: Page) => page.locator('[data-testid="member-search"] input, input[data-testid="member-search"]').first();
const menuKeys = async (page: Page): Promise<string[]> =>
  Promise.all((await page.locator('[data-testid^="menu-"]').all()).map(async (l) => (await l.getAttribute("data-testid")) ?? ""));

beforeAll(async () => {
  requireChromium();
  const build = ensureConsoleBuilt();
  w = await boWorld();
  for (const u of ["mgr1", "staff1", "staff2"]) {
    const r = await w.call("PUT", `/bo/users/${u}/password`, { body: { password: PASSWORD } });
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  }
  memberA = await w.register({ name: "王小明" });
  await w.call("PATCH", `/bo/members/${memberA.memberId}`, { token: w.tokens.staff1, body: { phone: "13800138000" } });
  await w.register({ name: "王大力" });
  const hidden = await w.call("POST", "/bo/members", { body: { storeId: "s2", channel: "till", name: "王二（二店）", phone: "13900139000", stores: ["s2"] } });
  hiddenPhone = "13900139000";
  expect(hidden.status).toBe(201);
  ({ browser, server, base } = await openConsole(build, w.app));
}, 240_000);

afterAll(async () => {
  await closeConsole(browser, server);
  w?.close();
});

describe("console in Chromium", () => {
  it("first start: the one-time setup link creates the first hq-admin, who sees the HQ pages", async () => {
    const link = w.bo.setupLink(`${base}/console/`)!;
    const { ctx, page } = await newPage(browser);
    await page.goto(link);
    await page.getByTestId("setup-user").fill("boss");
    await page.getByTestId("setup-name").fill("总部管理员");
    await page.getByTestId("setup-password").fill("correct horse battery");
    await page.getByTestId("setup-again").fill("correct horse battery");
    await shot(page, "01-first-admin-setup");
    await page.getByTestId("setup-submit").click();
    await expect.poll(() => page.getByTestId("whoami").textContent()).toContain("hq-admin");
    expect(await menuKeys(page)).toEqual(["menu-members", "menu-reports", "menu-users", "menu-kiosk-staff", "menu-fleet", "menu-hq", "menu-config"]);
    // The link worked once.
    const again = await ctx.newPage();
    await again.goto(link);
    await again.getByTestId("whoami").waitFor();
    await page.getByTestId("lang-switch").click();
    await expect.poll(() => page.getByTestId("menu").textContent()).toContain("HQ overview");
    await page.getByTestId("lang-switch").click();
    await ctx.close();
    expect(w.bo.setupLink(`${base}/console/`)).toBeUndefined();
  }, 60_000);

  it("wrong passwords lock the name after 5 tries, even for the right password", async () => {
    const { ctx, page } = await newPage(browser);
    await page.goto(`${base}/console/`);
    for (let i = 0; i < 5; i++) {
      await page.getByTestId("signin-user").fill("staff2");
      await page.getByTestId("signin-password").fill(`wrong-${i}`);
      await page.getByTestId("signin-submit").click();
      await expect.poll(() => page.getByTestId("error").textContent()).toContain("用户名或密码不正确");
    }
    await page.getByTestId("signin-password").fill(PASSWORD);
    await page.getByTestId("signin-submit").click();
    await expect.poll(() => page.getByTestId("error").textContent()).toContain("已锁定");
    expect(await page.getByTestId("error").textContent()).toContain("SIGN_IN_LOCKED");
    await shot(page, "02-sign-in-locked");
    await ctx.close();
  }, 60_000);

  it("counter staff (tablet): no HQ or user pages, and only their stores' members", async () => {
    const { ctx, page } = await signedIn("staff1", TABLET);
    expect(await menuKeys(page)).toEqual(["menu-members", "menu-reports"]);
    await page.goto(`${base}/console/#/hq`);
    await page.getByTestId("forbidden").waitFor();
    await page.goto(`${base}/console/#/users`);
    await page.getByTestId("forbidden").waitFor();
    await page.goto(`${base}/console/#/members`);
    await searchBox(page).fill("王");
    await searchBox(page).press("Enter");
    await expect.poll(() => page.getByTestId("search-total").textContent()).toContain("共 2 位会员");
    const rows = await page.getByTestId("search-results").textContent();
    expect(rows).toContain("王小明");
    expect(rows).not.toContain("二店");
    await shot(page, "03-counter-staff-search-tablet");
    await searchBox(page).fill(hiddenPhone);
    await searchBox(page).press("Enter");
    await expect.poll(() => page.getByTestId("search-total").textContent()).toContain("共 0 位会员");
    await ctx.close();
  }, 60_000);

  it("finds a member by phone, and by a live code scanned with the focus anywhere (the scan never lands in a field)", async () => {
    const { ctx, page } = await signedIn("staff1");
    await searchBox(page).fill("13800138000");
    await searchBox(page).press("Enter");
    await expect.poll(() => page.getByTestId("search-results").textContent()).toContain("王小明");
    await page.goto(`${base}/console/#/members`);
    await searchBox(page).fill("");
    await searchBox(page).focus();
    const code = w.memberCode(memberA.cardId, memberA.key);
    await page.keyboard.type(code);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.url()).toContain(`#/members/${memberA.memberId}`);
    await expect.poll(() => page.getByTestId("member-name").textContent()).toBe("王小明");
    // A scan while a person is typing in a field: the field keeps what they typed, the scan still finds the member.
    await page.getByTestId("action-card-key").click();
    const reason = page.getByTestId("reason");
    await reason.click();
    await page.keyboard.type("lost phone", { delay: 90 });
    await page.keyboard.type(w.memberCode(memberA.cardId, memberA.key));
    await page.keyboard.press("Enter");
    await expect.poll(() => reason.inputValue()).toBe("lost phone");
    expect(page.url()).toContain(`#/members/${memberA.memberId}`);
    await ctx.close();
  }, 60_000);

  it("a top-up under a chosen rule: the quote's bonus is credited once (double click), the new balance is old + principal + bonus", async () => {
    const { ctx, page } = await signedIn("staff1");
    await page.goto(`${base}/console/#/members/${memberA.memberId}`);
    const before = yuanOf((await page.getByTestId("balance").textContent())!);
    await page.getByTestId("action-top-up").click();
    await page.getByTestId("topup-rule").click();
    await page.locator(".ant-select-item-option", { hasText: "Top up 1000 get 100" }).click();
    await expect.poll(() => page.getByTestId("quote-bonus").textContent()).toBe("¥100.00");
    const principal = yuanOf((await page.getByTestId("quote-principal").textContent())!);
    const bonus = yuanOf((await page.getByTestId("quote-bonus").textContent())!);
    expect(principal).toBe(100000);
    await shot(page, "04-top-up-quote");
    await page.getByTestId("dialog-confirm").dblclick();
    await page.getByTestId("topup-new-balance").waitFor();
    const after = yuanOf((await page.getByTestId("topup-new-balance").textContent())!);
    expect(after).toBe(before + principal + bonus);
    await shot(page, "05-top-up-done");
    await page.getByTestId("dialog-close").click();
    await expect.poll(async () => yuanOf((await page.getByTestId("balance").textContent())!)).toBe(after);
    const list = await w.call("GET", `/bo/members/${memberA.memberId}/top-ups`, { token: w.tokens.staff1 });
    expect((list.body.topUps as unknown[]).length).toBe(1);
    await ctx.close();
  }, 60_000);

  it("a VIP purchase at the quoted price gives the plan's class and expiry", async () => {
    const { ctx, page } = await signedIn("staff1");
    await page.goto(`${base}/console/#/members/${memberA.memberId}`);
    await page.getByTestId("action-vip").click();
    await page.getByTestId("vip-plan").click();
    await page.locator(".ant-select-item-option", { hasText: "¥366.00" }).click();
    await expect.poll(() => page.getByTestId("vip-quote-price").textContent()).toBe("¥366.00");
    const expiry = await page.getByTestId("vip-quote-expiry").textContent();
    await shot(page, "06-vip-quote");
    await page.getByTestId("dialog-confirm").click();
    await expect.poll(() => page.getByTestId("vip-result").textContent()).toContain(expiry!);
    await page.getByTestId("dialog-close").click();
    await expect.poll(() => page.getByTestId("card-class").textContent()).toBe("vip-gold");
    const vip = await w.call("GET", `/bo/members/${memberA.memberId}/vip`, { token: w.tokens.staff1 });
    expect(JSON.stringify(vip.body)).toContain("gold-1y");
    await shot(page, "07-member-page-vip");
    await ctx.close();
  }, 60_000);

  it("a headshot deleted with a reason leaves the member record the kiosks get", async () => {
    const { ctx, page } = await signedIn("staff1");
    const jpeg = await page.screenshot({ type: "jpeg", quality: 50, clip: { x: 0, y: 0, width: 240, height: 320 } });
    const up = await w.call("PUT", `/bo/members/${memberA.memberId}/headshot`, {
      token: w.tokens.staff1,
      raw: new Uint8Array(jpeg),
      headers: { "content-type": "image/jpeg" },
    });
    expect(up.status).toBe(200);
    expect(w.members.get(memberA.memberId)?.headshotHash).toBeDefined();
    await page.goto(`${base}/console/#/members/${memberA.memberId}`);
    await page.getByRole("tab", { name: "头像" }).click();
    await page.getByTestId("headshot").waitFor();
    const pushesBefore = w.pushes.length;
    await page.getByTestId("headshot-delete").click();
    await page.getByTestId("headshot-delete-reason").fill("照片不清晰 blurry");
    await page.getByTestId("headshot-delete-confirm").click();
    await page.getByTestId("no-headshot").waitFor();
    expect(w.members.get(memberA.memberId)?.headshotHash).toBeUndefined();
    const pushed = w.pushes.slice(pushesBefore).flat();
    expect(pushed.some((c) => JSON.stringify(c).includes(memberA.memberId))).toBe(true);
    await ctx.close();
  }, 60_000);

  it("a manager sets a kiosk staff PIN; the store's next signed config carries a hash the kiosk's check accepts", async () => {
    const { ctx, page } = await signedIn("mgr1");
    await page.goto(`${base}/console/#/kiosk-staff`);
    await page.getByTestId("kiosk-staff-add").click();
    await page.getByTestId("pin-staff-id").fill("zhang");
    await page.getByTestId("pin-name").fill("张店员");
    await page.getByTestId("pin-value").fill("24680");
    await page.getByTestId("pin-save").click();
    await expect.poll(() => page.getByTestId("kiosk-staff").textContent()).toContain("张店员");
    await shot(page, "08-kiosk-staff-pins");
    const staff = (w.configs.latest("s1")!.content.device as unknown as { staff: Array<{ staffId: string; pinHash: string }> }).staff;
    expect(await checkPin("24680", staff.find((s) => s.staffId === "zhang")!.pinHash)).toBe(true);
    expect(await page.content()).not.toContain("scrypt$");
    await ctx.close();
  }, 60_000);
});
