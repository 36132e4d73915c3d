// Tests for member portraits: each frequency portrait, the most-frequent-wins rule, boundaries and tags.
import { describe, expect, it } from "vitest";
import { parseRulesConfig } from "./config.js";
import { memberPortraits, type MemberHistory } from "./portraits.js";
import { addDays } from "./time.js";

const t = parseRulesConfig({}).portraitThresholds;
const today = "2024-05-01";
const ago = (...days: number[]) => days.map((d) => ({ date: addDays(today, -d), amountFen: 10000 }));
const range = (n: number, every: number, from = 0) => ago(...Array.from({ length: n }, (_, i) => from + i * every));
const old = (h: Partial<MemberHistory>): MemberHistory => ({ cardIssuedOn: "2022-01-01", ...h });

describe("frequency portrait", () => {
  it.each([
    ["no purchase in 180 days: lost", old({}), "lost"],
    ["last purchase 200 days ago: lost", old({ purchases: ago(200) }), "lost"],
    ["none in 90 days but some in 180: sleeping", old({ purchases: ago(100) }), "sleeping"],
    ["one purchase in 90 days: one-purchase", old({ purchases: ago(10) }), "one-purchase"],
    ["purchase 89 days ago is inside a 90-day window", old({ purchases: ago(89) }), "one-purchase"],
    ["purchase 90 days ago is outside it", old({ purchases: ago(90) }), "sleeping"],
    ["2 in 90 days: active", old({ purchases: ago(1, 50) }), "active"],
    ["6 in 90 days: highly active", old({ purchases: range(6, 10) }), "highly-active"],
    [
      "highly active and 12 in a year with 5000 yuan lifetime: loyal wins",
      old({ purchases: [...range(6, 10), ...range(6, 30, 100)], lifetimeSpendFen: 600000 }),
      "loyal",
    ],
    [
      "12 in a year but only 1000 yuan lifetime: highly active",
      old({ purchases: [...range(6, 10), ...range(6, 30, 100)], lifetimeSpendFen: 100000 }),
      "highly-active",
    ],
    ["15 in 90 days: loyal whatever the spend", old({ purchases: range(15, 5) }), "loyal"],
    ["a new card without purchases is not lost", { cardIssuedOn: "2024-04-20" }, "none"],
  ] as const)("%s", (_n, history, frequency) => {
    expect(memberPortraits(t, history, today).frequency).toBe(frequency);
  });
  it("ignores purchases after the day asked about", () => {
    expect(memberPortraits(t, old({ purchases: [{ date: "2024-05-02", amountFen: 1 }] }), today).frequency).toBe("lost");
  });
  it("uses the store's thresholds; a member between two portraits has none", () => {
    const strict = parseRulesConfig({ portraitThresholds: { active: { days: 30, minPurchases: 3 } } }).portraitThresholds;
    expect(memberPortraits(strict, old({ purchases: ago(1, 50) }), today).frequency).toBe("none");
    expect(memberPortraits(strict, old({ purchases: ago(1, 2, 3) }), today).frequency).toBe("active");
  });
});

describe("tags", () => {
  it.each([
    ["new: card issued within 30 days, issue day included", { cardIssuedOn: "2024-04-02" }, ["new"]],
    ["not new after 30 days", { cardIssuedOn: "2024-04-01" }, []],
    ["return-prone: 3 returns in 90 days", old({ returns: [{ date: "2024-04-30" }, { date: "2024-03-01" }, { date: "2024-02-15" }] }), ["return-prone"]],
    ["stored-value lover: 1000 yuan topped up", old({ cumulativeTopUpFen: 100000 }), ["stored-value-lover"]],
    ["coupon expiring within 7 days", old({ coupons: [{ expiresOn: "2024-05-07" }] }), ["coupon-expiring"]],
    ["a coupon expiring in 8 days or already expired does not count", old({ coupons: [{ expiresOn: "2024-05-08" }, { expiresOn: "2024-04-30" }] }), []],
    ["contacted within 30 days", old({ contacts: ["2024-04-10"] }), ["contacted"]],
  ] as const)("%s", (_n, history, tags) => {
    expect(memberPortraits(t, history, today).tags).toEqual(tags);
  });
  it("rejects a bad history naming the field", () => {
    expect(() => memberPortraits(t, old({ purchases: [{ date: "2024-13-01", amountFen: 1 }] }), today)).toThrow(
      expect.objectContaining({ code: "RULES_INVALID_INPUT", field: "history.purchases.0.date" }),
    );
  });
});
