// A kiosk sale on a member day (会员日, seed 000) with a member-day coupon: the hub re-prices it to the kiosk's figures; off the member day the coupon does not count, at the kiosk or at the hub.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LedgerEntry, MemberRecord, SaleFact } from "../protocol/messages.js";
import { ConfigContentSchema } from "../protocol/messages.js";
import { quoteSession } from "../device/session/pricing.js";
import { K1, T0, openIngestWorld, type IngestWorld } from "./ingest-world.testkit.js";

// The demo rules with every Wednesday and the 8th as member days (points x2) and a member-day coupon.
const rules = (): Record<string, unknown> => {
  const demo = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown>;
  return {
    ...demo,
    points: { ...(demo["points"] as object), multipliers: { memberDays: [{ name: "会员日", days: { weekdays: [3], daysOfMonth: [8] }, percent: 200 }] } },
    coupons: [{ id: "c-md-15", name: "会员日满100减15", kind: "amount-off", thresholdFen: 10000, offFen: 1500, memberDaysOnly: true }],
  };
};
// Store-local (+08:00) instants: Wednesday 2026-11-25 00:00 and the minute before it (Tuesday 23:59).
const WED_0000 = Date.UTC(2026, 10, 24, 16, 0);
const TUE_2359 = WED_0000 - 60_000;
const LINES = [
  { sku: "formula-900g", qty: 1 },
  { sku: "rice-5kg", qty: 2 },
];

let world: IngestWorld;
beforeEach(async () => {
  world = await openIngestWorld(0);
  world.configs.publish("s01", { rules: rules(), device: {} }); // version 2
  world.members.update("m1", { coupons: [{ instanceId: "md-1", couponId: "c-md-15", expiresOn: "2026-12-31" }] });
  world.clock.set(WED_0000 + 3_600_000);
});
afterEach(() => world.close());

/** The kiosk's own quote (device/session/pricing.ts: it picks the coupons) with the same signed config content. */
function kioskQuote(at: number) {
  const content = ConfigContentSchema.parse({ version: 2, chainId: "acme", storeId: "s01", issuedAt: T0, rules: rules(), device: {} });
  return quoteSession(content, world.members.get("m1") as MemberRecord, LINES, at, false);
}

function entry(at: number, coupons: string[], hints: SaleFact["hints"]): LedgerEntry {
  return {
    seq: 1,
    entryId: "e1",
    at,
    configVersion: 2,
    fact: {
      type: "sale",
      saleId: "sale-1",
      memberId: "m1",
      cardId: "C0001",
      lines: LINES,
      hints,
      tenders: [{ kind: "external", amountFen: hints.totalFen }],
      offlineApproved: false,
      ...(coupons.length > 0 ? { coupons } : {}),
    },
  };
}

const disagreements = () => world.db.prepare("SELECT field, kiosk_value, hub_value FROM disagreements ORDER BY field").all();
const saleRow = () => world.db.prepare("SELECT total_fen, points_earned, coupons FROM sales").get();

describe("ingest of a member-day sale (会员日)", () => {
  it("Wednesday 00:00 local: the kiosk uses the member-day coupon, the hub re-prices to the same figures and the points x2", () => {
    const q = kioskQuote(WED_0000);
    expect(q.coupons).toEqual(["md-1"]);
    expect(q.priced.localDate).toBe("2026-11-25");
    // By hand: formula 298.00 (no Gold discount) + rice 2 x 53.91 = 405.82, less 15 = 390.82; 3.9082 points x2 = 7.8 -> 7.
    expect(q.priced.totals).toMatchObject({ totalFen: 39082, couponDiscountFen: 1500, pointsEarned: 7 });
    expect(q.priced.pointsMultiplier.events).toEqual([{ name: "会员日", percent: 200 }]);
    const t = q.priced.totals;
    const { ack } = world.ingest.handleBatch(K1, {
      entries: [entry(WED_0000, q.coupons, { subtotalFen: t.subtotalFen, totalFen: t.totalFen, savingsFen: t.savingsFen, pointsEarned: t.pointsEarned })],
    });
    expect(ack).toEqual({ ackedSeq: 1 });
    expect(disagreements()).toEqual([]);
    expect(saleRow()).toEqual({ total_fen: 39082, points_earned: 7, coupons: '["md-1"]' });
    expect(world.members.get("m1")?.coupons).toEqual([]);
    expect(world.members.get("m1")?.pointsBalance).toBe(7);
  });

  it("Tuesday 23:59 local: the kiosk does not use the coupon, the hub agrees, and the member keeps it", () => {
    const q = kioskQuote(TUE_2359);
    expect(q.coupons).toEqual([]);
    expect(q.priced.localDate).toBe("2026-11-24");
    // 405.82 with no coupon and no multiplier: 4 points.
    expect(q.priced.totals).toMatchObject({ totalFen: 40582, couponDiscountFen: 0, pointsEarned: 4 });
    const t = q.priced.totals;
    world.ingest.handleBatch(K1, {
      entries: [entry(TUE_2359, [], { subtotalFen: t.subtotalFen, totalFen: t.totalFen, savingsFen: t.savingsFen, pointsEarned: t.pointsEarned })],
    });
    expect(disagreements()).toEqual([]);
    expect(saleRow()).toEqual({ total_fen: 40582, points_earned: 4, coupons: "[]" });
    expect(world.members.get("m1")?.coupons.map((c) => c.instanceId)).toEqual(["md-1"]);
  });

  it("a kiosk that claims the member-day coupon at Tuesday 23:59 local is corrected: the hub refuses the coupon (not-member-day)", () => {
    // The Wednesday figures, sent a minute early (e.g. a kiosk that took the UTC day's weekday wrongly).
    const t = kioskQuote(WED_0000).priced.totals;
    world.ingest.handleBatch(K1, {
      entries: [entry(TUE_2359, ["md-1"], { subtotalFen: t.subtotalFen, totalFen: t.totalFen, savingsFen: t.savingsFen, pointsEarned: t.pointsEarned })],
    });
    // List 298.00 + 2 x 59.90 = 417.80 either way; savings 11.98 (Gold on rice) + 15 on Wednesday, 11.98 on Tuesday.
    expect(t).toMatchObject({ subtotalFen: 41780, savingsFen: 2698 });
    expect(disagreements()).toEqual([
      { field: "pointsEarned", kiosk_value: 7, hub_value: 4 },
      { field: "savingsFen", kiosk_value: 2698, hub_value: 1198 },
      { field: "totalFen", kiosk_value: 39082, hub_value: 40582 },
    ]);
    expect(saleRow()).toMatchObject({ total_fen: 40582, points_earned: 4 });
    const priced = JSON.parse((world.db.prepare("SELECT priced FROM sale_details").get() as { priced: string }).priced) as {
      rejectedCoupons: unknown;
    };
    expect(priced.rejectedCoupons).toEqual([{ instanceId: "md-1", reason: "not-member-day" }]);
  });
});
