// The configuration screen in real Chromium against the hub's HTTP app: change a level's discount in the form, preview (diff + a cart priced old and new), publish to a first wave of one kiosk, watch the rollout per kiosk, roll back.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boWorld, type BoWorld } from "../backoffice/test-kit.js";
import { DESKTOP_TALL, requireChromium, type Served, signedIn, shot, closeConsole, openConsole } from "./browser.testkit.js";
import { ensureConsoleBuilt } from "./build.testkit.js";

const PASSWORD = "hq-config-pass-2024";

let w: BoWorld;
let browser: Browser;
let server: Served | undefined;
let base = "";

/** The input of an antd field whose test id sits on the wrapper or on the input itself. */
const inputOf = (page: Page, id: string) => page.locator(`[data-testid="${id}"] input, input[data-testid="${id}"], textarea[data-testid="${id}"]`).first();
const yuanOf = (text: string | null): number => Math.round(Number((text ?? "").replace(/[¥,\s]/g, "")) * 100);

beforeAll(async () => {
  requireChromium();
  const build = ensureConsoleBuilt();
  w = await boWorld();
  for (const k of ["k1", "k2"])
    w.db.prepare("INSERT INTO devices (device_id, chain_id, store_id, secret_hash, created_at) VALUES (?, 'acme', 's1', 'x', 0)").run(k);
  expect((await w.call("PUT", "/bo/users/hq/password", { body: { password: PASSWORD } })).status).toBe(200);
  ({ browser, server, base } = await openConsole(build, w.app));
}, 240_000);

afterAll(async () => {
  await closeConsole(browser, server);
  w?.close();
});

describe("configuration screen in Chromium", () => {
  it("changes l90's discount, previews the cart at both prices, publishes to a first wave of one kiosk, and rolls back", async () => {
    const first = w.configs.latest("s1")!.version;
    const { ctx, page } = await signedIn(browser, `${base}/console/`, "hq", PASSWORD, { viewport: DESKTOP_TALL });
    await page.getByTestId("menu-config").click();
    await page.getByTestId("config-page").waitFor();
    // Pick store s1 (the store select is in the header).
    await page.getByTestId("store-select").click();
    await page.locator(".ant-select-item-option[title='s1'], .ant-select-item-option:has-text('s1')").first().click();
    const l90 = inputOf(page, "level-discount-l90");
    await l90.waitFor();
    expect(await l90.inputValue()).toBe("90");
    await l90.fill("80");
    await l90.press("Tab");
    await page.getByTestId("cart-sku").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "¥59.90" }).first().click();
    await inputOf(page, "cart-qty").fill("2");
    await page.getByTestId("cart-level").click();
    await page.locator(".ant-select-item-option").filter({ hasText: "(l90)" }).first().click();
    await page.getByTestId("preview").click();
    await page.getByTestId("whatif-draft").waitFor();
    expect(yuanOf(await page.getByTestId("whatif-inforce").locator(".ant-statistic-content").textContent())).toBe(Math.round(5990 * 0.9) * 2);
    expect(yuanOf(await page.getByTestId("whatif-draft").locator(".ant-statistic-content").textContent())).toBe(5990 * 0.8 * 2);
    await expect.poll(() => page.getByTestId("diff").textContent()).toContain("rules.levels[l90].discountPercent");
    await shot(page, "config-preview", true);

    // A typo'd key in the store overrides is refused with its path; nothing is saved.
    const overrides = inputOf(page, "overrides-json");
    await overrides.fill('{"device": {"verificaton": {"oneInN": 5}}}');
    await page.getByTestId("overrides-save").click();
    await expect.poll(() => page.getByTestId("error-detail").textContent()).toContain("device.verificaton: unknown key");
    expect(w.configs.getLayer({ kind: "store", storeId: "s1" })).toBeUndefined();
    await overrides.fill("{}");

    // Publish to k1 first.
    await inputOf(page, "first-wave").fill("k1");
    await inputOf(page, "first-wave").press("Enter");
    await page.keyboard.press("Escape");
    await page.getByTestId("publish").click();
    await expect.poll(() => page.getByTestId("target-k1").textContent()).toBe("sent");
    expect(await page.getByTestId("target-k2").textContent()).toBe("waiting");
    const v = w.configs.latest("s1")!.version;
    expect(v).toBe(first + 1);
    expect(w.configs.latest("s1")!.content.rules.levels.find((l) => l.id === "l90")?.discountPercent).toBe(80);
    // The kiosks report (as the MQTT link would pass them on); the view follows.
    w.bo.rollouts.report("k1", { version: v, status: "applied", appliedVersion: v });
    await expect.poll(() => page.getByTestId("target-k2").textContent(), { timeout: 10_000 }).toBe("sent");
    w.bo.rollouts.report("k2", { version: v, status: "applied", appliedVersion: v });
    await expect.poll(() => page.getByTestId("rollout-state").textContent(), { timeout: 10_000 }).toBe("completed");
    await shot(page, "config-rollout", true);

    // Roll back to the first version: a new, higher version with its content.
    await page.getByTestId("rollback-version").click();
    await page
      .locator(".ant-select-item-option")
      .filter({ hasText: `v${first} ` })
      .first()
      .click();
    await page.getByTestId("rollback").click();
    await expect.poll(() => w.configs.latest("s1")!.version).toBe(v + 1);
    expect(w.configs.latest("s1")!.content.rules.levels.find((l) => l.id === "l90")?.discountPercent).toBe(90);
    await expect.poll(() => page.getByTestId("target-k1").textContent()).toBe("sent");
    await ctx.close();
  }, 120_000);
});
