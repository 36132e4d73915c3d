// Tests for the rules config schema: defaults, the demo config, cross-checks and field-named errors.
import { describe, expect, it } from "vitest";
import { hasValidGtinCheckDigit, parseRulesConfig, type RulesConfigInput } from "./config.js";
import { DEMO_RULES_CONFIG, minimalDemoRulesConfig } from "./demo-config.js";
import { readExample } from "./test-fixtures.js";

function withDemo(patch: (c: RulesConfigInput & Record<string, unknown>) => void): unknown {
  const c = structuredClone(DEMO_RULES_CONFIG) as RulesConfigInput & Record<string, unknown>;
  patch(c);
  return c;
}

describe("rules config", () => {
  it("fills defaults so that an empty config is valid", () => {
    const c = parseRulesConfig({});
    expect(c.utcOffsetMinutes).toBe(480);
    expect(c.points.spend).toEqual({ fenPerPoint: 100 });
    expect(c.points.decimals).toBe(0);
    expect(c.rounding).toEqual({ mode: "half-up", discountBasis: "unit", cashUnitFen: 1 });
    expect(c.consultant.multipliers.newRepeatPurchase).toBe(250);
  });
  it("parses the demo config, and the JSON example is the same content", () => {
    const c = minimalDemoRulesConfig();
    expect(c.catalog).toHaveLength(6);
    expect(c.catalog.every((p) => p.barcode === undefined || hasValidGtinCheckDigit(p.barcode))).toBe(true);
    expect(c.levels.find((l) => l.id === "gold")).toMatchObject({ discountPercent: 90, excludedCategories: ["infant-formula"] });
    expect(readExample("demo-config.json")).toEqual(DEMO_RULES_CONFIG);
    expect(parseRulesConfig(readExample("full-config.json")).topUpRules).toHaveLength(6);
  });
  it("accepts a bundle body with a rules property", () => {
    expect(parseRulesConfig({ rules: DEMO_RULES_CONFIG }).catalog).toHaveLength(6);
  });
  it.each([
    ["a bad check digit", (c: RulesConfigInput) => void ((c.catalog ?? [])[0] = { ...(c.catalog ?? [])[0]!, barcode: "6901234560016" }), "catalog.0.barcode"],
    ["a negative price", (c: RulesConfigInput) => void ((c.catalog ?? [])[1] = { ...(c.catalog ?? [])[1]!, priceFen: -1 }), "catalog.1.priceFen"],
    ["a fractional price", (c: RulesConfigInput) => void ((c.catalog ?? [])[1] = { ...(c.catalog ?? [])[1]!, priceFen: 1.5 }), "catalog.1.priceFen"],
    ["a duplicate sku", (c: RulesConfigInput) => void (c.catalog ?? []).push({ ...(c.catalog ?? [])[1]!, barcode: undefined }), "catalog.6"],
    [
      "a discount over 100",
      (c: RulesConfigInput) => void ((c.levels ?? [])[1] = { ...(c.levels ?? [])[1]!, discountPercent: 110 }),
      "levels.1.discountPercent",
    ],
    ["an unknown field", (c: RulesConfigInput) => void ((c.levels ?? [])[1] = { ...(c.levels ?? [])[1]!, discount: 90 } as never), "levels.1.discount"],
    [
      "a downgrade to an unknown level",
      (c: RulesConfigInput) => void ((c.levels ?? [])[1] = { ...(c.levels ?? [])[1]!, validityDays: 30, downgrade: { kind: "to-level", levelId: "nope" } }),
      "levels.1.downgrade.levelId",
    ],
    ["an amount-off coupon without offFen", (c: RulesConfigInput) => void (c.coupons = [{ id: "x", name: "x", kind: "amount-off" }]), "coupons.0.offFen"],
    [
      "a plan of a non-VIP class",
      (c: RulesConfigInput) => void (c.vipPlans = [{ id: "p", classId: "standard", periodDays: 31, priceFen: 100 }]),
      "vipPlans.0.classId",
    ],
    [
      "ratio redemption without a ratio",
      (c: RulesConfigInput) => void (c.points = { ...c.points, redemption: { mode: "ratio" } }),
      "points.redemption.pointsPerYuan",
    ],
  ])("rejects %s, naming the field", (_name, patch, field) => {
    expect(() => parseRulesConfig(withDemo(patch))).toThrow(expect.objectContaining({ code: "RULES_INVALID_CONFIG", field }));
  });
  it("rejects an unknown top-level section (a typo)", () => {
    expect(() => parseRulesConfig({ ...DEMO_RULES_CONFIG, coupon: [] })).toThrow(expect.objectContaining({ code: "RULES_INVALID_CONFIG", field: "coupon" }));
  });
  it("names the field inside a bundle body", () => {
    const bad = withDemo((c) => void (c.utcOffsetMinutes = 10_000));
    expect(() => parseRulesConfig({ rules: bad })).toThrow(expect.objectContaining({ field: "rules.utcOffsetMinutes" }));
  });
});
