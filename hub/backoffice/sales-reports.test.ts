// Sales report and liabilities through the real ingest: totals equal the sales and returns made, store-local day and quarter boundaries, store scoping, CSV.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { createLogger, MemoryLogSink } from "../../runtime/log.js";
import type { ClaimFact, ReturnFact, SaleFact } from "../../protocol/messages.js";
import { Ingest } from "../ingest.js";
import { DeviceRegistry } from "../devices.js";
import { boWorld, type BoWorld } from "./test-kit.js";

let w: BoWorld;
let ingest: Ingest;
const seqs = new Map<string, number>();
const K1 = { chainId: "acme", storeId: "s1", deviceId: "k-s1-a" };
const K1b = { chainId: "acme", storeId: "s1", deviceId: "k-s1-b" };
const K2 = { chainId: "acme", storeId: "s2", deviceId: "k-s2-a" };
/** Store-local (UTC+8, the rules' utcOffsetMinutes) wall time as epoch ms. */
const local = (iso: string): number => Date.parse(`${iso}+08:00`);

beforeEach(async () => {
  w = await boWorld();
  seqs.clear();
  for (const k of [K1, K1b, K2]) new DeviceRegistry(w.db, w.clock).provision(k);
  ingest = new Ingest(w.db, w.clock, w.members, w.configs, createLogger("t", { destination: new MemoryLogSink(), level: "silent" }));
});
afterEach(() => w.close());

let n = 0;
const key = (): Record<string, string> => ({ "idempotency-key": `report-test-${++n}-${Math.random().toString(36).slice(2)}` });

function send(k: typeof K1, at: number, fact: SaleFact | ReturnFact | ClaimFact): void {
  const seq = (seqs.get(k.deviceId) ?? 0) + 1;
  seqs.set(k.deviceId, seq);
  w.clock.set(at);
  const version = w.configs.latest(k.storeId)!.version;
  const ack = ingest.handleBatch(k, { entries: [{ seq, entryId: `e-${k.deviceId}-${seq}`, at, configVersion: version, fact }] });
  expect(ack.ack).toEqual({ ackedSeq: seq });
}

function sale(k: typeof K1, at: number, saleId: string, m: { memberId: string; cardId: string }, lines: Array<{ sku: string; qty: number }>): void {
  send(k, at, {
    type: "sale",
    saleId,
    memberId: m.memberId,
    cardId: m.cardId,
    lines,
    hints: { subtotalFen: 0, totalFen: 0, savingsFen: 0, pointsEarned: 0 },
    tenders: [{ kind: "external", amountFen: 0 }],
    offlineApproved: false,
  });
  const row = w.db.prepare("SELECT total_fen FROM sales WHERE sale_id = ?").get<{ total_fen: number }>(saleId);
  expect(row, `sale ${saleId} applied`).toBeDefined();
}

/** What the hub booked for these sales, read one by one (the report must add them up the same). */
function booked(ids: string[]): { revenueFen: number; savingsFen: number; pointsEarned: number } {
  const out = { revenueFen: 0, savingsFen: 0, pointsEarned: 0 };
  for (const id of ids) {
    const r = w.db.prepare("SELECT total_fen, savings_fen, points_earned FROM sales WHERE sale_id = ?").get<Record<string, number>>(id)!;
    out.revenueFen += Number(r.total_fen);
    out.savingsFen += Number(r.savings_fen);
    out.pointsEarned += Number(r.points_earned);
  }
  return out;
}

async function report(q: string, token = w.tokens.hq): Promise<Record<string, unknown>> {
  const r = await w.call("GET", `/bo/reports/sales?${q}`, { token });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}
type Row = Record<string, number | string | null>;

