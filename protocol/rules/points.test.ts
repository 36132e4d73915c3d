// Tests for points earning: the DOMAIN example, rule priority, options, multipliers and their combination, yearly clear.
import { describe, expect, it } from "vitest";
import { parseRulesConfig } from "./config.js";
import { DEMO_RULES_CONFIG, minimalDemoRulesConfig } from "./demo-config.js";
import { daysUntilYearlyClear, yearlyClearAction } from "./points.js";
import { priceCart } from "./pricing.js";
import type { CartLine, CartMember } from "./pricing-types.js";
import { at, fullConfig } from "./test-fixtures.js";

const demo = minimalDemoRulesConfig();
const T = at("2024-05-01T10:00");

describe("earning on the demo config (1 point per 100 yuan)", () => {
  it.each([
    ["1000 yuan spent gives 10 points (DOMAIN example)", "normal", 80, 10],
    ["999.90 yuan gives 9 (rounded down once per order)", "normal", 79, 9],
    ["Gold pays 900 yuan for the same milk: 9 points", "gold", 80, 9],
    ["one milk: 0.125 points -> 0", "normal", 1, 0],
  ])("%s", (_n, levelId, qty, points) => {
    const cart = priceCart({ config: demo, member: { id: "m", levelId }, lines: [{ sku: "milk-1l", qty }], channel: "kiosk", at: T });
    expect(cart.totals.pointsEarned).toBe(points);
  });
  it("spend points are computed on the order, not per line", () => {
    // 8 lines of 125 yuan each would give 0 points each if rounded per line.
    const lines: CartLine[] = Array.from({ length: 8 }, () => ({ sku: "milk-1l", qty: 10 }));
    const cart = priceCart({ config: demo, member: { id: "m", levelId: "normal" }, lines, channel: "kiosk", at: T });
    expect(cart.totals.pointsEarned).toBe(10);
    expect(cart.lines.reduce((s, l) => s + l.pointsEarned, 0)).toBe(10);
  });
  it("'100 yuan = 1 point' is on the order's eligible amount: two 150.00 lines earn 3, not 1 + 1 (#16)", () => {
    const lines: CartLine[] = [
      { sku: "milk-1l", qty: 12 },
      { sku: "milk-1l", qty: 12 },
    ];
    const cart = priceCart({ config: demo, member: { id: "m", levelId: "normal" }, lines, channel: "kiosk", at: T });
    expect(cart.totals.pointsEarned).toBe(3);
    // The order's 3 points are split back over the lines (largest fraction first), summing exactly.
    expect(cart.lines.map((l) => l.pointsEarned)).toEqual([2, 1]);
  });
  it("guests earn nothing; a level that does not earn earns nothing", () => {
    expect(priceCart({ config: demo, member: null, lines: [{ sku: "milk-1l", qty: 80 }], channel: "kiosk", at: T }).totals.pointsEarned).toBe(0);
    const noEarn = parseRulesConfig({ ...DEMO_RULES_CONFIG, levels: [{ id: "normal", name: "N", earnsPoints: false }] });
    expect(
      priceCart({ config: noEarn, member: { id: "m", levelId: "normal" }, lines: [{ sku: "milk-1l", qty: 80 }], channel: "kiosk", at: T }).totals.pointsEarned,
    ).toBe(0);
  });
});

