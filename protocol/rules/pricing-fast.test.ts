// The hot-path shortcuts give the same answers as the exact paths: number points vs bigint points, allocate vs allocateBig, top remainders, hand request checks vs the zod schema, indexed look-ups vs linear ones, the trusted entry vs the checked one.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PointsRule, Product, RulesConfig } from "./config.js";
import { CouponDefSchema, ProductSchema, parseWith } from "./config.js";
import { compileScope, couponGroup, inCompiledScope } from "./config-index-fast.js";
import { inCouponScope } from "./coupons.js";
import { RulesError } from "./errors.js";
import { allocate, allocateBig, largestRemainders, ROUNDING_MODES, topRemainders } from "./money.js";
import { earnPoints, type EarnLine, pointsRuleFor } from "./points.js";
import { priceCart, priceCartTrusted } from "./pricing.js";
import { parsePriceCartRequest } from "./pricing-request.js";
import { type PriceCartInput, PriceCartRequestSchema } from "./pricing-types.js";
import { at, fullConfig } from "./test-fixtures.js";

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

describe("topRemainders picks the indices largestRemainders picks", () => {
  it("for random remainders (many ties) and counts", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 ** 52 })), { minLength: 1, maxLength: 90 }),
        fc.integer({ min: -1, max: 95 }),
        (rems, count) => {
          const exact = [...largestRemainders(rems, count)].sort((a, b) => a - b);
          expect([...topRemainders(rems, count)]).toEqual(exact);
        },
      ),
      { numRuns: 500 },
    );
  });
});

const word = fc.constantFrom("a", "b", "c", "d");
const productArb = fc
  .record({
    sku: word,
    category: word,
    brand: fc.option(word, { nil: undefined }),
    barcode: fc.option(fc.constant("6901234560015"), { nil: undefined }),
    promotional: fc.boolean(),
    specialPoints: fc.option(rule, { nil: undefined, freq: 5 }),
  })
  .map((p) => ProductSchema.parse({ name: "x", priceFen: 100, ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) }));
const list = fc.option(fc.array(word, { maxLength: 3 }), { nil: undefined });

