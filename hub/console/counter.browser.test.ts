// The console's counter dialogs in real Chromium against the hub's HTTP app: VIP upgrade by the difference, VIP gift and extension (managers), paid level upgrade, profile edit, PLUS purchase and renewal; each quote checked against what the hub then holds, a double click applying once; screenshots in test-artifacts/console.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boWorld, FULL_RULES, type BoWorld } from "../backoffice/test-kit.js";
import { requireChromium, type Served, signedIn as signedInAt, shot as viewportShot, closeConsole, openConsole } from "./browser.testkit.js";
import { ensureConsoleBuilt } from "./build.testkit.js";

const PASSWORD = "counter-pass-2024";

let w: BoWorld;
let browser: Browser;
let server: Served | undefined;
let base = "";
/** Members: a Gold VIP with stored value (upgrade), a plain member (gift, then extension), one for the level, one for the profile, one for PLUS. */
let vip = "";
let plain = "";
let leveller = "";
let profiled = "";
let plusMember = "";

const DAY_MS = 86_400_000;
// T0 is 2024-06-15 (test-kit): the year plan's bonus (June 2024, any purchase) applies; the month plan's only to a renewal before expiry.
const PLUS_PLANS = [
  {
    id: "plus-1y",
    name: "PLUS年卡",
    description: "一年PLUS会员",
    periodDays: 366,
    priceFen: 10000,
    pricesByClass: { standard: 8800, "vip-gold": 5000 },
    bonus: { from: "2024-06-01", to: "2024-06-30", extraDays: 30 },
  },
  {
    id: "plus-1m",
    name: "PLUS月卡",
    periodDays: 31,
    priceFen: 1500,
    bonus: { from: "2024-01-01", to: "2024-12-31", extraDays: 2, when: "renew-before-expiry" },
  },
  { id: "plus-old", name: "停售方案", periodDays: 31, priceFen: 1, enabled: false },
];

const yuanOf = (text: string): number => Math.round(Number(text.replace(/[¥,\s]/g, "")) * 100);
/** A screenshot once Ant Design's transitions (button enabling, dropdowns closing) have finished. */
async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(400);
  await viewportShot(page, name);
}
const key = (s: string): Record<string, string> => ({ "idempotency-key": `counter-browser-${s}` });

const signedIn = (userId: string): Promise<{ ctx: BrowserContext; page: Page }> => signedInAt(browser, `${base}/console/`, userId, PASSWORD);

async function openMember(page: Page, memberId: string): Promise<void> {
  await page.goto(`${base}/console/#/members/${memberId}`);
  await page.getByTestId("counter-actions").waitFor();
}

/** Picks an option of the Ant Design select with `testId` by its text. */
async function pick(page: Page, testId: string, text: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: text }).click();
  await expect.poll(() => page.locator(".ant-select-dropdown:visible").count()).toBe(0);
}

const msOf = async (page: Page, testId: string): Promise<number> => Number(await page.getByTestId(testId).getAttribute("data-ms"));
const auditCount = (action: string, memberId: string): number =>
  w.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = ? AND entity_id = ?").get<{ n: number }>(action, memberId)?.n ?? 0;

beforeAll(async () => {
  requireChromium();
  const build = ensureConsoleBuilt();
  w = await boWorld({ rules: { ...FULL_RULES, plusPlans: PLUS_PLANS } });
  for (const u of ["mgr1", "staff1"]) {
    const r = await w.call("PUT", `/bo/users/${u}/password`, { body: { password: PASSWORD } });
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  }
  vip = (await w.register({ name: "陈金卡" })).memberId;
  const bought = await w.call("POST", `/bo/members/${vip}/vip/purchase`, {
    token: w.tokens.staff1,
    body: { storeId: "s1", planId: "gold-1y", payment: { method: "cash" } },
    headers: key("gold"),
  });
  expect(bought.status).toBe(200);
  const topUp = await w.call("POST", `/bo/members/${vip}/top-ups`, {
    token: w.tokens.staff1,
    body: { storeId: "s1", amountFen: 50000, payment: { method: "cash" } },
    headers: key("top-up"),
  });
  expect(topUp.status).toBe(201);
  plain = (await w.register({ name: "赵赠送" })).memberId;
  leveller = (await w.register({ name: "钱升级" })).memberId;
  profiled = (await w.register({ name: "孙资料", birthDate: "1988-08-08" })).memberId;
  plusMember = (await w.register({ name: "周加号" })).memberId;
  ({ browser, server, base } = await openConsole(build, w.app));
}, 240_000);