describe("member day (会员日): a repeating day with a multiplier", () => {
  const withDays = parseRulesConfig({
    ...DEMO_RULES_CONFIG,
    points: {
      ...DEMO_RULES_CONFIG.points,
      multipliers: {
        memberDays: [
          { name: "周三会员日", days: { weekdays: [3] }, percent: 200 },
          { name: "每月18日", days: { daysOfMonth: [18] }, percent: 150 },
        ],
      },
    },
  });
  const earn = (when: string): number =>
    priceCart({ config: withDays, member: { id: "m", levelId: "normal" }, lines: [{ sku: "milk-1l", qty: 80 }], channel: "kiosk", at: at(when) }).totals
      .pointsEarned;
  it.each([
    ["Wednesday 2024-05-01: 1000 yuan x2 = 20", "2024-05-01T10:00", 20],
    ["Thursday 2024-05-02: no member day, 10", "2024-05-02T10:00", 10],
    ["Saturday the 18th: x1.5 = 15", "2024-05-18T10:00", 15],
    ["Wednesday the 18th (2024-09-18): both, additive 100 + 100 + 50 = 25", "2024-09-18T10:00", 25],
  ])("%s", (_n, when, points) => expect(earn(when)).toBe(points));
  it("refuses a member day with no day", () => {
    expect(() => parseRulesConfig({ ...DEMO_RULES_CONFIG, points: { multipliers: { memberDays: [{ name: "x", days: {}, percent: 200 }] } } })).toThrow(
      expect.objectContaining({ code: "RULES_INVALID_CONFIG" }),
    );
  });
});

describe("rule priority and options (full config)", () => {
  const config = fullConfig();
  const normal: CartMember = { id: "m", levelId: "normal", cardClass: "standard" };
  const lines: CartLine[] = [
    { sku: "formula-900g", qty: 1 }, // category rule: 1 point per 50 yuan: 5.96
    { sku: "diapers-l52", qty: 2 }, // sku rule: fixed 2 per unit: 4
    { sku: "gift-box", qty: 1 }, // special item: fixed 5
    { sku: "wipes-80", qty: 1 }, // promotional: none
    { sku: "apples-1kg", qty: 1 }, // no barcode: none
    { sku: "rice-5kg", qty: 2 }, // spend: 109.80 yuan / 100: 1.098
  ];
  it("special item > item/category rule > spend amount; order total 16.058 -> 16, split by largest remainder", () => {
    const cart = priceCart({ config, member: normal, lines, channel: "kiosk", at: T });
    expect(cart.lines.map((l) => [l.pointsRule, l.pointsEarned])).toEqual([
      ["item", 6],
      ["item", 4],
      ["special", 5],
      ["none", 0],
      ["none", 0],
      ["spend", 1],
    ]);
    expect(cart.totals.pointsEarned).toBe(16);
  });
  it.each([
    ["items at a member price earn nothing when so configured", { memberPricedItemsEarn: false }, 5, "none"],
    ["items without barcode earn when so configured", { noBarcodeItemsEarn: true }, 4, "spend"],
    ["promotional items earn when so configured", { promotionalItemsEarn: true }, 3, "spend"],
  ])("%s", (_n, options, line, rule) => {
    const cfg = fullConfig((c) => void (c.points = { ...c.points, options: { ...c.points?.options, ...options } }));
    expect(priceCart({ config: cfg, member: normal, lines, channel: "kiosk", at: T }).lines[line]?.pointsRule).toBe(rule);
  });
  it("special items earn even when options would exclude them", () => {
    const cfg = fullConfig((c) => void (c.points = { ...c.points, options: { ...c.points?.options, memberPricedItemsEarn: false } }));
    const cart = priceCart({ config: cfg, member: { ...normal, levelId: "l90" }, lines: [{ sku: "gift-box", qty: 1 }], channel: "kiosk", at: T });
    expect(cart.lines[0]).toMatchObject({ pointsRule: "special", priceSource: "level-discount" });
  });
  it("group buys and flash sales earn only if configured", () => {
    const campaign: CartLine[] = [{ sku: "milk-1l", qty: 80, campaign: "flash-sale" }];
    expect(priceCart({ config: demo, member: { id: "m", levelId: "normal" }, lines: campaign, channel: "kiosk", at: T }).totals.pointsEarned).toBe(0);
    const cfg = parseRulesConfig({ ...DEMO_RULES_CONFIG, points: { ...DEMO_RULES_CONFIG.points, options: { campaignItemsEarn: true } } });
    expect(priceCart({ config: cfg, member: { id: "m", levelId: "normal" }, lines: campaign, channel: "kiosk", at: T }).totals.pointsEarned).toBe(10);
  });
  it("keeps 2 decimals of points when not rounding to integers", () => {
    const cfg = fullConfig((c) => void (c.points = { ...c.points, decimals: 2 }));
    const cart = priceCart({
      config: cfg,
      member: normal,
      lines: [
        { sku: "formula-900g", qty: 1 },
        { sku: "rice-5kg", qty: 2 },
      ],
      channel: "kiosk",
      at: T,
    });
    expect(cart.lines.map((l) => l.pointsEarned)).toEqual([596, 109]); // 5.96 + 1.098 = 7.058 -> 7.05
    expect(cart.totals.pointsEarned).toBe(705);
  });
});

