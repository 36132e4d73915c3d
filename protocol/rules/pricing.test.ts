// Tests for priceCart: member price selection, level discounts and exclusions, PLUS, rounding, totals and errors.
import { describe, expect, it } from "vitest";
import type { RulesConfigInput } from "./config.js";
import { parseRulesConfig } from "./config.js";
import { DEMO_RULES_CONFIG, minimalDemoRulesConfig } from "./demo-config.js";
import { priceCart } from "./pricing.js";
import type { CartMember, PriceCartRequest } from "./pricing-types.js";
import { at } from "./test-fixtures.js";

const demo = minimalDemoRulesConfig();
const T = at("2024-05-01T10:00");
const gold: CartMember = { id: "m-gold", levelId: "gold", cardClass: "standard" };
const normal: CartMember = { id: "m-normal", levelId: "normal", cardClass: "standard" };
const vipGold: CartMember = { id: "m-vip", levelId: "normal", cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: at("2024-06-01T10:00") };

function one(member: CartMember | null, sku: string, channel: PriceCartRequest["channel"] = "kiosk", when = T) {
  const cart = priceCart({ config: demo, member, lines: [{ sku, qty: 2 }], channel, at: when });
  const l = cart.lines[0]!;
  return { unit: l.memberUnitPriceFen, source: l.priceSource, line: l.lineMemberFen };
}

describe("member unit price", () => {
  it.each([
    ["guest pays the shelf price", null, "rice-5kg", "kiosk", T, 5990, "base"],
    ["Normal member gets the member price", normal, "rice-5kg", "kiosk", T, 5490, "member"],
    ["Gold: 90% beats the member price", gold, "rice-5kg", "kiosk", T, 5391, "level-discount"],
    ["Gold: 90 on milk", gold, "milk-1l", "kiosk", T, 1125, "level-discount"],
    ["Gold: infant formula is excluded", gold, "formula-900g", "kiosk", T, 29800, "base"],
    ["active VIP Gold gets the class price", vipGold, "olive-oil-1l", "kiosk", T, 7900, "class"],
    ["expired VIP falls back to the base class", vipGold, "olive-oil-1l", "kiosk", at("2024-06-01T10:00"), 8900, "base"],
    ["a VIP who is also PLUS gets the PLUS price online", { ...vipGold, isPlus: true }, "olive-oil-1l", "online", T, 7500, "plus"],
    ["PLUS price is online only", { ...vipGold, isPlus: true }, "olive-oil-1l", "kiosk", T, 7900, "class"],
    ["Gold and VIP: the lower of 8010 and 7900", { ...vipGold, levelId: "gold" }, "olive-oil-1l", "kiosk", T, 7900, "class"],
  ] as const)("%s", (_n, member, sku, channel, when, unit, source) => {
    const r = one(member, sku, channel, when);
    expect(r).toEqual({ unit, source, line: unit * 2 });
  });

  it("PLUS wins online even when the VIP class price is lower", () => {
    const cfg = parseRulesConfig({
      ...DEMO_RULES_CONFIG,
      catalog: [{ sku: "x", name: "X", category: "c", priceFen: 1000, classPricesFen: { "vip-gold": 700 }, plusPriceFen: 800 }],
    });
    const cart = priceCart({ config: cfg, member: { ...vipGold, isPlus: true }, lines: [{ sku: "x", qty: 1 }], channel: "online", at: T });
    expect(cart.lines[0]).toMatchObject({ memberUnitPriceFen: 800, priceSource: "plus" });
  });

  const pct = (patch: Partial<RulesConfigInput>) =>
    parseRulesConfig({
      ...DEMO_RULES_CONFIG,
      catalog: [
        { sku: "odd", name: "Odd", category: "c", priceFen: 1995 },
        { sku: "promo", name: "Promo", category: "c", priceFen: 1000, promotional: true },
      ],
      ...patch,
    });
  it.each([
    ["unit basis, half-up: 1995 x 0.9 = 1795.5 -> 1796 x 3", {}, 5388],
    ["line basis, half-up: 5985 x 0.9 = 5386.5 -> 5387", { rounding: { discountBasis: "line" } }, 5387],
    ["unit basis, floor", { rounding: { mode: "floor" } }, 5385],
    ["unit basis, half-even", { rounding: { mode: "half-even" } }, 5388],
  ] as const)("%s", (_n, patch, want) => {
    const cart = priceCart({ config: pct(patch as Partial<RulesConfigInput>), member: gold, lines: [{ sku: "odd", qty: 3 }], channel: "kiosk", at: T });
    expect(cart.lines[0]?.lineMemberFen).toBe(want);
  });
  it("promotional items get no percent discount unless configured", () => {
    const price = (on: boolean) =>
      priceCart({ config: pct({ pricing: { percentDiscountOnPromotional: on } }), member: gold, lines: [{ sku: "promo", qty: 1 }], channel: "kiosk", at: T })
        .lines[0]?.lineMemberFen;
    expect(price(false)).toBe(1000);
    expect(price(true)).toBe(900);
  });
});

