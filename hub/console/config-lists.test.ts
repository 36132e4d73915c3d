// The console's list tables name real fields: every column path of RULE_LISTS and POLICY_LISTS resolves in its item schema (a typo or a renamed field fails), zh and en labels set; the coupons table has the member-day switch (会员日专享); the PLUS plans table has prices by card class (卡类专享售价) in yuan.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { schemaAt as at } from "../../protocol/schema-path.js";

// Loaded by a computed path: the console's sources are type-checked by their own tsconfig (bundler resolution), not the hub's.
const LISTS = "./web/src/config/lists.js";
interface ListDef {
  key: string;
  item: z.ZodType;
  columns: { path: string; label: readonly [string, string]; kind: string }[];
}
const { RULE_LISTS, POLICY_LISTS } = (await import(/* @vite-ignore */ LISTS)) as { RULE_LISTS: ListDef[]; POLICY_LISTS: ListDef[] };

describe("console list tables (RULE_LISTS)", () => {
  it.each([...RULE_LISTS, ...POLICY_LISTS].flatMap((l) => l.columns.map((c) => [`${l.key}: ${c.path}`, l.item, c] as const)))(
    "%s is a field of the item, labelled zh and en",
    (_n, item, col) => {
      expect(at(item, col.path.split("."))).toBeDefined();
      expect(col.label[0]).toMatch(/[\u4e00-\u9fff]/);
      expect(col.label[1]).toMatch(/[a-z]/i);
    },
  );

  it("the resolver refuses a field the item does not have", () => {
    const coupons = RULE_LISTS.find((l) => l.key === "coupons")!;
    expect(at(coupons.item, ["memberDayOnly"])).toBeUndefined();
    expect(at(coupons.item, ["scope", "nope"])).toBeUndefined();
  });

  it("the coupons table edits memberDaysOnly as a switch, labelled 会员日专享 / Member days only", () => {
    const coupons = RULE_LISTS.find((l) => l.key === "coupons")!;
    expect(coupons.columns.find((c) => c.path === "memberDaysOnly")).toEqual({
      path: "memberDaysOnly",
      label: ["会员日专享", "Member days only"],
      kind: "boolean",
    });
    // A row with the switch on passes the kiosks' item schema; the default is off.
    expect(coupons.item.parse({ id: "c-md", name: "会员日券", kind: "amount-off", offFen: 500, memberDaysOnly: true })).toMatchObject({ memberDaysOnly: true });
    expect(coupons.item.parse({ id: "c", name: "券", kind: "amount-off", offFen: 500 })).toMatchObject({ memberDaysOnly: false });
  });

  it("the PLUS plans table edits rules.plusPlans, prices by card class as class=yuan, and its rows are the rules' PLUS plans", () => {
    const plus = RULE_LISTS.find((l) => l.key === "plusPlans") as (ListDef & { path: string; newItem: () => Record<string, unknown> }) | undefined;
    expect(plus?.path).toBe("rules.plusPlans");
    expect(plus!.columns.find((c) => c.path === "pricesByClass")).toMatchObject({ kind: "kv", kvValue: "yuan" });
    expect(plus!.columns.map((c) => c.path)).toEqual(
      expect.arrayContaining(["id", "name", "description", "periodDays", "priceFen", "bonus.extraDays", "bonus.when", "enabled"]),
    );
    const row = plus!.item.parse({ ...plus!.newItem(), id: "plus-1y", name: "年卡", pricesByClass: { "vip-gold": 5000 } });
    expect(row).toMatchObject({ periodDays: 366, enabled: true, description: "", pricesByClass: { "vip-gold": 5000 } });
    expect(() => plus!.item.parse({ ...plus!.newItem(), id: "p", name: "p", pricesByClass: { "vip-gold": -1 } })).toThrow();
  });
});
