// The configuration forms in real Chromium against the hub's HTTP app: a points rule edited in the chain defaults (a browser-side schema error, then a hub error shown next to its field), a store policy field overridden for one store (inherited / overridden marker, reset to chain), a catalog CSV imported (bad rows listed, then a good file) and the preview diff listing the changed prices; the rules' lists as tables; a period multiplier, the store name and a VIP price by class (key=value) edited and checked through the hub's API. config-forms-more.browser.test.ts has scale labels, level discounts and an edit typed while a save is on its way.
import { describe, expect, it } from "vitest";
import { VipPlanSchema } from "../../protocol/rules/config.js";
import { FULL_RULES } from "../backoffice/test-kit.js";
import { DESKTOP_TALL, newPage, shot } from "./browser.testkit.js";
import { browser, CATALOG, catalogCsv, chainRules, inputOf, pickOption, selectStore, signInToConfig, openConfigFormsWorld, w } from "./config-forms.testkit.js";

openConfigFormsWorld();

describe("configuration forms in Chromium", () => {
  it("edits a points rule and a store policy field in forms, shows inherited/overridden and the hub's field error, imports a catalog and previews the new prices", async () => {
    const { ctx, page } = await newPage(browser, { viewport: DESKTOP_TALL });
    try {
      await signInToConfig(page);
      await page.getByTestId("config-page").waitFor();
      await selectStore(page, "s1");
      await inputOf(page, "level-discount-l90").waitFor();

      // Points, chain defaults: the browser's schema check refuses 5 decimals at once, next to the field.
      await page.getByTestId("tab-points").click();
      const fenPerPoint = inputOf(page, "field-rules.points.spend.fenPerPoint");
      await fenPerPoint.waitFor();
      expect(await fenPerPoint.inputValue()).toBe("10000");
      await inputOf(page, "field-rules.points.decimals").fill("5");
      await expect.poll(() => page.getByTestId("field-error-rules.points.decimals").count()).toBe(1);
      expect(await page.getByTestId("save-earning").isDisabled()).toBe(true);
      await inputOf(page, "field-rules.points.decimals").fill("0");
      await expect.poll(() => page.getByTestId("field-error-rules.points.decimals").count()).toBe(0);
      await fenPerPoint.fill("5000");
      await fenPerPoint.press("Tab");
      await page.getByTestId("save-earning").click();
      await expect.poll(() => chainRules()?.points.spend.fenPerPoint).toBe(5000);
      expect(chainRules()?.catalog.length).toBe(CATALOG.length); // the rest of the chain's rules kept

      // Tiered redemption without tiers passes the section schema but not the hub's cross-check: its error sits next to the mode.
      await pickOption(page, "field-rules.points.redemption.mode", "tiered");
      await page.getByTestId("save-redemption").click();
      const modeError = page.getByTestId("field-error-rules.points.redemption.mode");
      await expect.poll(() => modeError.textContent()).toContain("rules.points.redemption.tiers");
      expect(chainRules()?.points.redemption.mode).toBe("ratio");
      await shot(page, "config-forms-points", true);

      // Store policy, s1's overrides: inherited, then overridden, saved as one field; reset to chain.
      await page.getByTestId("tab-policy").click();
      await page.getByTestId("scope-store").click();
      const marker = page.getByTestId("marker-device.verification.oneInN");
      await expect.poll(() => marker.textContent()).toBe("继承总部");
      const oneInN = inputOf(page, "field-device.verification.oneInN");
      expect(await oneInN.inputValue()).toBe("0");
      await oneInN.fill("5");
      await oneInN.press("Tab");
      await expect.poll(() => marker.textContent()).toBe("门店覆盖");
      await page.getByTestId("save-verification").click();
      await expect
        .poll(() => JSON.stringify(w.configs.getLayer({ kind: "store", storeId: "s1" }) ?? null))
        .toBe(JSON.stringify({ device: { verification: { oneInN: 5 } } }));
      // After the reload the marker comes from the saved overrides; other fields stay inherited.
      await expect.poll(() => page.getByTestId("marker-device.verification.oneInN").textContent()).toBe("门店覆盖");
      expect(await page.getByTestId("marker-device.returns.windowDays").textContent()).toBe("继承总部");
      // The display languages (device.display.languages): listed, inherited, the kiosks' default.
      expect(await page.getByTestId("marker-device.display.languages").textContent()).toBe("继承总部");
      expect(await page.getByTestId("card-display").textContent()).toContain("zh+en");
      // A value the kiosks' schema refuses (366 days at most) is caught in the browser, next to the field.
      await inputOf(page, "field-device.returns.windowDays").fill("999");
      await expect.poll(() => page.getByTestId("field-error-device.returns.windowDays").count()).toBe(1);
      await inputOf(page, "field-device.returns.windowDays").fill("30");
      await page.getByTestId("reset-device.returns.windowDays").click();
      await shot(page, "config-forms-policy", true);
      await page.getByTestId("reset-device.verification.oneInN").click();
      await expect.poll(() => page.getByTestId("marker-device.verification.oneInN").textContent()).toBe("继承总部");
      await page.getByTestId("save-verification").click();
      await expect.poll(() => JSON.stringify(w.configs.getLayer({ kind: "store", storeId: "s1" }) ?? null)).toBe("{}");
      // Set it again for the preview below.
      await inputOf(page, "field-device.verification.oneInN").fill("5");
      await inputOf(page, "field-device.verification.oneInN").press("Tab");
      await page.getByTestId("save-verification").click();
      await expect.poll(() => JSON.stringify(w.configs.getLayer({ kind: "store", storeId: "s1" }) ?? null)).toContain('"oneInN":5');

      // Catalog, chain defaults: a file with bad rows is refused with their row numbers, then a good one is imported.
      await page.getByTestId("tab-catalog").click();
      await page.getByTestId("scope-chain").click();
      await expect.poll(() => page.getByTestId("catalog-total").textContent()).toBe(`共 ${CATALOG.length} 件商品`);
      const file = page.locator('[data-testid="catalog-panel"] input[type=file]');
      await file.setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: catalogCsv({ "milk-1l": "12.345" }, ["tea,,Tea,grocery,abc"]) });
      await page.getByTestId("catalog-row-errors").waitFor();
      const errorsText = await page.getByTestId("catalog-row-errors").textContent();
      expect(errorsText).toContain("priceFen");
      const milkRow = String(CATALOG.findIndex((p) => p.sku === "milk-1l") + 2);
      expect(await page.getByTestId("catalog-row-errors").locator("tbody tr td:first-child").allTextContents()).toEqual([milkRow, String(CATALOG.length + 2)]);
      expect(chainRules()?.catalog.find((p) => p.sku === "milk-1l")?.priceFen).toBe(1250);
      await file.setInputFiles({ name: "catalog.csv", mimeType: "text/csv", buffer: catalogCsv({ "rice-5kg": "62.90", "milk-1l": "13.50" }) });
      await page.getByTestId("catalog-import-done").waitFor();
      expect(chainRules()?.catalog.find((p) => p.sku === "rice-5kg")?.priceFen).toBe(6290);
      await page.getByTestId("catalog-search").locator("input").fill("rice");
      await page.getByTestId("catalog-search").locator("input").press("Enter");
      await expect.poll(() => page.getByTestId("catalog-table").locator("tbody").textContent()).toContain("¥62.90");
      await shot(page, "config-forms-catalog", true);

      // The preview of s1's draft lists the changed prices, the points rule and the store's override.
      await page.getByTestId("tab-levels").click();
      await page.getByTestId("preview").click();
      const diff = page.getByTestId("diff");
      await expect.poll(() => diff.textContent()).toContain("rules.catalog[rice-5kg].priceFen");
      const text = (await diff.textContent()) ?? "";
      expect(text).toContain("rules.catalog[milk-1l].priceFen");
      expect(text).toContain("rules.points.spend.fenPerPoint");
      expect(text).toContain("device.verification.oneInN");
      expect(text).not.toContain("rules.catalog[yogurt-6]");
      await shot(page, "config-forms-preview", true);
    } catch (err) {
      await shot(page, "config-forms-failure", true).catch(() => undefined);
      throw err;
    } finally {
      await ctx.close();
    }
  }, 180_000);

  it("edits the rules' lists in tables: a coupon's hub error in its row and column, a store's own level list marked overridden and reset", async () => {
    const { ctx, page } = await newPage(browser, { viewport: DESKTOP_TALL });
    try {
      await signInToConfig(page);
      await selectStore(page, "s2");
      await inputOf(page, "level-discount-l90").waitFor();
      await page.getByTestId("tab-lists").click();
      const coupons = (FULL_RULES as unknown as { coupons: Array<{ id: string; kind: string }> }).coupons;
      const free = coupons.findIndex((c) => c.kind === "free-item");
      const sku = page.getByTestId(`list-coupons-${free}-sku`);
      await sku.fill("no-such-sku");
      await page.getByTestId("list-save-coupons").click();
      await expect.poll(() => page.getByTestId(`list-error-coupons-${free}-sku`).textContent()).toContain("catalog sku");
      // Store s2's levels: inherited, then its own list, then reset to the chain.
      await page.getByTestId("scope-store").click();
      const marker = page.getByTestId("list-marker-levels");
      await expect.poll(() => marker.textContent()).toBe("继承总部");
      const levels = (FULL_RULES as unknown as { levels: Array<{ id: string }> }).levels;
      const l90 = levels.findIndex((l) => l.id === "l90");
      await inputOf(page, `list-levels-${l90}-discountPercent`).fill("85");
      await expect.poll(() => marker.textContent()).toBe("门店覆盖");
      await page.getByTestId("list-save-levels").click();
      await expect
        .poll(
          () =>
            (w.configs.getLayer({ kind: "store", storeId: "s2" })?.rules as { levels?: Array<{ id: string; discountPercent: number }> } | undefined)?.levels?.[
              l90
            ]?.discountPercent,
        )
        .toBe(85);
      await shot(page, "config-forms-lists", true);
      await page.getByTestId("list-reset-levels").click();
      await page.getByTestId("list-save-levels").click();
      await expect.poll(() => JSON.stringify(w.configs.getLayer({ kind: "store", storeId: "s2" }) ?? null)).toBe("{}");
      await expect.poll(() => page.getByTestId("list-marker-levels").textContent()).toBe("继承总部");
    } catch (err) {
      await shot(page, "config-forms-lists-failure", true).catch(() => undefined);
      throw err;
    } finally {
      await ctx.close();
    }
  }, 120_000);
  it("edits a period multiplier row, the store's name and a VIP plan's prices by class in forms; bad values show the schema's error; the hub holds exactly those values", async () => {
    const { ctx, page } = await newPage(browser, { viewport: DESKTOP_TALL });
    type Rules = {
      points: { multipliers: { periods: unknown[]; holidays: unknown[] } };
      vipPlans: Array<{ id: string; pricesByClass?: Record<string, number>; priceFen: number }>;
    };
    const storeConfig = async () => {
      const r = await w.call("GET", "/bo/config/stores/s1");
      expect(r.status).toBe(200);
      return r.body as { chain: { rules: Rules; device?: unknown }; overrides: { device?: Record<string, unknown>; rules?: unknown } | null };
    };
    const before = await storeConfig();
    const vipBefore = before.chain.rules.vipPlans;
    const plan = vipBefore.findIndex((p) => p.id === "diamond-1y");
    expect(vipBefore[plan]?.pricesByClass).toEqual({ "vip-gold": 55800 });
    try {
      await signInToConfig(page);
      await selectStore(page, "s1");
      await inputOf(page, "level-discount-l90").waitFor();

      // Period multipliers (chain defaults): a bad date is refused in its cell, then the row is edited and saved.
      await page.getByTestId("tab-points").click();
      const from = page.getByTestId("list-periods-0-from");
      await from.waitFor();
      expect(await from.inputValue()).toBe("2024-06-01");
      expect(await page.getByTestId("list-periods-0-name").inputValue()).toBe("anniversary-week");
      await from.fill("2025-13-01");
      await expect.poll(() => page.getByTestId("list-error-periods-0-from").textContent()).toContain("YYYY-MM-DD");
      expect(await page.getByTestId("list-save-periods").isDisabled()).toBe(true);
      await from.fill("2025-06-01");
      await page.getByTestId("list-periods-0-to").fill("2025-06-08");
      await inputOf(page, "list-periods-0-percent").fill("50");
      await expect.poll(() => page.getByTestId("list-error-periods-0-percent").count()).toBe(1); // at least 100 (x1)
      await inputOf(page, "list-periods-0-percent").fill("250");
      await expect.poll(() => page.getByTestId("list-error-periods-0-percent").count()).toBe(0);
      await page.getByTestId("list-save-periods").click();
      await expect
        .poll(async () => JSON.stringify((await storeConfig()).chain.rules.points.multipliers.periods))
        .toBe(JSON.stringify([{ name: "anniversary-week", from: "2025-06-01", to: "2025-06-08", percent: 250 }]));

      // VIP price by class (chain defaults): key=value entries; a value that is not a number is refused in its cell.
      await page.getByTestId("tab-lists").click();
      const prices = inputOf(page, `list-vipPlans-${plan}-pricesByClass`);
      await prices.waitFor();
      await expect.poll(() => page.getByTestId(`list-vipPlans-${plan}-pricesByClass`).textContent()).toContain("vip-gold=558.00");
      await prices.click();
      await prices.press("Backspace");
      for (const tag of ["vip-gold=540", "standard=570.50", "vip-x=abc"]) {
        await prices.fill(tag);
        await prices.press("Enter");
      }
      await expect.poll(() => page.getByTestId(`list-error-vipPlans-${plan}-pricesByClass`).count()).toBe(1);
      expect(await page.getByTestId("list-save-vipPlans").isDisabled()).toBe(true);
      await page
        .getByTestId(`list-vipPlans-${plan}-pricesByClass`)
        .locator(".ant-select-selection-item", { hasText: "vip-x" })
        .locator(".ant-select-selection-item-remove")
        .click();
      await expect.poll(() => page.getByTestId(`list-error-vipPlans-${plan}-pricesByClass`).count()).toBe(0);
      await page.getByTestId("list-save-vipPlans").click();
      await expect.poll(async () => (await storeConfig()).chain.rules.vipPlans[plan]?.pricesByClass).toEqual({ "vip-gold": 54000, standard: 57050 });
      // Only that plan's prices changed (compared as the kiosks parse them: the table leaves empty defaults out).
      const vipAfter = (await storeConfig()).chain.rules.vipPlans;
      const parsed = (l: unknown[]) => l.map((p) => VipPlanSchema.parse(p));
      expect(parsed(vipAfter.map((p, i) => (i === plan ? { ...p, pricesByClass: vipBefore[plan]?.pricesByClass } : p)))).toEqual(parsed(vipBefore));

      // Store name (s1's overrides): inherited from the version in force, overridden; a receipt URL that is not a URL is refused.
      await page.getByTestId("tab-policy").click();
      await page.getByTestId("scope-store").click();
      const name = page.getByTestId("field-device.storeName");
      await expect.poll(() => page.getByTestId("marker-device.storeName").textContent()).toBe("继承总部");
      expect(await name.inputValue()).toBe("s1");
      await page.getByTestId("field-device.receiptUrlBase").fill("not a url");
      await expect.poll(() => page.getByTestId("field-error-device.receiptUrlBase").count()).toBe(1);
      expect(await page.getByTestId("save-store").isDisabled()).toBe(true);
      await page.getByTestId("reset-device.receiptUrlBase").click();
      await expect.poll(() => page.getByTestId("field-error-device.receiptUrlBase").count()).toBe(0);
      await name.fill("旗舰店 s1");
      await page.getByTestId("save-store").click();
      await expect.poll(async () => (await storeConfig()).overrides?.device).toEqual({ verification: { oneInN: 5 }, storeName: "旗舰店 s1" });
      await expect.poll(() => page.getByTestId("marker-device.storeName").textContent()).toBe("门店覆盖");
      // The store's kiosks (device.storeKiosks) are a table in the same tab, inherited from the chain.
      expect(await page.getByTestId("list-marker-storeKiosks").textContent()).toBe("继承总部");
      await shot(page, "config-forms-store-name", true);

      // The composed draft for s1 passes the hub's checks and its diff names exactly these fields.
      const preview = await w.call("POST", "/bo/config/preview", { body: { scope: "store", storeId: "s1" } });
      expect(preview.status).toBe(200);
      const paths = (preview.body.diff as { changes: Array<{ path: string }> }).changes.map((c) => c.path);
      expect(paths).toContain("device.storeName");
      expect(paths.some((p) => p.startsWith("rules.points.multipliers.periods"))).toBe(true);
      expect(paths.some((p) => p.startsWith("rules.vipPlans") && p.includes("pricesByClass"))).toBe(true);
      expect(paths.some((p) => p.includes("receiptUrlBase") || p.includes("holidays"))).toBe(false);
    } catch (err) {
      await shot(page, "config-forms-store-name-failure", true).catch(() => undefined);
      throw err;
    } finally {
      await ctx.close();
    }
  }, 180_000);
});
