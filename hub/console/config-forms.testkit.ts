// Test kit of the configuration forms' browser suites (config-forms*.browser.test.ts): a back-office world with an hq
// password, the console served to Chromium, and the helpers that sign in, pick a store and choose antd select options.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { boWorld, FULL_RULES, type BoWorld } from "../backoffice/test-kit.js";
import { requireChromium, type Served, signInPage, closeConsole, openConsole } from "./browser.testkit.js";
import { ensureConsoleBuilt } from "./build.testkit.js";

const PASSWORD = "hq-config-forms-2024";

/** Set by openConfigFormsWorld's beforeAll (live bindings: read them inside the tests). */
export let w: BoWorld;
export let browser: Browser;
export let base = "";
let server: Served | undefined;

/** Registers the hooks that start the world and the browser before the file's tests, and stop them after. */
export function openConfigFormsWorld(): void {
  beforeAll(async () => {
    requireChromium();
    const build = ensureConsoleBuilt();
    w = await boWorld();
    expect((await w.call("PUT", "/bo/users/hq/password", { body: { password: PASSWORD } })).status).toBe(200);
    ({ browser, server, base } = await openConsole(build, w.app));
  }, 240_000);

  afterAll(async () => {
    await closeConsole(browser, server);
    w?.close();
  });
}

export const inputOf = (page: Page, id: string) => page.locator(`[data-testid="${id}"] input, input[data-testid="${id}"]`).first();
export type Item = { sku: string; barcode?: string; name: string; category: string; priceFen: number };
export const CATALOG = (FULL_RULES as unknown as { catalog: Item[] }).catalog;
/** The example catalog as a CSV with some prices changed (yuan), plus extra lines. */
export function catalogCsv(prices: Record<string, string>, extra: string[] = []): Buffer {
  const rows = CATALOG.map((p) => [p.sku, p.barcode ?? "", p.name, p.category, prices[p.sku] ?? (p.priceFen / 100).toFixed(2)].join(","));
  return Buffer.from(["商品编码,条码,名称,分类,售价", ...rows, ...extra].join("\n"));
}
/** Signs in as hq and opens the configuration page. */
export async function signInToConfig(page: Page): Promise<void> {
  await signInPage(page, `${base}/console/`, "hq", PASSWORD);
  await page.getByTestId("menu-config").click();
}
/** Picks the store whose layer the forms edit, in the header's store select. */
export async function selectStore(page: Page, storeId: string): Promise<void> {
  await page.getByTestId("store-select").click();
  await page.locator(`.ant-select-item-option[title='${storeId}'], .ant-select-item-option:has-text('${storeId}')`).first().click();
}
/**
 * Chooses `title` in the antd select `testId` and checks the select shows it. A click that lands while
 * the dropdown is still sliding open can be lost (seen once in a dozen runs: the select kept its old
 * value and the save stayed disabled), so the choice is made again, at most three times.
 */
export async function pickOption(page: Page, testId: string, title: string): Promise<void> {
  const select = page.getByTestId(testId);
  for (let attempt = 0; attempt < 3; attempt++) {
    await select.click();
    await page.locator(`.ant-select-item-option[title='${title}']`).click({ timeout: 5_000 });
    if ((await select.textContent())?.includes(title)) return;
    await page.keyboard.press("Escape");
  }
  expect(await select.textContent()).toContain(title);
}
export const chainRules = () =>
  w.configs.getLayer({ kind: "chain" })?.rules as { points: { spend: { fenPerPoint: number }; redemption: { mode: string } }; catalog: Item[] } | undefined;
