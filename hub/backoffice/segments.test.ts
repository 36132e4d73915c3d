// Segments (portraits from the daily job, spend, bought / not bought, coupons, age, birthday, gender, issue date), consultants and their reward report, period reports.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createLogger, MemoryLogSink } from "../../runtime/log.js";
import { DAY_MS } from "../../protocol/rules/time.js";
import { boWorld, insertSale, T0, type BoWorld } from "./test-kit.js";
import { createJobs } from "../jobs/index.js";
import { computePortraits } from "../jobs/portraits.js";

let w: BoWorld;
const ids: Record<"a" | "b" | "c", string> = { a: "", b: "", c: "" };
const log = createLogger("t", { destination: new MemoryLogSink(), level: "silent" });
let k = 0;
const key = (): Record<string, string> => ({ "idempotency-key": `seg-test-${++k}-${Math.random().toString(36).slice(2)}` });

async function find(query: string, token = w.tokens.hq): Promise<string[]> {
  const r = await w.call("GET", `/bo/members?${query}`, { token });
  if (r.status !== 200) throw new Error(`${query}: ${JSON.stringify(r.body)}`);
  return (r.body.members as Array<{ memberId: string }>).map((m) => m.memberId).sort();
}

beforeAll(async () => {
  w = await boWorld();
  w.clock.set(T0 - 400 * DAY_MS);
  const reg = async (storeId: string, body: Record<string, unknown>): Promise<string> => {
    const r = await w.call("POST", "/bo/members", { token: w.tokens.hq, body: { storeId, channel: "till", name: "x", ...body } });
    return (r.body.member as { memberId: string }).memberId;
  };
  ids.a = await reg("s1", { gender: "female", birthDate: "1990-06-20" });
  ids.b = await reg("s1", { gender: "male", birthDate: "1960-01-05" });
  w.clock.set(T0 - 10 * DAY_MS);
  ids.c = await reg("s2", { gender: "other" });
  for (let i = 0; i < 6; i++) {
    insertSale(w, {
      memberId: ids.a,
      saleId: `a-${i}`,
      at: T0 - (5 + i * 10) * DAY_MS,
      totalFen: 20_000,
      lines:
        i === 0
          ? [
              { sku: "formula-900g", qty: 1 },
              { sku: "rice-5kg", qty: 2 },
            ]
          : [{ sku: "rice-5kg", qty: 1 }],
    });
  }
  insertSale(w, { memberId: ids.b, saleId: "b-0", at: T0 - 200 * DAY_MS, totalFen: 5_000 });
  w.clock.set(T0);
  w.members.update(ids.c, { coupons: [{ instanceId: "cx1", couponId: "c-100-20", validFrom: "2024-06-01", expiresOn: "2024-06-18" }] });
  await createJobs(w.bo.deps, log).tick();
});
afterAll(() => w.close());