afterAll(async () => {
  await closeConsole(browser, server);
  w?.close();
});

describe("counter dialogs in Chromium", () => {
  it("a VIP upgrade by the difference charges the quoted price from stored value once (double click), keeping the expiry", async () => {
    const expiry = w.members.get(vip)!.vipExpiresAt!;
    const balanceBefore = w.members.get(vip)!.balanceFen;
    const hubQuote = await w.call("GET", `/bo/members/${vip}/vip/quote?storeId=s1&planId=diamond-1y&mode=upgrade`, { token: w.tokens.staff1 });
    expect(hubQuote.status).toBe(200);
    const { ctx, page } = await signedIn("staff1");
    await openMember(page, vip);
    // Counter staff: no managers' VIP actions; a VIP is upgraded, not given VIP.
    expect(await page.getByTestId("action-vip-gift").count()).toBe(0);
    expect(await page.getByTestId("action-vip-extend").count()).toBe(0);
    await page.getByTestId("action-vip-upgrade").click();
    await pick(page, "vip-upgrade-plan", "¥588.00");
    await page.getByTestId("vip-upgrade-quote-price").waitFor();
    const quoted = yuanOf((await page.getByTestId("vip-upgrade-quote-price").textContent())!);
    expect(quoted).toBe(hubQuote.body.priceFen);
    expect(await msOf(page, "vip-upgrade-quote-expiry")).toBe(expiry);
    await pick(page, "payment", "储值余额");
    await shot(page, "counter-01-vip-upgrade-quote");
    await page.getByTestId("dialog-confirm").dblclick();
    await page.getByTestId("vip-upgrade-charged").waitFor();
    expect(yuanOf((await page.getByTestId("vip-upgrade-charged").textContent())!)).toBe(quoted);
    await shot(page, "counter-02-vip-upgrade-done");
    await page.getByTestId("dialog-close").click();
    await expect.poll(() => page.getByTestId("card-class").textContent()).toBe("vip-diamond");
    // The hub: one upgrade at the quoted fee, the stored value down by exactly that, the expiry kept.
    const records = (await w.call("GET", `/bo/members/${vip}/vip`, { token: w.tokens.staff1 })).body.records as Array<{ kind: string; feeFen: number }>;
    expect(records.filter((r) => r.kind === "upgrade").map((r) => r.feeFen)).toEqual([quoted]);
    expect(w.members.get(vip)).toMatchObject({ cardClass: "vip-diamond", vipExpiresAt: expiry, balanceFen: balanceBefore - quoted });
    await ctx.close();
  }, 90_000);

  it("a manager gives VIP at the quoted class and expiry; counter staff do not see the gift", async () => {
    const staff = await signedIn("staff1");
    await openMember(staff.page, plain);
    await staff.page.getByTestId("action-profile").waitFor();
    expect(await staff.page.getByTestId("action-vip-gift").count()).toBe(0);
    expect(await staff.page.getByTestId("action-vip-upgrade").count()).toBe(0); // not VIP
    await staff.ctx.close();

    const { ctx, page } = await signedIn("mgr1");
    await openMember(page, plain);
    await page.getByTestId("action-vip-gift").click();
    await pick(page, "vip-gift-plan", "VIP Diamond · 7天");
    await page.getByTestId("reason").fill("投诉补偿 complaint");
    await page.getByTestId("vip-gift-quote-expiry").waitFor();
    const quoted = await msOf(page, "vip-gift-quote-expiry");
    expect(quoted).toBe(w.clock.now() + 7 * 86_400_000);
    await shot(page, "counter-03-vip-gift-quote");
    await page.getByTestId("dialog-confirm").dblclick();
    await page.getByTestId("vip-gift-result").waitFor();
    await page.getByTestId("dialog-close").click();
    await expect.poll(() => page.getByTestId("card-class").textContent()).toBe("vip-diamond");
    expect(w.members.get(plain)).toMatchObject({ cardClass: "vip-diamond", vipExpiresAt: quoted, baseCardClass: "standard" });
    const records = (await w.call("GET", `/bo/members/${plain}/vip`, { token: w.tokens.mgr1 })).body.records as Array<{ kind: string; note: string }>;
    expect(records.map((r) => r.kind)).toEqual(["gift"]);
    expect(records[0]!.note).toContain("complaint");
    await ctx.close();
  }, 90_000);

  it("a manager extends the VIP; the new expiry is the quoted one, by days and to a date", async () => {
    const { ctx, page } = await signedIn("mgr1");
    await openMember(page, plain);
    const before = w.members.get(plain)!.vipExpiresAt!;
    await page.getByTestId("action-vip-extend").click();
    await page.locator('[data-testid="vip-extend-days"] input, input[data-testid="vip-extend-days"]').first().fill("10");
    await page.getByTestId("reason").fill("门店装修 store closed");
    await page.getByTestId("vip-extend-quote-expiry").waitFor();
    const quoted = await msOf(page, "vip-extend-quote-expiry");
    expect(quoted).toBe(before + 10 * 86_400_000);
    await shot(page, "counter-04-vip-extend-quote");
    await page.getByTestId("dialog-confirm").click();
    await page.getByTestId("vip-extend-result").waitFor();
    expect(await msOf(page, "vip-extend-result")).toBe(quoted);
    await page.getByTestId("dialog-close").click();
    expect(w.members.get(plain)!.vipExpiresAt).toBe(quoted);

    await page.getByTestId("action-vip-extend").click();
    await page.getByTestId("vip-extend-dialog").getByText("到指定日期").click();
    await page.getByTestId("vip-extend-until").fill("2024-08-31");
    await page.getByTestId("reason").fill("活动 promotion");
    await page.getByTestId("vip-extend-quote-expiry").waitFor();
    const byDate = await msOf(page, "vip-extend-quote-expiry");
    expect(byDate).toBe(Date.parse("2024-09-01T00:00:00+08:00"));
    await page.getByTestId("dialog-confirm").click();
    await page.getByTestId("vip-extend-result").waitFor();
    await page.getByTestId("dialog-close").click();
    expect(w.members.get(plain)!.vipExpiresAt).toBe(byDate);
    const records = (await w.call("GET", `/bo/members/${plain}/vip`, { token: w.tokens.mgr1 })).body.records as Array<{ kind: string; expiresAt: number }>;
    expect(records.filter((r) => r.kind === "extension").map((r) => r.expiresAt)).toEqual([byDate, quoted]);
    await ctx.close();
  }, 90_000);

  it("a paid level upgrade charges the quoted price and gives the quoted reward", async () => {
    const pointsBefore = w.members.get(leveller)!.pointsBalance;
    const { ctx, page } = await signedIn("staff1");
    await openMember(page, leveller);
    await page.getByTestId("action-level-upgrade").click();
    await pick(page, "level-upgrade-level", "Gold (90)");
    await page.getByTestId("level-upgrade-quote-price").waitFor();
    const quoted = yuanOf((await page.getByTestId("level-upgrade-quote-price").textContent())!);
    expect(quoted).toBe(9900);
    expect(await page.getByTestId("level-upgrade-quote-reward").textContent()).toContain("50");
    await shot(page, "counter-05-level-upgrade-quote");
    await page.getByTestId("dialog-confirm").dblclick();
    await page.getByTestId("level-upgrade-result").waitFor();
    await page.getByTestId("dialog-close").click();
    await expect.poll(() => page.getByTestId("level").textContent()).toBe("l90");
    expect(w.members.get(leveller)).toMatchObject({ levelId: "l90", pointsBalance: pointsBefore + 50 });
    const level = await w.call("GET", `/bo/members/${leveller}/level`, { token: w.tokens.staff1 });
    expect(level.body.history).toEqual([expect.objectContaining({ from: "normal", to: "l90", kind: "paid-upgrade" })]);
    expect(auditCount("level.paid-upgrade", leveller)).toBe(1);
    await ctx.close();
  }, 90_000);

  it("a profile edit saves what changed once (double click) and clears an emptied field", async () => {
    const { ctx, page } = await signedIn("staff1");
    await openMember(page, profiled);
    await page.getByTestId("action-profile").click();
    await page.getByTestId("profile-name").fill("孙新名");
    await page.getByTestId("profile-phone").fill("13700137000");
    await pick(page, "profile-gender", "女");
    await page.getByTestId("profile-birth-date").fill("");
    await page.getByTestId("reason").fill("会员更换手机号");
    await shot(page, "counter-06-profile-edit");
    await page.getByTestId("dialog-confirm").dblclick();
    await page.getByTestId("profile-result").waitFor();
    await page.getByTestId("dialog-close").click();
    await expect.poll(() => page.getByTestId("member-name").textContent()).toBe("孙新名");
    const view = await w.call("GET", `/bo/members/${profiled}`, { token: w.tokens.staff1 });
    expect(view.body).toMatchObject({
      member: { name: "孙新名" },
      profile: { phone: "13700137000", gender: "female", birthDate: null },
    });
    expect(w.members.get(profiled)!.birthday).toBeUndefined();
    expect(auditCount("member.edit", profiled)).toBe(1);
    await ctx.close();
  }, 90_000);

  it("a PLUS purchase charges the quoted class price once (double click) with the quoted expiry; a renewal adds to that expiry", async () => {
    const plusOf = async () =>
      (await w.call("GET", `/bo/members/${plusMember}/plus`, { token: w.tokens.staff1 })).body as { active: boolean; expiresAt: number | null };
    const recordsOf = async () =>
      (await w.call("GET", `/bo/members/${plusMember}/plus/records`, { token: w.tokens.staff1 })).body.records as Array<{
        kind: string;
        feeFen: number;
        expiresAt: number;
      }>;
    expect((await plusOf()).active).toBe(false);
    const hubQuote = await w.call("GET", `/bo/members/${plusMember}/plus/quote?storeId=s1&planId=plus-1y`, { token: w.tokens.staff1 });
    expect(hubQuote.status).toBe(200);
    const { ctx, page } = await signedIn("staff1");
    await openMember(page, plusMember);
    await page.getByTestId("action-plus").click();
    // A disabled plan is not offered.
    await page.getByTestId("plus-plan").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option").first().waitFor();
    expect(await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "停售方案" }).count()).toBe(0);
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator(".ant-select-dropdown:visible").count()).toBe(0);
    await pick(page, "plus-plan", "PLUS年卡");
    await page.getByTestId("plus-quote-price").waitFor();
    // The quote is the hub's: a purchase from now at the standard class's price, 366 + 30 bonus days.
    expect(await page.getByTestId("plus-quote-kind").textContent()).toBe("开通");
    const quoted = yuanOf((await page.getByTestId("plus-quote-price").textContent())!);
    expect(quoted).toBe(8800);
    expect(quoted).toBe(hubQuote.body.priceFen);
    const expiry = await msOf(page, "plus-quote-expiry");
    expect(expiry).toBe(hubQuote.body.expiresAt);
    expect(expiry).toBe(w.clock.now() + (366 + 30) * DAY_MS);
    await shot(page, "counter-07-plus-quote");
    await page.getByTestId("dialog-confirm").dblclick();
    await page.getByTestId("plus-result").waitFor();
    expect(await msOf(page, "plus-result")).toBe(expiry);
    await page.getByTestId("dialog-close").click();
    await expect.poll(() => msOf(page, "plus-state")).toBe(expiry);
    // The hub: exactly one record at the quoted fee, PLUS active until the quoted expiry, one audit entry.
    expect((await recordsOf()).map((r) => [r.kind, r.feeFen, r.expiresAt])).toEqual([["purchase", quoted, expiry]]);
    expect(await plusOf()).toMatchObject({ active: true, expiresAt: expiry });
    expect(auditCount("plus.purchase", plusMember)).toBe(1);

    // A renewal while active: from the current expiry, with the month plan's renewal bonus (2 days).
    await page.getByTestId("action-plus").click();
    await pick(page, "plus-plan", "PLUS月卡");
    await page.getByTestId("plus-quote-price").waitFor();
    expect(await page.getByTestId("plus-quote-kind").textContent()).toBe("续费");
    const renewed = await msOf(page, "plus-quote-expiry");
    expect(renewed).toBe(expiry + (31 + 2) * DAY_MS);
    await shot(page, "counter-08-plus-renewal-quote");
    await page.getByTestId("dialog-confirm").dblclick();
    await page.getByTestId("plus-result").waitFor();
    await page.getByTestId("dialog-close").click();
    await expect.poll(() => msOf(page, "plus-state")).toBe(renewed);
    expect((await recordsOf()).map((r) => [r.kind, r.feeFen, r.expiresAt])).toEqual([
      ["renewal", 1500, renewed],
      ["purchase", quoted, expiry],
    ]);
    expect((await plusOf()).expiresAt).toBe(renewed);
    // The member page's PLUS record tab lists both.
    await page.getByRole("tab", { name: "PLUS记录" }).click();
    await expect.poll(() => page.getByTestId("plus-records").locator("tbody tr.ant-table-row").count()).toBe(2);
    await ctx.close();
  }, 90_000);
});