describe("multipliers", () => {
  // Gold (l90) has a x1.5 level multiplier; birthday x2, national day (10-01) x3, anniversary week x1.5.
  // One infant formula (no level discount): 29800 fen / 5000 per point = 5.96 base points.
  const run = (combine: "additive" | "multiplicative" | "highest", date: string, birthday: string) => {
    const cfg = fullConfig((c) => void (c.points = { ...c.points, multipliers: { ...c.points?.multipliers, combine } }));
    const cart = priceCart({
      config: cfg,
      member: { id: "m", levelId: "l90", birthday },
      lines: [{ sku: "formula-900g", qty: 1 }],
      channel: "kiosk",
      at: at(`${date}T10:00`),
    });
    return [cart.totals.pointsEarned, cart.totals.pointsReturnable, cart.pointsMultiplier.total];
  };
  it.each([
    ["additive", "2024-05-01", "01-01", [8, 8, "1.5"]],
    ["additive", "2024-05-01", "05-01", [14, 8, "2.5"]],
    ["multiplicative", "2024-05-01", "05-01", [17, 8, "3"]],
    ["highest", "2024-05-01", "05-01", [11, 8, "2"]],
    ["additive", "2024-10-01", "10-01", [26, 8, "4.5"]],
    ["multiplicative", "2024-10-01", "10-01", [53, 8, "9"]],
    ["highest", "2024-10-01", "10-01", [17, 8, "3"]],
    ["additive", "2024-06-03", "01-01", [11, 8, "2"]],
    ["highest", "2024-06-03", "01-01", [8, 8, "1.5"]],
  ] as const)("%s on %s (birthday %s): [earned, returnable, multiplier] = %j", (combine, date, birthday, want) => {
    expect(run(combine, date, birthday)).toEqual(want);
  });
  it("reports the events that applied", () => {
    const cart = priceCart({
      config: fullConfig(),
      member: { id: "m", levelId: "l90", birthday: "10-01" },
      lines: [{ sku: "milk-1l", qty: 1 }],
      channel: "kiosk",
      at: at("2024-10-01T10:00"),
    });
    expect(cart.pointsMultiplier).toEqual({
      levelPercent: 150,
      events: [
        { name: "birthday", percent: 200 },
        { name: "national-day", percent: 300 },
      ],
      combine: "additive",
      total: "4.5",
    });
  });
});

describe("yearly clear", () => {
  const on = fullConfig();
  it.each([
    ["2024-12-15", "none", "2025-01-01"],
    ["2024-12-16", "warn", "2025-01-01"],
    ["2024-12-31", "warn", "2025-01-01"],
    ["2025-01-01", "clear", "2025-01-01"],
    ["2025-01-02", "none", "2026-01-01"],
  ])("%s: %s", (date, action, clearOn) => {
    expect(yearlyClearAction(on, date)).toEqual({ action, clearOn });
  });
  it("does nothing when not enabled", () => {
    expect(yearlyClearAction(demo, "2024-12-20")).toEqual({ action: "none", clearOn: null });
  });
  it("counts the days to the clear", () => {
    expect(daysUntilYearlyClear("2024-12-16")).toBe(16);
    expect(daysUntilYearlyClear("2025-01-01")).toBe(0);
  });
});