describe("segments", () => {
  it("filters by the daily portraits and tags, per store scope", async () => {
    expect(await find("portrait=highly-active")).toEqual([ids.a]);
    expect(await find("portrait=lost")).toEqual([ids.b]);
    expect(await find("portrait=lost,highly-active")).toEqual([ids.a, ids.b].sort());
    expect(await find("tags=new")).toEqual([ids.c]);
    expect(await find("tags=coupon-expiring,new")).toEqual([ids.c]);
    expect(await find("portrait=highly-active", w.tokens.staff2)).toEqual([]);
    expect(await find("tags=new", w.tokens.staff2)).toEqual([ids.c]);
    expect((await w.call("GET", "/bo/members?storeId=s2", { token: w.tokens.staff1 })).status).toBe(403);
    const counts = await w.call("GET", "/bo/segments/portraits", { token: w.tokens.hq });
    expect(counts.body).toMatchObject({
      computedOn: "2024-06-15",
      frequency: { "highly-active": 1, lost: 1, none: 1 },
      tags: { new: 1, "coupon-expiring": 1 },
    });
  });

  it("filters by purchases, coupons and the member's facts", async () => {
    expect(await find("bought=brand:aptamil")).toEqual([ids.a]);
    expect(await find("bought=category:infant-formula&boughtWithinDays=3")).toEqual([]);
    expect(await find("notBought=category:infant-formula&storeId=s1")).toEqual([ids.b]);
    expect(await find("spentFrom=2024-05-01&spentTo=2024-06-15&minSpendFen=50000")).toEqual([ids.a]);
    expect(await find("spentFrom=2023-01-01&spentTo=2024-06-15&maxSpendFen=10000")).toEqual([ids.b]);
    expect(await find("couponExpiringDays=7")).toEqual([ids.c]);
    expect(await find("couponExpiringDays=3")).toEqual([]);
    expect(await find("gender=female")).toEqual([ids.a]);
    expect(await find("ageMin=60")).toEqual([ids.b]);
    expect(await find("ageMax=40")).toEqual([ids.a]);
    expect(await find("birthday=06")).toEqual([ids.a]);
    expect(await find("birthday=01-05")).toEqual([ids.b]);
    expect(await find("issuedFrom=2024-06-01")).toEqual([ids.c]);
    expect(await find("cardClass=standard&levelId=normal&vip=false&status=active")).toEqual([ids.a, ids.b, ids.c].sort());
    for (const bad of ["portrait=bogus", "bought=shoe:1", "ageMin=10&ageMax=5", "nope=1", "birthday=13", "limit=0"]) {
      expect((await w.call("GET", `/bo/members?${bad}`, { token: w.tokens.hq })).status, bad).toBe(400);
    }
    expect((await w.call("GET", "/bo/members", { token: null })).status).toBe(401);
  });

  it("tags return-prone members from the hub's returns", async () => {
    for (let i = 0; i < 3; i++) {
      w.db
        .prepare(
          `INSERT INTO returns (return_id, sale_id, device_id, seq, member_id, staff_id, at, refund_fen, principal_fen, bonus_fen, external_fen, points_given_back, points_taken_back, lines)
           VALUES (?, ?, 'k-s1', ?, ?, 'st', ?, 1000, 0, 0, 1000, 0, 0, '[]')`,
        )
        .run(`r-${i}`, `a-${i}`, 1000 + i, ids.a, T0 - (i + 1) * DAY_MS);
    }
    await computePortraits(w.bo.deps, "2024-06-15");
    expect(await find("tags=return-prone")).toEqual([ids.a]);
    w.db.prepare("DELETE FROM returns").run();
    await computePortraits(w.bo.deps, "2024-06-15");
  });

  it("tags contacted members on the next portrait run", async () => {
    expect((await w.call("POST", `/bo/members/${ids.b}/contacts`, { token: w.tokens.staff1, body: { channel: "phone", note: "called" } })).status).toBe(201);
    expect((await w.call("POST", `/bo/members/${ids.b}/contacts`, { token: w.tokens.staff1, body: { channel: "fax" } })).status).toBe(400);
    await computePortraits(w.bo.deps, "2024-06-15");
    expect(await find("tags=contacted")).toEqual([ids.b]);
  });
});

describe("consultants", () => {
  it("binds, rebinds when a consultant leaves, and reports the monthly reward", async () => {
    for (const c of ["c1", "c2"])
      expect((await w.call("POST", "/bo/consultants", { token: w.tokens.mgr1, body: { consultantId: c, name: c, storeId: "s1" } })).status).toBe(201);
    expect((await w.call("POST", "/bo/consultants", { token: w.tokens.mgr1, body: { consultantId: "c3", name: "c3", storeId: "s2" } })).status).toBe(403);
    expect((await w.call("POST", "/bo/consultants", { token: w.tokens.staff1, body: { consultantId: "c3", name: "c3", storeId: "s1" } })).status).toBe(403);
    expect((await w.call("POST", "/bo/consultants", { token: w.tokens.mgr1, body: { consultantId: "c1", name: "c1", storeId: "s1" } })).status).toBe(409);
    expect((await w.call("PUT", `/bo/members/${ids.a}/consultant`, { token: w.tokens.staff1, body: { consultantId: "c1" } })).status).toBe(200);
    expect((await w.call("PUT", `/bo/members/${ids.c}/consultant`, { token: w.tokens.staff2, body: { consultantId: "c1" } })).status).toBe(403);
    w.clock.set(T0 + 3600_000);
    insertSale(w, { memberId: ids.a, saleId: "a-june", at: w.clock.now(), totalFen: 10_001 });
    const report = await w.call("GET", "/bo/reports/consultants?storeId=s1&month=2024-06", { token: w.tokens.mgr1 });
    const c1 = (report.body.consultants as Array<Record<string, unknown>>).find((c) => c.consultantId === "c1")!;
    // One repeat purchase in store: 10001 x 1 x 0.9 = 9000.9 -> 9001; far below the 200,000-yuan target.
    expect(c1).toMatchObject({ sales: 1, spendFen: 10_001, countedFen: 9001, reachedTarget: false, salesByKind: { other: 1 } });
    expect((await w.call("GET", "/bo/reports/consultants?storeId=s1&month=2024-6", { token: w.tokens.mgr1 })).status).toBe(400);
    expect((await w.call("GET", "/bo/reports/consultants?storeId=s1&month=2024-06", { token: w.tokens.staff1 })).status).toBe(403);

    const leave = await w.call("POST", "/bo/consultants/c1/leave", { token: w.tokens.mgr1, body: { reason: "resigned" } });
    expect(leave.body.reason).toBe("REBIND_REQUIRED");
    const left = await w.call("POST", "/bo/consultants/c1/leave", { token: w.tokens.mgr1, body: { reason: "resigned", rebindTo: "c2" } });
    expect(left.body).toMatchObject({ active: false, moved: 1 });
    expect((await w.call("GET", `/bo/members/${ids.a}`, { token: w.tokens.staff1 })).body).toMatchObject({ consultant: { consultantId: "c2" } });
    expect((await w.call("PUT", `/bo/members/${ids.b}/consultant`, { token: w.tokens.staff1, body: { consultantId: "c1" } })).body.reason).toBe(
      "CONSULTANT_INACTIVE",
    );
    expect((await w.call("POST", "/bo/consultants/c2/rebind", { token: w.tokens.mgr1, body: { toConsultantId: "c1", reason: "x" } })).body.reason).toBe(
      "CONSULTANT_INACTIVE",
    );
    const list = await w.call("GET", "/bo/consultants?storeId=s1", { token: w.tokens.staff1 });
    expect(list.body.consultants).toEqual([
      expect.objectContaining({ consultantId: "c1", members: 0, active: false }),
      expect.objectContaining({ consultantId: "c2", members: 1 }),
    ]);
    expect(await find("consultantId=c2")).toEqual([ids.a]);
    expect((await w.call("DELETE", `/bo/members/${ids.a}/consultant`, { token: w.tokens.mgr1 })).status).toBe(200);
    expect((await w.call("DELETE", `/bo/members/${ids.a}/consultant`, { token: w.tokens.mgr1 })).status).toBe(404);
  });
});

