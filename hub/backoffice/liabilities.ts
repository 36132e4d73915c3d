// What the chain owes its members now: stored value (principal and bonus), points outstanding and what the yearly clear would remove, coupons held; per home store, for HQ.
import { z } from "zod";
import { HQ } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { jsonArraySql } from "../sql-dialect.js";
import { yearlyClearStatus } from "./points.js";
import { Format, csvResponse, toCsv, yuan } from "./csv.js";

const num = (v: unknown): number => Number(v ?? 0);

interface StoreLiability {
  /** The members' home store; null for members without one (imports, chain-wide). */
  storeId: string | null;
  members: number;
  storedValueFen: number;
  principalFen: number;
  bonusFen: number;
  pointsOutstanding: number;
  couponsOutstanding: number;
}

export function liabilities(d: BackofficeDeps) {
  const today = d.rules.chainDay(d.clock.now());
  // Bonus never more than the balance (ledger.ts reads it the same way): principal is the rest.
  const bonus = "CASE WHEN m.bonus_balance_fen < 0 THEN 0 WHEN m.bonus_balance_fen > m.balance_fen THEN m.balance_fen ELSE m.bonus_balance_fen END";
  const money = d.db
    .prepare(
      `SELECT p.home_store_id AS store_id, COUNT(*) AS n,
         SUM(CASE WHEN m.balance_fen > 0 THEN m.balance_fen ELSE 0 END) AS stored,
         SUM(CASE WHEN m.balance_fen > 0 THEN ${bonus} ELSE 0 END) AS bonus,
         SUM(CASE WHEN m.points_balance > 0 THEN m.points_balance ELSE 0 END) AS points
       FROM members m LEFT JOIN member_profiles p ON p.member_id = m.member_id GROUP BY p.home_store_id`,
    )
    .all<Record<string, unknown>>();
  const el = jsonArraySql(d.db, "m.coupons", "cp");
  const couponRows = d.db
    .prepare(
      `SELECT p.home_store_id AS store_id, ${el.field("couponId")} AS coupon_id, COUNT(*) AS n, MIN(${el.field("expiresOn")}) AS first_expiry
       FROM members m LEFT JOIN member_profiles p ON p.member_id = m.member_id CROSS JOIN ${el.from}
       WHERE ${el.field("expiresOn")} >= ? GROUP BY p.home_store_id, ${el.field("couponId")}`,
    )
    .all<Record<string, unknown>>(today);
  const stores = new Map<string, StoreLiability>();
  const at = (s: unknown): StoreLiability => {
    const storeId = s === null || s === undefined ? null : String(s);
    const k = storeId ?? "";
    let r = stores.get(k);
    if (!r) stores.set(k, (r = { storeId, members: 0, storedValueFen: 0, principalFen: 0, bonusFen: 0, pointsOutstanding: 0, couponsOutstanding: 0 }));
    return r;
  };
  for (const x of money) {
    const r = at(x.store_id);
    r.members += num(x.n);
    r.storedValueFen += num(x.stored);
    r.bonusFen += num(x.bonus);
    r.principalFen = r.storedValueFen - r.bonusFen;
    r.pointsOutstanding += num(x.points);
  }
  const coupons = new Map<string, { couponId: string; count: number; firstExpiry: string }>();
  for (const x of couponRows) {
    at(x.store_id).couponsOutstanding += num(x.n);
    const id = String(x.coupon_id);
    const c = coupons.get(id) ?? { couponId: id, count: 0, firstExpiry: String(x.first_expiry) };
    c.count += num(x.n);
    if (String(x.first_expiry) < c.firstExpiry) c.firstExpiry = String(x.first_expiry);
    coupons.set(id, c);
  }
  const byStore = [...stores.values()].sort((a, b) => (a.storeId ?? "~").localeCompare(b.storeId ?? "~"));
  const sum = (f: keyof Omit<StoreLiability, "storeId">) => byStore.reduce((s, r) => s + r[f], 0);
  const clear = yearlyClearStatus(d);
  const points = sum("pointsOutstanding");
  return {
    asOf: d.clock.now(),
    today,
    totals: {
      members: sum("members"),
      storedValueFen: sum("storedValueFen"),
      principalFen: sum("principalFen"),
      bonusFen: sum("bonusFen"),
      pointsOutstanding: points,
      couponsOutstanding: sum("couponsOutstanding"),
    },
    yearlyClear: {
      enabled: Boolean(clear.enabled),
      clearOn: (clear.clearOn as string | null) ?? null,
      willClear: Boolean(clear.willClear),
      // The clear takes every point held before its day: today's outstanding points, less what is earned meanwhile and kept.
      wouldRemovePoints: clear.enabled && clear.clearOn ? points : 0,
    },
    byStore,
    coupons: [...coupons.values()].sort((a, b) => a.couponId.localeCompare(b.couponId)),
  };
}

const Int = z.number().int();
const StoreRow = z.looseObject({
  storeId: z.string().nullable(),
  members: Int,
  storedValueFen: Int,
  principalFen: Int,
  bonusFen: Int,
  pointsOutstanding: Int,
  couponsOutstanding: Int,
});

export function registerLiabilityRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "get",
      path: "/reports/liabilities",
      tag: "reports",
      summary: "What is owed to members now: stored value (principal, bonus), points and the yearly clear, coupons held; per home store (HQ)",
      description:
        "A snapshot from the members' balances as the hub holds them. wouldRemovePoints: the points the next yearly clear takes if it runs (everything held before its day; willClear says whether HQ confirmed it). Coupons count those not expired (store-local today). table=stores|coupons with format=csv answers that table as text/csv (UTF-8 with BOM).",
      roles: HQ,
      query: z.strictObject({ format: Format, table: z.enum(["stores", "coupons"]).default("stores") }),
      response: z.looseObject({
        asOf: Int,
        today: z.string(),
        totals: StoreRow.omit({ storeId: true }),
        yearlyClear: z.looseObject({ enabled: z.boolean(), clearOn: z.string().nullable(), willClear: z.boolean(), wouldRemovePoints: Int }),
        byStore: z.array(StoreRow),
        coupons: z.array(z.looseObject({ couponId: z.string(), count: Int, firstExpiry: z.string() })),
      }),
    },
    ({ c, query }) => {
      const l = liabilities(d);
      if (query.format !== "csv") return l;
      if (query.table === "coupons")
        return csvResponse(
          c,
          `coupons-outstanding-${l.today}.csv`,
          toCsv(
            ["优惠券 coupon", "张数 count", "最早到期 first expiry"],
            l.coupons.map((x) => [x.couponId, x.count, x.firstExpiry]),
          ),
        );
      return csvResponse(
        c,
        `liabilities-${l.today}.csv`,
        toCsv(
          ["门店 store", "会员 members", "储值余额(元) stored value", "本金(元) principal", "赠送金(元) bonus", "积分 points", "优惠券 coupons"],
          [
            ...l.byStore.map((x) => [
              x.storeId ?? "—",
              x.members,
              yuan(x.storedValueFen),
              yuan(x.principalFen),
              yuan(x.bonusFen),
              x.pointsOutstanding,
              x.couponsOutstanding,
            ]),
            [
              "合计 total",
              l.totals.members,
              yuan(l.totals.storedValueFen),
              yuan(l.totals.principalFen),
              yuan(l.totals.bonusFen),
              l.totals.pointsOutstanding,
              l.totals.couponsOutstanding,
            ],
          ],
        ),
      );
    },
  );
}
