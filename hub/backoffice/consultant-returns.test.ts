// Consultant reward report and returns: a return takes back exactly what its sale earned (seed 002), on both engines.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { DAY_MS } from "../../protocol/rules/time.js";
import { boWorld, insertSale, T0, type BoWorld } from "./test-kit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

function insertReturn(returnId: string, saleId: string, memberId: string, at: number, refundFen: number): void {
  w.db
    .prepare(
      `INSERT INTO returns (return_id, sale_id, device_id, seq, member_id, staff_id, at, refund_fen, principal_fen, bonus_fen, external_fen, points_given_back, points_taken_back, lines)
       VALUES (?, ?, 'k-s1', ?, ?, 'st', ?, ?, 0, 0, ?, 0, 0, '[]')`,
    )
    .run(returnId, saleId, 5000 + Math.floor(Math.random() * 1e6), memberId, at, refundFen, refundFen);
}

async function c1(month: string): Promise<Record<string, unknown>> {
  const r = await w.call("GET", `/bo/reports/consultants?storeId=s1&month=${month}`, { token: w.tokens.mgr1 });
  expect(r.status).toBe(200);
  return (r.body.consultants as Array<Record<string, unknown>>).find((c) => c.consultantId === "c1")!;
}

describe("consultant reward on returns", () => {
  it("a fully returned new member's first purchase nets 0 (it was counted x2 x0.9, not taken back at x1 x0.9)", async () => {
    expect((await w.call("POST", "/bo/consultants", { token: w.tokens.mgr1, body: { consultantId: "c1", name: "c1", storeId: "s1" } })).status).toBe(201);
    const { memberId } = await w.register();
    expect((await w.call("PUT", `/bo/members/${memberId}/consultant`, { token: w.tokens.staff1, body: { consultantId: "c1" } })).status).toBe(200);
    // The seed's figure: a 207.20-yuan store sale; here by a new member, first purchase: x2 x0.9 = 372.96.
    insertSale(w, { memberId, saleId: "s-new", at: T0 + 3600_000, totalFen: 20_720 });
    expect(await c1("2024-06")).toMatchObject({ sales: 1, countedFen: 37_296, salesByKind: { "new-first": 1 } });
    insertReturn("r-1", "s-new", memberId, T0 + 2 * 3600_000, 20_720);
    expect(await c1("2024-06")).toMatchObject({ sales: 1, returns: 1, spendFen: 0, countedFen: 0 });
  });

  it("partial returns in a later month take back their share with the sale's multipliers; a sale before the binding takes nothing back", async () => {
    expect((await w.call("POST", "/bo/consultants", { token: w.tokens.mgr1, body: { consultantId: "c1", name: "c1", storeId: "s1" } })).status).toBe(201);
    const { memberId } = await w.register();
    insertSale(w, { memberId, saleId: "before-binding", at: T0 + 60_000, totalFen: 50_000 });
    w.clock.set(T0 + 3600_000);
    expect((await w.call("PUT", `/bo/members/${memberId}/consultant`, { token: w.tokens.staff1, body: { consultantId: "c1" } })).status).toBe(200);
    insertSale(w, { memberId, saleId: "s-june", at: T0 + 2 * 3600_000, totalFen: 20_720 }); // new-repeat x2.5 x0.9 = 46620
    expect(await c1("2024-06")).toMatchObject({ sales: 1, countedFen: 46_620 });
    const july = T0 + 20 * DAY_MS;
    insertReturn("r-a", "s-june", memberId, july, 1); // 1 fen x 2.25 = 2.25 -> 2
    insertReturn("r-b", "s-june", memberId, july + 1000, 20_719);
    insertReturn("r-old", "before-binding", memberId, july + 2000, 50_000);
    const r = await c1("2024-07");
    // Together exactly the sale's 46620; the return of the sale made before the binding is not counted.
    expect(r).toMatchObject({ sales: 0, returns: 2, spendFen: -20_720, countedFen: -46_620 });
  });
});