describe("sales report", () => {
  it("totals are the sum of the sales and returns made; a sale at 23:30 and one at 00:30 local fall on their own days; payment split adds up", async () => {
    const a = await w.register();
    const b = await w.register({ storeId: "s2", token: w.tokens.staff2 });
    sale(K1, local("2024-06-15T23:30:00"), "S-late", a, [{ sku: "rice-5kg", qty: 2 }]);
    sale(K1b, local("2024-06-16T00:30:00"), "S-early", a, [
      { sku: "formula-900g", qty: 1 },
      { sku: "milk-1l", qty: 3 },
    ]);
    sale(K2, local("2024-06-16T12:00:00"), "S-s2", b, [{ sku: "diapers-l52", qty: 1 }]);
    // Outside the window: the day before.
    sale(K1, local("2024-06-14T23:59:00"), "S-before", a, [{ sku: "milk-1l", qty: 1 }]);
    send(K1b, local("2024-06-16T09:00:00"), {
      type: "return",
      returnId: "R-1",
      saleId: "S-early",
      memberId: a.memberId,
      cardId: a.cardId,
      staffId: "st1",
      lines: [{ index: 1, qty: 1 }],
      hints: { refundFen: 0, principalFen: 0, bonusFen: 0, externalFen: 0, pointsCashFen: 0, pointsGivenBack: 0, pointsTakenBack: 0 },
      couponsRestored: [],
    });
    const refund = Number(w.db.prepare("SELECT refund_fen FROM returns WHERE return_id = 'R-1'").get<{ refund_fen: number }>()!.refund_fen);
    expect(refund).toBeGreaterThan(0);

    const day = await report("period=day&from=2024-06-15&to=2024-06-16");
    const rows = day.rows as Row[];
    expect(rows.map((r) => r.period)).toEqual(["2024-06-15", "2024-06-16"]);
    const made = booked(["S-late", "S-early", "S-s2"]);
    const t = day.totals as Record<string, number>;
    expect(t.sales).toBe(3);
    expect(t.revenueFen).toBe(made.revenueFen);
    expect(t.memberSavingsFen).toBe(made.savingsFen);
    expect(t.pointsEarned).toBe(made.pointsEarned);
    expect(t.returns).toBe(1);
    expect(t.returnRefundFen).toBe(refund);
    expect(t.netRevenueFen).toBe(made.revenueFen - refund);
    expect(t.payCardFen! + t.payStoredValueFen! + t.payPointsFen! + t.payCounterFen!).toBe(t.revenueFen);
    expect(rows[0]).toMatchObject({ sales: 1, revenueFen: booked(["S-late"]).revenueFen, returns: 0 });
    expect(rows[1]).toMatchObject({ sales: 2, revenueFen: booked(["S-early", "S-s2"]).revenueFen, returns: 1 });

    // Per kiosk: the 23:30 and 00:30 sales are on different kiosks and days.
    const kiosks = (await report("period=day&from=2024-06-15&to=2024-06-16&groupBy=kiosk")).rows as Row[];
    expect(kiosks.map((r) => `${r.period} ${r.storeId} ${r.deviceId} ${r.sales}`)).toEqual([
      "2024-06-15 s1 k-s1-a 1",
      "2024-06-16 s1 k-s1-b 1",
      "2024-06-16 s2 k-s2-a 1",
    ]);
    // A month holds them all, and the sale of the 14th.
    const month = await report("period=month&from=2024-06-01&to=2024-06-30&groupBy=store");
    expect((month.rows as Row[]).map((r) => [r.storeId, r.sales])).toEqual([
      ["s1", 3],
      ["s2", 1],
    ]);
    expect((month.totals as Record<string, number>).revenueFen).toBe(booked(["S-late", "S-early", "S-s2", "S-before"]).revenueFen);
  });

  it("quarters and years are store-local: 30 June 23:30 is Q2, 1 July 00:30 is Q3; 31 December 23:30 stays in its year", async () => {
    const a = await w.register();
    sale(K1, local("2024-06-30T23:30:00"), "Q2", a, [{ sku: "rice-5kg", qty: 1 }]);
    sale(K1, local("2024-07-01T00:30:00"), "Q3", a, [{ sku: "milk-1l", qty: 1 }]);
    sale(K1, local("2024-12-31T23:30:00"), "Y24", a, [{ sku: "milk-1l", qty: 2 }]);
    sale(K1, local("2025-01-01T00:30:00"), "Y25", a, [{ sku: "milk-1l", qty: 4 }]);
    const q = await report("period=quarter&from=2024-04-01&to=2024-12-31");
    expect((q.rows as Row[]).map((r) => [r.period, r.sales, r.revenueFen])).toEqual([
      ["2024-Q2", 1, booked(["Q2"]).revenueFen],
      ["2024-Q3", 1, booked(["Q3"]).revenueFen],
      ["2024-Q4", 1, booked(["Y24"]).revenueFen],
    ]);
    const y = await report("period=year&from=2024-01-01&to=2025-12-31");
    expect((y.rows as Row[]).map((r) => [r.period, r.sales])).toEqual([
      ["2024", 3],
      ["2025", 1],
    ]);
  });

  it("counter settlements count as counter (cash) and stored value; open tickets are listed", async () => {
    const a = await w.register();
    const top = await w.call("POST", `/bo/members/${a.memberId}/top-ups`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", amountFen: 100000, payment: { method: "cash" } },
      headers: key(),
    });
    expect(top.status).toBe(201);
    const claim = (claimId: string, at: number): void =>
      send(K1, at, {
        type: "claim",
        claimId,
        memberId: a.memberId,
        cardId: a.cardId,
        lines: [{ sku: "rice-5kg", qty: 1 }],
        coupons: [],
        hints: { subtotalFen: 0, totalFen: 0, savingsFen: 0, pointsEarned: 0 },
        expiresAt: at + 3600_000,
      });
    claim("CL-CASH", local("2024-06-15T11:00:00"));
    claim("CL-BAL", local("2024-06-15T11:01:00"));
    claim("CL-OPEN", local("2024-06-15T11:02:00"));
    for (const [id, method] of [
      ["CL-CASH", "cash"],
      ["CL-BAL", "balance"],
    ])
      expect((await w.call("POST", `/bo/claims/${id}/settle`, { token: w.tokens.staff1, body: { payment: { method } }, headers: key() })).status).toBe(200);
    const r = await report("period=day&from=2024-06-15&to=2024-06-15&storeId=s1", w.tokens.mgr1);
    const t = r.totals as Record<string, number>;
    const cash = booked(["CL-CASH"]).revenueFen;
    const bal = booked(["CL-BAL"]).revenueFen;
    expect(t).toMatchObject({ sales: 2, revenueFen: cash + bal, payCounterFen: cash, payStoredValueFen: bal, payCardFen: 0, payPointsFen: 0 });
    expect(r.openClaims).toEqual([{ storeId: "s1", count: 1, kioskShownFen: 0, oldestAt: local("2024-06-15T11:02:00") }]);

    // Liabilities: what the top-up credited less what the balance paid.
    const l = await w.call("GET", "/bo/reports/liabilities", { token: w.tokens.hq });
    expect(l.status).toBe(200);
    const credited = Number(top.body.principalFen) + Number(top.body.bonusFen);
    const totals = l.body.totals as Record<string, number>;
    expect(totals.storedValueFen).toBe(credited - bal);
    expect(totals.principalFen! + totals.bonusFen!).toBe(totals.storedValueFen);
    expect(totals.pointsOutstanding).toBe(w.members.get(a.memberId)!.pointsBalance);
    expect((l.body.byStore as Row[]).find((x) => x.storeId === "s1")).toMatchObject({ storedValueFen: credited - bal });
    expect((await w.call("GET", "/bo/reports/liabilities", { token: w.tokens.mgr1 })).status).toBe(403);
  });

  it("a store manager sees their stores only", async () => {
    const a = await w.register();
    const b = await w.register({ storeId: "s2", token: w.tokens.staff2 });
    sale(K1, local("2024-06-15T12:00:00"), "S1", a, [{ sku: "rice-5kg", qty: 1 }]);
    sale(K2, local("2024-06-15T12:00:00"), "S2", b, [{ sku: "diapers-l52", qty: 1 }]);
    const own = await report("period=day&from=2024-06-15&to=2024-06-15", w.tokens.mgr1);
    expect((own.totals as Record<string, number>).revenueFen).toBe(booked(["S1"]).revenueFen);
    const other = await w.call("GET", "/bo/reports/sales?period=day&from=2024-06-15&to=2024-06-15&storeId=s2", { token: w.tokens.mgr1 });
    expect(other.status).toBe(403);
    const csv = await w.app.request("/bo/reports/sales?period=day&from=2024-06-15&to=2024-06-15&storeId=s2&format=csv", {
      headers: { authorization: `Bearer ${w.tokens.mgr1}` },
    });
    expect(csv.status).toBe(403);
    const hq = await report("period=day&from=2024-06-15&to=2024-06-15");
    expect((hq.totals as Record<string, number>).revenueFen).toBe(booked(["S1", "S2"]).revenueFen);
  });

  it("exports CSV: BOM, CRLF, amounts in yuan, a total row equal to the JSON totals", async () => {
    const a = await w.register();
    sale(K1, local("2024-06-15T12:00:00"), "S1", a, [{ sku: "rice-5kg", qty: 3 }]);
    const res = await w.app.request("/bo/reports/sales?period=day&from=2024-06-15&to=2024-06-15&format=csv", {
      headers: { authorization: `Bearer ${w.tokens.hq}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="sales-day-2024-06-15-2024-06-15.csv"');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).split("\r\n");
    expect(lines[0]).toMatch(/^期间 period,门店 store,终端 kiosk,笔数 sales,销售额\(元\) revenue,/);
    const fen = booked(["S1"]).revenueFen;
    const yuan = `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;
    expect(lines[1]!.split(",").slice(0, 5)).toEqual(["2024-06-15", "", "", "1", yuan]);
    expect(lines[2]!.split(",").slice(0, 5)).toEqual(["合计 total", "", "", "1", yuan]);
    expect(lines[3]).toBe("");
  });

  it("the other report tables export CSV too: top-ups, VIP, purchases, portraits, liabilities", async () => {
    const a = await w.register();
    const top = await w.call("POST", `/bo/members/${a.memberId}/top-ups`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", amountFen: 100000, payment: { method: "cash" } },
      headers: key(),
    });
    expect(top.status).toBe(201);
    const get = async (path: string): Promise<string[]> => {
      const res = await w.app.request(path, { headers: { authorization: `Bearer ${w.tokens.hq}` } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.slice(0, 3)], "BOM").toEqual([0xef, 0xbb, 0xbf]);
      return new TextDecoder().decode(bytes).split("\r\n");
    };
    const day = new Date(w.clock.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const tops = await get(`/bo/reports/top-ups?period=day&from=${day}&to=${day}&format=csv`);
    expect(tops[0]).toMatch(/^期间 period,笔数 count,/);
    expect(tops[1]!.split(",").slice(0, 5)).toEqual([day, "1", "1", "1000.00", (Number(top.body.principalFen) / 100).toFixed(2)]);
    expect((await get(`/bo/reports/vip?period=month&from=${day}&to=${day}&format=csv`))[0]).toMatch(/^期间 period,类型 kind/);
    expect((await get(`/bo/reports/purchases?period=month&from=${day}&to=${day}&format=csv`))[0]).toMatch(/^期间 period,笔数 sales/);
    expect((await get("/bo/segments/portraits?format=csv"))[0]).toBe("类别 kind,名称 name,会员数 members");
    const liab = await get("/bo/reports/liabilities?format=csv");
    expect(liab.at(-2)!.split(",").slice(0, 3)).toEqual(["合计 total", "1", ((Number(top.body.principalFen) + Number(top.body.bonusFen)) / 100).toFixed(2)]);
  });
});
