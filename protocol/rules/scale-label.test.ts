// Scale labels: EAN-13 with an in-store prefix read as PLU + price or weight, and priced by the member rules (pure functions).
import { describe, expect, it } from "vitest";
import { parseRulesConfig, type RulesConfigInput } from "./config.js";
import { pricingIdentity } from "./pricing.js";
import { priceCart } from "./pricing.js";
import { ScaleLabelConfigSchema, parseScaleLabel, priceCheckDigit, priceScaleLabel } from "./scale-label.js";
import { readExample } from "./test-fixtures.js";

/** EAN-13 check digit, computed here (not with the code under test). */
function ean13(first12: string): string {
  const sum = [...first12].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return first12 + String((10 - (sum % 10)) % 10);
}

const demo = (patch?: (c: RulesConfigInput) => void) => {
  const raw = readExample("demo-config.json") as RulesConfigInput;
  patch?.(raw);
  return parseRulesConfig(raw);
};
const AT = Date.UTC(2026, 10, 22, 2, 0, 0);
const priceLabels = ScaleLabelConfigSchema.parse({ plus: { "12345": "apples-1kg" }, pickList: ["apples-1kg"] });
const weightLabels = ScaleLabelConfigSchema.parse({ value: "weight", plus: { "12345": "apples-1kg" } });

describe("parseScaleLabel", () => {
  it("reads prefix, PLU and the price or the weight", () => {
    expect(parseScaleLabel(ean13("212345001580"), priceLabels)).toEqual({ ok: true, label: { plu: "12345", sku: "apples-1kg", labelPriceFen: 1580 } });
    expect(parseScaleLabel(ean13("212345000750"), weightLabels)).toEqual({ ok: true, label: { plu: "12345", sku: "apples-1kg", weightG: 750 } });
    const two = ScaleLabelConfigSchema.parse({ prefix: "21", pluDigits: 5, valueDigits: 5, plus: { "01234": "apples-1kg" } });
    expect(parseScaleLabel(ean13("210123400990"), two)).toMatchObject({ ok: true, label: { plu: "01234", labelPriceFen: 990 } });
  });

  it("refuses product barcodes, bad check digits, unknown PLUs and zero values", () => {
    expect(parseScaleLabel("6901234560015", priceLabels)).toEqual({ ok: false, reason: "not-a-scale-label" });
    const good = ean13("212345001580");
    const bad = good.slice(0, 12) + String((Number(good[12]) + 1) % 10);
    expect(parseScaleLabel(bad, priceLabels)).toEqual({ ok: false, reason: "bad-check-digit" });
    expect(parseScaleLabel(ean13("299999001580"), priceLabels)).toEqual({ ok: false, reason: "unknown-plu" });
    expect(parseScaleLabel(ean13("212345000000"), priceLabels)).toEqual({ ok: false, reason: "zero-value" });
    expect(parseScaleLabel("21234501580", priceLabels)).toEqual({ ok: false, reason: "not-a-scale-label" });
  });

  it("checks the layout adds up to 13 digits and keeps the pick list short", () => {
    expect(ScaleLabelConfigSchema.safeParse({ pluDigits: 6 }).success).toBe(false);
    expect(ScaleLabelConfigSchema.safeParse({ pickList: Array.from({ length: 25 }, (_, i) => `s${i}`) }).success).toBe(false);
    expect(priceLabels.pickList).toEqual(["apples-1kg"]);
  });
});

const withNoBarcodeEarn = (earn: boolean) => (c: RulesConfigInput) => {
  const points = c.points as { options?: Record<string, unknown> };
  points.options = { ...(points.options ?? {}), noBarcodeItemsEarn: earn };
};

describe("priceScaleLabel", () => {
  const config = demo(withNoBarcodeEarn(false));
  const gold = pricingIdentity(config, { id: "m1", levelId: "gold" }, AT);
  const guest = pricingIdentity(config, null, AT);

  it("prices a weight label per kg with the member discount (gold 90%: 1.58 x 0.9 x 0.75 kg, half-up)", () => {
    const r = parseScaleLabel(ean13("212345000750"), weightLabels);
    if (!r.ok) throw new Error(r.reason);
    expect(priceScaleLabel(config, r.label, gold, "kiosk")).toEqual({
      sku: "apples-1kg",
      qty: 0.75,
      lineBaseFen: 1185,
      lineMemberFen: 1067,
      memberSavingsFen: 118,
      unitPriceFen: 1580,
      memberUnitPriceFen: 1422,
      source: "level-discount",
      earnsPoints: false,
    });
    expect(priceScaleLabel(config, r.label, guest, "kiosk")).toMatchObject({ lineBaseFen: 1185, lineMemberFen: 1185, memberSavingsFen: 0 });
  });

  it("prices a price label in proportion to the member's unit price, and follows noBarcodeItemsEarn", () => {
    const r = parseScaleLabel(ean13("212345003160"), priceLabels);
    if (!r.ok) throw new Error(r.reason);
    expect(priceScaleLabel(config, r.label, gold, "kiosk")).toMatchObject({
      qty: 1,
      lineBaseFen: 3160,
      lineMemberFen: 2844,
      memberSavingsFen: 316,
      earnsPoints: false,
    });
    const earning = demo(withNoBarcodeEarn(true));
    expect(priceScaleLabel(earning, r.label, gold, "kiosk").earnsPoints).toBe(true);
  });
});