describe("indexed look-ups equal the linear definitions", () => {
  it("a compiled coupon scope answers as inCouponScope", () => {
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom("amount-off" as const, "percent-off" as const, "free-item" as const),
          sku: word,
          scope: fc.record({
            skus: list,
            categories: list,
            brands: list,
            excludeSkus: fc.array(word, { maxLength: 2 }),
            excludeCategories: fc.array(word, { maxLength: 2 }),
            excludePromotional: fc.boolean(),
          }),
        }),
        fc.array(productArb, { minLength: 1, maxLength: 8 }),
        (d, products) => {
          const scope = Object.fromEntries(Object.entries(d.scope).filter(([, v]) => v !== undefined));
          const def = CouponDefSchema.parse({ id: "c", name: "c", kind: d.kind, offFen: 100, percent: 90, sku: d.sku, scope });
          const entry = { def, group: couponGroup(def), scope: compileScope(def) };
          for (const p of products) expect(inCompiledScope(entry, p)).toBe(inCouponScope(def, p));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("the points rule of a line is the first item rule by sku, then category, then brand, else spend", () => {
    const base = fullConfig();
    const itemRule = fc.record({ by: fc.constantFrom("sku" as const, "category" as const, "brand" as const), key: word, rule });
    fc.assert(
      fc.property(
        fc.array(itemRule, { maxLength: 6 }),
        fc.boolean(),
        fc.array(fc.record({ product: productArb, memberPriced: fc.boolean(), campaign: fc.option(fc.constant("group-buy" as const), { nil: undefined }) }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.record({
          noBarcodeItemsEarn: fc.boolean(),
          promotionalItemsEarn: fc.boolean(),
          memberPricedItemsEarn: fc.boolean(),
          campaignItemsEarn: fc.boolean(),
        }),
        (items, spend, lines, options) => {
          const itemRules = items.map((r) => ({ [r.by]: r.key, rule: r.rule })) as RulesConfig["points"]["itemRules"];
          const points = { ...base.points, itemRules, options: { ...base.points.options, ...options }, spend: spend ? { fenPerPoint: 700 } : null };
          const config: RulesConfig = { ...base, points };
          for (const l of lines) {
            const line: EarnLine = { ...l, qty: 1, amountFen: 100 };
            const p = l.product;
            // The definition, as a linear search.
            let expected: { used: string; rule: PointsRule | null };
            if (p.specialPoints) expected = { used: "special", rule: p.specialPoints };
            else if (
              (p.barcode === undefined && !options.noBarcodeItemsEarn) ||
              (p.promotional && !options.promotionalItemsEarn) ||
              (l.memberPriced && !options.memberPricedItemsEarn) ||
              (l.campaign !== undefined && !options.campaignItemsEarn)
            )
              expected = { used: "none", rule: null };
            else {
              const item =
                itemRules.find((r) => r.sku === p.sku) ??
                itemRules.find((r) => r.category !== undefined && r.category === p.category) ??
                itemRules.find((r) => r.brand !== undefined && r.brand === p.brand);
              if (item) expected = { used: "item", rule: item.rule };
              else if (spend) expected = { used: "spend", rule: { kind: "per-amount", fenPerPoint: 700 } };
              else expected = { used: "none", rule: null };
            }
            expect(pointsRuleFor(config, line)).toEqual(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the cached points multiplier is the one a fresh config computes, whatever came before", () => {
    const warm = fullConfig((c) => {
      if (c.points?.multipliers) c.points.multipliers.memberDays = [{ name: "md", percent: 150, days: { daysOfMonth: [8] } }];
    });
    const product = ProductSchema.parse({ sku: "s", barcode: "6901234560015", name: "x", category: "c", priceFen: 100 });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            level: fc.integer({ min: 0, max: warm.levels.length - 1 }),
            date: fc.constantFrom("2024-05-01", "2024-05-08", "2024-06-03", "2024-10-01", "2025-10-01"),
            birthday: fc.option(fc.constantFrom("05-01", "10-01", "06-03"), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (calls) => {
          for (const c of calls) {
            const ctx = { memberPresent: true, level: warm.levels[c.level], birthday: c.birthday, date: c.date };
            const lines: EarnLine[] = [{ product, qty: 1, amountFen: 123_456, memberPriced: false }];
            const cold = structuredClone(warm);
            expect(earnPoints(lines, { ...ctx, config: warm })).toEqual(earnPoints(lines, { ...ctx, config: cold, level: cold.levels[c.level] }));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("priceCartTrusted equals priceCart on requests the schema accepts", () => {
  const config = fullConfig();
  const skus = config.catalog.map((p) => p.sku);
  const couponIds = config.coupons.map((c) => c.id);
  it("for random carts, members and coupons, with and without the defaults written out", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ sku: fc.constantFrom(...skus), qty: fc.integer({ min: 1, max: 12 }) }), { minLength: 1, maxLength: 30 }),
        fc.option(
          fc.record({
            levelId: fc.constantFrom("normal", "l95", "l90", "l85", "l80"),
            cardClass: fc.constantFrom("standard", "vip-gold", "vip-diamond"),
            birthday: fc.constantFrom("05-01", "10-01"),
            held: fc.subarray(couponIds),
            pointsBalance: fc.integer({ min: 0, max: 3000 }),
          }),
          { nil: null },
        ),
        fc.subarray(couponIds.flatMap((id) => [`${id}#1`, `${id}#2`])),
        fc.option(fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constant("max" as const)), { nil: undefined }),
        fc.constantFrom("kiosk" as const, "till" as const, "online" as const),
        fc.constantFrom("2024-05-01T10:00", "2024-10-01T10:00", "2024-06-15T10:00"),
        fc.boolean(),
        (lines, m, use, points, channel, when, spelled) => {
          const member = m && {
            id: "m1",
            levelId: m.levelId,
            cardClass: m.cardClass,
            birthday: m.birthday,
            pointsBalance: m.pointsBalance,
            couponsHeld: m.held.flatMap((c) => [1, 2].map((k) => ({ instanceId: `${c}#${k}`, couponId: c, expiresOn: "2024-12-31" }))),
            ...(spelled ? { isPlus: false } : {}),
          };
          const input: PriceCartInput = { config, lines, channel, at: at(when) };
          if (member !== null || spelled) input.member = member;
          if (use.length > 0 || spelled) input.coupons = use;
          if (points !== undefined) input.pointsToRedeem = points;
          let checked: unknown;
          let trusted: unknown;
          try {
            checked = priceCart(input);
          } catch (err) {
            checked = err instanceof RulesError ? err.code : err;
          }
          try {
            trusted = priceCartTrusted(input);
          } catch (err) {
            trusted = err instanceof RulesError ? err.code : err;
          }
          expect(JSON.stringify(trusted)).toBe(JSON.stringify(checked));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("priceCart with linesChecked checks everything but the lines as the schema does", () => {
  const config = fullConfig();
  it("for valid lines and members, points and times that are sometimes not", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ sku: fc.constantFrom(...config.catalog.map((p) => p.sku)), qty: fc.integer({ min: 1, max: 12 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.record({
          birthday: fc.constantFrom("05-01", "13-45", "02-30", undefined),
          cardClass: fc.constantFrom("standard", "", undefined),
          pointsBalance: fc.constantFrom(10, -5, 1.5, undefined),
          expiresOn: fc.constantFrom("2024-12-31", "2024-02-30"),
        }),
        fc.constantFrom(100, -1, 0.5, "max" as const, undefined),
        fc.constantFrom(at("2024-05-01T10:00"), -1, 1.5),
        fc.constantFrom(["a"], ["a", "x".repeat(129)], [""]),
        (lines, m, points, when, coupons) => {
          const member = Object.fromEntries(
            Object.entries({
              id: "m1",
              levelId: "l90",
              ...m,
              couponsHeld: [{ instanceId: "a", couponId: "c-200-50", expiresOn: m.expiresOn }],
              expiresOn: undefined,
            }).filter(([, v]) => v !== undefined),
          );
          const input = {
            config,
            member,
            lines,
            channel: "kiosk",
            at: when,
            coupons,
            ...(points === undefined ? {} : { pointsToRedeem: points }),
          } as unknown as PriceCartInput;
          const outcome = (options: { linesChecked?: boolean }): string => {
            try {
              return JSON.stringify(priceCart(input, options));
            } catch (err) {
              return err instanceof RulesError ? `${err.code} ${err.field ?? ""} ${err.message}` : String(err);
            }
          };
          expect(outcome({ linesChecked: true })).toBe(outcome({}));
        },
      ),
      { numRuns: 300 },
    );
  });
});