describe("reports", () => {
  it("summarises purchases, VIP records and top-ups by day, month, quarter and year", async () => {
    await w.call("POST", `/bo/members/${ids.a}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-1y", payment: { method: "cash" } },
      headers: key(),
    });
    await w.call("POST", `/bo/members/${ids.b}/top-ups`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", amountFen: 100000, payment: { method: "cash" } },
      headers: key(),
    });
    const purchases = await w.call("GET", "/bo/reports/purchases?period=month&from=2023-01-01&to=2024-06-30", { token: w.tokens.hq });
    const months = purchases.body.rows as Array<{ period: string; sales: number; totalFen: number }>;
    expect(months.map((m) => m.period)).toEqual(["2023-11", "2024-04", "2024-05", "2024-06"]);
    expect(months.at(-1)).toMatchObject({ period: "2024-06", sales: 2, totalFen: 30_001 });
    const quarters = await w.call("GET", "/bo/reports/purchases?period=quarter&from=2023-01-01&to=2024-06-30", { token: w.tokens.hq });
    expect((quarters.body.rows as Array<{ period: string }>).map((q) => q.period)).toEqual(["2023-Q4", "2024-Q2"]);
    const years = await w.call("GET", "/bo/reports/purchases?period=year&from=2023-01-01&to=2024-06-30&storeId=s2", { token: w.tokens.hq });
    expect(years.body.rows).toEqual([]);
    const vip = await w.call("GET", "/bo/reports/vip?period=day&from=2024-06-15&to=2024-06-15&storeId=s1", { token: w.tokens.staff1 });
    expect(vip.body.rows).toEqual([{ period: "2024-06-15", kind: "purchase", count: 1, feeFen: 36600 }]);
    const tu = await w.call("GET", "/bo/reports/top-ups?period=year&from=2024-01-01&to=2024-12-31", { token: w.tokens.mgr1 });
    expect(tu.body.rows).toEqual([expect.objectContaining({ period: "2024", count: 1, amountFen: 100000, bonusFen: 10000 })]);
    expect((await w.call("GET", "/bo/reports/top-ups?period=year&from=2024-01-01&to=2024-12-31&storeId=s1", { token: w.tokens.staff2 })).status).toBe(403);
    expect((await w.call("GET", "/bo/reports/top-ups?period=week&from=2024-01-01&to=2024-12-31", { token: w.tokens.hq })).status).toBe(400);
    expect((await w.call("GET", "/bo/reports/top-ups?period=day&from=2024-12-01&to=2024-01-01", { token: w.tokens.hq })).status).toBe(400);
    const records = await w.call("GET", "/bo/vip/records?storeId=s1&from=2024-06-15&to=2024-06-15", { token: w.tokens.staff1 });
    expect(records.body.records).toHaveLength(1);
    expect((await w.call("GET", "/bo/vip/records?storeId=s2", { token: w.tokens.staff1 })).status).toBe(403);
  });
});
