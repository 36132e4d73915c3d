// The hot-path shortcuts give the same answers as the exact paths: number points vs bigint points, allocate vs allocateBig, hand request checks vs the zod schema.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PointsRule, Product, RulesConfig } from "./config.js";
import { ProductSchema, parseWith } from "./config.js";
import { RulesError } from "./errors.js";
import { allocate, allocateBig, ROUNDING_MODES } from "./money.js";
import { earnPoints, type EarnLine } from "./points.js";
import { parsePriceCartRequest } from "./pricing-request.js";
import { PriceCartRequestSchema } from "./pricing-types.js";
import { fullConfig } from "./test-fixtures.js";

const rule: fc.Arbitrary<PointsRule> = fc.oneof(
  fc.constant({ kind: "none" as const }),
  fc.record({ kind: fc.constant("fixed" as const), points: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 2 ** 40 })) }),
  fc.record({ kind: fc.constant("percent" as const), percent: fc.integer({ min: 0, max: 10_000 }) }),
  fc.record({ kind: fc.constant("per-amount" as const), fenPerPoint: fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 2 ** 45 })) }),
);

describe("earnPoints: the number path equals the bigint path", () => {
  it("for random carts, rules, multipliers and rounding", () => {
    const base = fullConfig();
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            rule,
            qty: fc.integer({ min: 1, max: 100 }),
            amountFen: fc.oneof(fc.integer({ min: 0, max: 500_000 }), fc.integer({ min: 0, max: 2 ** 50 })),
          }),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        fc.integer({ min: 0, max: 2 }),
        fc.constantFrom(...ROUNDING_MODES),
        fc.constantFrom("additive" as const, "multiplicative" as const, "highest" as const),
        fc.integer({ min: 0, max: 500 }),
        fc.boolean(),
        (ls, decimals, rounding, combine, levelPercent, birthday) => {
          const config: RulesConfig = {
            ...base,
            points: { ...base.points, decimals, rounding, itemRules: [], multipliers: { ...base.points.multipliers, combine, birthdayPercent: 250 } },
          };
          const lines: EarnLine[] = ls.map((l, i) => {
            const product: Product = ProductSchema.parse({
              sku: `s${i}`,
              barcode: "6901234560015",
              name: "x",
              category: "c",
              priceFen: 100,
              specialPoints: l.rule,
            });
            return { product, qty: l.qty, amountFen: l.amountFen, memberPriced: false };
          });
          const level = { ...(base.levels[0] as RulesConfig["levels"][number]), pointsMultiplierPercent: levelPercent };
          const ctx = { config, memberPresent: true, level, birthday: birthday ? "05-01" : undefined, date: "2024-05-01" };
          let exact: unknown;
          try {
            exact = earnPoints(lines, ctx, { bigintOnly: true });
          } catch (err) {
            exact = err instanceof RulesError ? err.code : err;
          }
          let fast: unknown;
          try {
            fast = earnPoints(lines, ctx);
          } catch (err) {
            fast = err instanceof RulesError ? err.code : err;
          }
          expect(fast).toEqual(exact);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("allocate equals allocateBig", () => {
  it("for random totals and weights", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 200 }),
        (total, weights) => {
          if (weights.every((w) => w === 0)) return;
          expect(allocate(total, weights)).toEqual(allocateBig(BigInt(total), weights.map(BigInt)).map(Number));
        },
      ),
      { numRuns: 400 },
    );
  });
});

const zod = (req: unknown): unknown => {
  try {
    return parseWith(PriceCartRequestSchema, req, "RULES_INVALID_INPUT");
  } catch (err) {
    return err instanceof RulesError ? { code: err.code, field: err.field, message: err.message } : err;
  }
};
const fastOrError = (req: unknown): unknown => {
  try {
    return parsePriceCartRequest(req);
  } catch (err) {
    return err instanceof RulesError ? { code: err.code, field: err.field, message: err.message } : err;
  }
};
/** Undefined-valued keys are equivalent to absent ones for every reader of the request. */
const normal = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

describe("parsePriceCartRequest agrees with PriceCartRequestSchema", () => {
  const valid = {
    member: {
      id: "m1",
      levelId: "l90",
      birthday: "05-01",
      couponsHeld: [{ instanceId: "a", couponId: "c", expiresOn: "2024-12-31", validFrom: "2024-01-01" }],
      pointsBalance: 3,
    },
    lines: [
      { sku: "rice-5kg", qty: 2 },
      { barcode: "6901234560022", qty: 1, campaign: "flash-sale" },
    ],
    channel: "kiosk",
    at: 1_714_528_800_000,
    coupons: ["a"],
    pointsToRedeem: "max",
  };
  const cases: Array<[string, unknown]> = [
    ["a valid request", valid],
    ["no member, defaults", { lines: [{ sku: "x", qty: 1 }], channel: "till", at: 0 }],
    ["member null", { ...valid, member: null }],
    ["an unknown key", { ...valid, extra: 1 }],
    ["an unknown member key", { ...valid, member: { ...valid.member, nick: "x" } }],
    ["qty 0", { ...valid, lines: [{ sku: "x", qty: 0 }] }],
    ["qty too large", { ...valid, lines: [{ sku: "x", qty: 100_001 }] }],
    ["fractional qty", { ...valid, lines: [{ sku: "x", qty: 1.5 }] }],
    ["sku and barcode", { ...valid, lines: [{ sku: "x", barcode: "1", qty: 1 }] }],
    ["neither sku nor barcode", { ...valid, lines: [{ qty: 1 }] }],
    ["no lines", { ...valid, lines: [] }],
    ["a 129-character id", { ...valid, lines: [{ sku: "x".repeat(129), qty: 1 }] }],
    ["a bad expiry date", { ...valid, member: { ...valid.member, couponsHeld: [{ instanceId: "a", couponId: "c", expiresOn: "2024-02-30" }] } }],
    ["a bad birthday", { ...valid, member: { ...valid.member, birthday: "13-01" } }],
    ["a bad channel", { ...valid, channel: "web" }],
    ["a negative instant", { ...valid, at: -1 }],
    ["bad points", { ...valid, pointsToRedeem: -2 }],
    ["not an object", "cart"],
  ];
  for (const [name, req] of cases) {
    it(name, () => {
      expect(normal(fastOrError(req))).toEqual(normal(zod(req)));
    });
  }
  it("for random line lists", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ sku: fc.option(fc.string({ maxLength: 130 }), { nil: undefined }), qty: fc.oneof(fc.integer({ min: -2, max: 100_002 }), fc.double()) }),
          { maxLength: 5 },
        ),
        (lines) => {
          const req = { ...valid, lines };
          expect(normal(fastOrError(req))).toEqual(normal(zod(req)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
