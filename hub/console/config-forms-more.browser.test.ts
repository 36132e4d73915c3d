// More configuration forms in real Chromium (config-forms.browser.test.ts has the others): scale labels (a whole-card check, a hub error under PLU -> sku), a level's per-category discounts and by-balance downgrade ranges; an edit typed while its card's previous save is on its way is kept and saved next.
import { describe, expect, it } from "vitest";
import { FULL_RULES } from "../backoffice/test-kit.js";
import { DESKTOP_TALL, newPage, shot } from "./browser.testkit.js";
import { browser, inputOf, selectStore, signInToConfig, openConfigFormsWorld, w } from "./config-forms.testkit.js";

openConfigFormsWorld();

describe("configuration forms in Chromium, continued", () => {
  it("edits scale labels (a whole-card check, then the hub's unknown-sku error under PLU -> sku), a level's per-category discounts and by-balance downgrade ranges; the hub holds exactly those values", async () => {
    const { ctx, page } = await newPage(browser, { viewport: DESKTOP_TALL });
    const chain = async () => {
      const r = await w.call("GET", "/bo/config/chain");
      expect(r.status).toBe(200);
      // The chain layer (null until something is saved in the chain's scope).
      const layer = (
        r.body as {
          layer: { rules?: { scaleLabels?: unknown; levels?: Array<{ id: string; categoryDiscountPercent?: unknown; downgrade?: unknown }> } } | null;
        }
      ).layer;
      return { scaleLabels: layer?.rules?.scaleLabels, levels: layer?.rules?.levels ?? [] };
    };
    try {
      await signInToConfig(page);
      await inputOf(page, "level-discount-l90").waitFor();

      // Scale labels (chain defaults; the example rules have none): 4-digit PLUs no longer add up to 13 until the prefix has 2 digits.
      await page.getByTestId("tab-other").click();
      await inputOf(page, "field-rules.scaleLabels.pluDigits").waitFor();
      expect(await inputOf(page, "field-rules.scaleLabels.pluDigits").inputValue()).toBe("5");
      await inputOf(page, "field-rules.scaleLabels.pluDigits").fill("4");
      await expect.poll(() => page.getByTestId("card-client-error-scaleLabels").textContent()).toContain("13");
      expect(await page.getByTestId("save-scaleLabels").isDisabled()).toBe(true);
      await page.getByTestId("field-rules.scaleLabels.prefix").fill("20");
      await expect.poll(() => page.getByTestId("card-client-error-scaleLabels").count()).toBe(0);
      const plus = inputOf(page, "field-rules.scaleLabels.plus");
      await plus.click();
      await plus.fill("1234=no-such-sku");
      await plus.press("Enter");
      await page.getByTestId("save-scaleLabels").click();
      await expect.poll(() => page.getByTestId("field-error-rules.scaleLabels.plus").textContent()).toContain("unknown sku");
      expect((await chain()).scaleLabels ?? null).toBeNull();
      await page
        .getByTestId("field-rules.scaleLabels.plus")
        .locator(".ant-select-selection-item", { hasText: "no-such-sku" })
        .locator(".ant-select-selection-item-remove")
        .click();
      await plus.fill("1234=apples-1kg");
      await plus.press("Enter");
      await page.getByTestId("save-scaleLabels").click();
      await expect.poll(async () => (await chain()).scaleLabels).toEqual({ prefix: "20", pluDigits: 4, plus: { "1234": "apples-1kg" } });

      // A level's per-category discounts (pays %, 100 at most): l85 pays 92% on appliances and 97% on formula.
      await page.getByTestId("tab-lists").click();
      const l85 = (FULL_RULES as unknown as { levels: Array<{ id: string }> }).levels.findIndex((l) => l.id === "l85");
      const cats = inputOf(page, `list-levels-${l85}-categoryDiscountPercent`);
      await expect.poll(() => page.getByTestId(`list-levels-${l85}-categoryDiscountPercent`).textContent()).toContain("appliances=95");
      await page
        .getByTestId(`list-levels-${l85}-categoryDiscountPercent`)
        .locator(".ant-select-selection-item", { hasText: "appliances" })
        .locator(".ant-select-selection-item-remove")
        .click();
      for (const tag of ["appliances=92", "formula=120"]) {
        await cats.fill(tag);
        await cats.press("Enter");
      }
      await expect.poll(() => page.getByTestId(`list-error-levels-${l85}-categoryDiscountPercent`).count()).toBe(1);
      expect(await page.getByTestId("list-save-levels").isDisabled()).toBe(true);
      await page
        .getByTestId(`list-levels-${l85}-categoryDiscountPercent`)
        .locator(".ant-select-selection-item", { hasText: "formula" })
        .locator(".ant-select-selection-item-remove")
        .click();
      await cats.fill("formula=97");
      await cats.press("Enter");
      await expect.poll(() => page.getByTestId(`list-error-levels-${l85}-categoryDiscountPercent`).count()).toBe(0);
      // l95's by-balance downgrade ranges (yuan from-to=level): a bad amount refused, then new bounds.
      const l95 = (FULL_RULES as unknown as { levels: Array<{ id: string }> }).levels.findIndex((l) => l.id === "l95");
      const rangesId = `list-levels-${l95}-downgrade.ranges`;
      await expect.poll(() => page.getByTestId(rangesId).textContent()).toContain("0.00-100.00=normal");
      expect(await page.getByTestId(rangesId).textContent()).toContain("100.00-=l95");
      for (const t of ["0.00-100.00=normal", "100.00-=l95"])
        await page.getByTestId(rangesId).locator(".ant-select-selection-item", { hasText: t }).locator(".ant-select-selection-item-remove").click();
      const ranges = inputOf(page, rangesId);
      for (const tag of ["0-200=normal", "abc-=l95"]) {
        await ranges.fill(tag);
        await ranges.press("Enter");
      }
      await expect.poll(() => page.getByTestId(`list-error-levels-${l95}-downgrade.ranges`).count()).toBe(1);
      await page.getByTestId(rangesId).locator(".ant-select-selection-item", { hasText: "l95" }).locator(".ant-select-selection-item-remove").click();
      await ranges.fill("200-=l95");
      await ranges.press("Enter");
      await expect.poll(() => page.getByTestId(`list-error-levels-${l95}-downgrade.ranges`).count()).toBe(0);
      await page.getByTestId("list-save-levels").click();
      await expect.poll(async () => (await chain()).levels[l85]?.categoryDiscountPercent).toEqual({ appliances: 92, formula: 97 });
      expect((await chain()).levels[l95]?.downgrade).toEqual({
        kind: "by-balance",
        ranges: [
          { minFen: 0, maxFen: 20000, levelId: "normal" },
          { minFen: 20000, levelId: "l95" },
        ],
      });
      await shot(page, "config-forms-category-discounts", true);
    } catch (err) {
      await shot(page, "config-forms-scale-failure", true).catch(() => undefined);
      throw err;
    } finally {
      await ctx.close();
    }
  }, 180_000);

  it("keeps an edit typed while the previous save of its card is still on its way, and saves it next", async () => {
    const { ctx, page } = await newPage(browser, { viewport: DESKTOP_TALL });
    try {
      await signInToConfig(page);
      await page.getByTestId("config-page").waitFor();
      await selectStore(page, "s1");
      await page.getByTestId("tab-policy").click();
      await page.getByTestId("scope-store").click();
      const days = inputOf(page, "field-device.returns.windowDays");
      await days.waitFor();
      const chainDays = await days.inputValue(); // inherited: s1 has no windowDays of its own yet
      // The hub applies the save at once; its answer reaches the page only when the test lets it go.
      let release: () => void = () => undefined;
      const held = new Promise<void>((r) => (release = r));
      let holding = true;
      await page.route("**/bo/config/fields", async (route) => {
        if (!holding) return route.continue();
        holding = false;
        const answer = await route.fetch();
        await held;
        await route.fulfill({ response: answer });
      });
      const windowDays = () =>
        (w.configs.getLayer({ kind: "store", storeId: "s1" }) as { device?: { returns?: { windowDays?: number } } } | undefined)?.device?.returns?.windowDays;
      await days.fill("20");
      await days.press("Tab");
      await page.getByTestId("save-returns").click();
      await expect.poll(windowDays).toBe(20);
      // The clerk goes on typing before the answer arrives.
      await days.fill("21");
      await days.press("Tab");
      release();
      // The first save finished (no spinner: a click on a loading button does nothing) and the new value is still to save.
      const save = page.getByTestId("save-returns");
      await expect.poll(async () => (await save.isEnabled()) && !(await save.getAttribute("class"))?.includes("ant-btn-loading")).toBe(true);
      expect(await days.inputValue()).toBe("21");
      await page.getByTestId("save-returns").click();
      await expect.poll(windowDays).toBe(21);
      // Done when the page has the reloaded view: nothing left to save.
      await expect.poll(() => page.getByTestId("save-returns").isDisabled()).toBe(true);

      // A reset saved: until the reloaded view arrives the field shows the chain's value, not the old override.
      let releaseReload: () => void = () => undefined;
      const reloadHeld = new Promise<void>((r) => (releaseReload = r));
      let holdReload = true;
      let reloadWaiting = false;
      await page.route("**/bo/config/stores/s1", async (route) => {
        if (!holdReload) return route.continue();
        holdReload = false;
        const answer = await route.fetch();
        reloadWaiting = true;
        await reloadHeld;
        await route.fulfill({ response: answer });
      });
      await page.getByTestId("reset-device.returns.windowDays").click();
      await page.getByTestId("save-returns").click();
      await expect.poll(windowDays).toBeUndefined();
      await expect.poll(() => reloadWaiting).toBe(true);
      expect(await days.inputValue()).toBe(chainDays);
      releaseReload();
      // Done once the reloaded view is in (the marker says 继承总部 already while the reset is pending).
      await expect.poll(() => page.getByTestId("save-returns").isDisabled()).toBe(true);
      expect(await page.getByTestId("marker-device.returns.windowDays").textContent()).toBe("继承总部");
      expect(await days.inputValue()).toBe(chainDays);
    } finally {
      await ctx.close();
    }
  }, 120_000);
});