describe("priceCart totals", () => {
  it("prices a mixed cart for a Gold member (lines by sku and by barcode)", () => {
    const cart = priceCart({
      config: demo,
      member: gold,
      channel: "kiosk",
      at: T,
      lines: [
        { sku: "rice-5kg", qty: 2 },
        { barcode: "6901234560039", qty: 1 },
        { sku: "milk-1l", qty: 4 },
      ],
    });
    expect(cart.lines.map((l) => [l.sku, l.lineBaseFen, l.lineMemberFen, l.memberSavingsFen])).toEqual([
      ["rice-5kg", 11980, 10782, 1198],
      ["formula-900g", 29800, 29800, 0],
      ["milk-1l", 5000, 4500, 500],
    ]);
    expect(cart.totals).toMatchObject({
      itemCount: 7,
      subtotalFen: 46780,
      memberSavingsFen: 1698,
      discountFen: 0,
      totalFen: 45082,
      savingsFen: 1698,
      payableFen: 45082,
      pointsEarned: 4,
    });
    expect(cart.localDate).toBe("2024-05-01");
  });
  it("rounds the amount to pay down to the jiao and allocates the difference", () => {
    const cfg = parseRulesConfig({ ...DEMO_RULES_CONFIG, rounding: { cashUnitFen: 10 } });
    const cart = priceCart({
      config: cfg,
      member: gold,
      channel: "kiosk",
      at: T,
      lines: [
        { sku: "rice-5kg", qty: 1 },
        { sku: "milk-1l", qty: 1 },
      ],
    });
    // 5391 + 1125 = 6516 -> 6510
    expect(cart.totals).toMatchObject({ cashRoundingFen: 6, discountFen: 6, totalFen: 6510 });
    expect(cart.lines.map((l) => l.allocations)).toEqual([[{ source: "cash-rounding", fen: 5 }], [{ source: "cash-rounding", fen: 1 }]]);
  });
  it.each([
    [
      "unknown sku",
      {
        lines: [
          { sku: "rice-5kg", qty: 1 },
          { sku: "nope", qty: 1 },
        ],
      },
      "RULES_UNKNOWN_PRODUCT",
      "lines.1.sku",
    ],
    ["unknown barcode", { lines: [{ barcode: "6900000000000", qty: 1 }] }, "RULES_UNKNOWN_PRODUCT", "lines.0.barcode"],
    ["zero qty", { lines: [{ sku: "rice-5kg", qty: 0 }] }, "RULES_INVALID_INPUT", "lines.0.qty"],
    ["fractional qty", { lines: [{ sku: "rice-5kg", qty: 1.5 }] }, "RULES_INVALID_INPUT", "lines.0.qty"],
    ["both sku and barcode", { lines: [{ sku: "rice-5kg", barcode: "6901234560015", qty: 1 }] }, "RULES_INVALID_INPUT", "lines.0"],
    ["no lines", { lines: [] }, "RULES_INVALID_INPUT", "lines"],
    ["a bad channel", { channel: "fax" }, "RULES_INVALID_INPUT", "channel"],
    ["an unknown level", { member: { id: "x", levelId: "platinum" } }, "RULES_UNKNOWN_LEVEL", "member.levelId"],
  ] as const)("rejects %s", (_n, patch, code, field) => {
    const input = { config: demo, member: gold, lines: [{ sku: "rice-5kg", qty: 1 }], channel: "kiosk", at: T, ...patch } as Parameters<typeof priceCart>[0];
    expect(() => priceCart(input)).toThrow(expect.objectContaining({ code, field }));
  });
  it("is deterministic and does not mutate its input", () => {
    const input = { config: demo, member: gold, lines: [{ sku: "rice-5kg", qty: 3 }], channel: "kiosk" as const, at: T };
    const copy = structuredClone(input);
    expect(priceCart(input)).toEqual(priceCart(input));
    expect(input).toEqual(copy);
  });
});