describe("price check digit", () => {
  // 2875 -> 9 is GS1's 4-digit example (2-:4, 2-:5, 3:1, 5-:3, sum 13, x3 = 39); 14685 worked by hand
  // (5+:5, 2-:8, 5-:7, 5+:4, 2-:9, sum 33, complement 7, and 5-(6) = 7).
  it("follows the GS1 weighting tables", () => {
    expect(priceCheckDigit("2875")).toBe(9);
    expect(priceCheckDigit("14685")).toBe(6);
    expect(() => priceCheckDigit("123")).toThrow();
  });

  it("is checked on labels whose format has one", () => {
    const cfg = ScaleLabelConfigSchema.parse({ priceCheckDigit: true, pluDigits: 5, valueDigits: 5, plus: { "12345": "apples-1kg" } });
    // 2 12345 <pcd> 14685 <check>: ¥146.85 with its price check digit 6.
    expect(parseScaleLabel(ean13("212345614685"), cfg)).toEqual({ ok: true, label: { plu: "12345", sku: "apples-1kg", labelPriceFen: 14685 } });
    expect(parseScaleLabel(ean13("212345714685"), cfg)).toEqual({ ok: false, reason: "bad-price-check-digit" });
    const four = ScaleLabelConfigSchema.parse({ prefix: "21", priceCheckDigit: true, pluDigits: 5, valueDigits: 4, plus: { "00042": "apples-1kg" } });
    expect(parseScaleLabel(ean13("210004292875"), four)).toMatchObject({ ok: true, label: { labelPriceFen: 2875 } });
    expect(parseScaleLabel(ean13("210004282875"), four)).toEqual({ ok: false, reason: "bad-price-check-digit" });
    expect(ScaleLabelConfigSchema.safeParse({ priceCheckDigit: true }).success).toBe(false);
    expect(ScaleLabelConfigSchema.safeParse({ priceCheckDigit: true, pluDigits: 4, valueDigits: 6 }).success).toBe(false);
  });
});

describe("priceCart with scale-label lines", () => {
  const withLabels = (earn: boolean, labels: Record<string, unknown>) => (c: RulesConfigInput) => {
    withNoBarcodeEarn(earn)(c);
    (c as Record<string, unknown>)["scaleLabels"] = labels;
  };
  const member = { id: "m1", levelId: "gold" };
  const weighed = { value: "weight", plus: { "12345": "apples-1kg" } };

  it("prices a weight label with the member discount and shows weight and per-kg prices on the line", () => {
    const config = demo(withLabels(false, weighed));
    const label = ean13("212345000750");
    const r = priceCart({
      config,
      member,
      channel: "kiosk",
      at: AT,
      lines: [
        { scaleLabel: label, qty: 1 },
        { sku: "milk-1l", qty: 1 },
      ],
    });
    expect(r.lines[0]).toMatchObject({
      sku: "apples-1kg",
      qty: 1,
      unitPriceFen: 1185,
      memberUnitPriceFen: 1067,
      lineBaseFen: 1185,
      lineMemberFen: 1067,
      memberSavingsFen: 118,
      pointsRule: "none",
      scale: { label, plu: "12345", weightG: 750, perUnitFen: 1580, memberPerUnitFen: 1422 },
    });
    expect(r.lines[1]?.scale).toBeUndefined();
    // milk 12.50 x 0.9 = 11.25 for gold; the totals add the label line in.
    expect(r.totals).toMatchObject({ subtotalFen: 1185 + 1250, totalFen: 1067 + 1125 });
  });

  it("counts identical labelled packs with qty and earns points when noBarcodeItemsEarn is on", () => {
    const labels = { plus: { "12345": "apples-1kg" } };
    const off = priceCart({
      config: demo(withLabels(false, labels)),
      member,
      channel: "kiosk",
      at: AT,
      lines: [{ scaleLabel: ean13("212345031600"), qty: 2 }],
    });
    expect(off.lines[0]).toMatchObject({ qty: 2, unitPriceFen: 31600, lineBaseFen: 63200, lineMemberFen: 2 * 28440, pointsRule: "none", pointsEarned: 0 });
    const on = priceCart({ config: demo(withLabels(true, labels)), member, channel: "kiosk", at: AT, lines: [{ scaleLabel: ean13("212345031600"), qty: 2 }] });
    expect(on.lines[0]?.pointsRule).toBe("spend");
    expect(on.totals.pointsEarned).toBeGreaterThan(0);
  });

  it("refuses a label the config cannot read, naming the line", () => {
    const config = demo(withLabels(false, weighed));
    const good = ean13("212345000750");
    const bad = good.slice(0, 12) + String((Number(good[12]) + 1) % 10);
    expect(() => priceCart({ config, member, channel: "kiosk", at: AT, lines: [{ scaleLabel: bad, qty: 1 }] })).toThrow(
      expect.objectContaining({ code: "RULES_INVALID_INPUT", field: "lines.0.scaleLabel" }),
    );
    expect(() => priceCart({ config, member, channel: "kiosk", at: AT, lines: [{ scaleLabel: ean13("299999000750"), qty: 1 }] })).toThrow(
      expect.objectContaining({ code: "RULES_UNKNOWN_PRODUCT" }),
    );
    expect(() => priceCart({ config: demo(), member, channel: "kiosk", at: AT, lines: [{ scaleLabel: good, qty: 1 }] })).toThrow(
      expect.objectContaining({ code: "RULES_INVALID_INPUT" }),
    );
  });

  it("cross-checks the PLU map and the pick list against the catalog", () => {
    expect(() => demo(withLabels(false, { plus: { "12345": "nope" } }))).toThrow(/scaleLabels\.plus\.12345/);
    expect(() => demo(withLabels(false, { plus: { "123": "apples-1kg" } }))).toThrow();
    expect(() => demo(withLabels(false, { pickList: ["milk-1l"] }))).toThrow(/has a barcode/);
    expect(demo(withLabels(false, { pickList: ["apples-1kg"] })).scaleLabels?.pickList).toEqual(["apples-1kg"]);
  });
});
