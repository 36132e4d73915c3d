// Sales report: revenue, savings, coupon cost, points, payment split, returns and open counter tickets, by store-local period per chain, store or kiosk.
//
// Computed from the hub's own records only: the sales and returns the ingest applied with the hub's
// figures (sales, sale_details.priced, returns) and the tickets the counter settled (claims), never
// a kiosk's hints. Periods are store-local: each store's sales are bucketed with that store's UTC
// offset, and the window `from`..`to` is each store's local days (stores on different offsets are
// queried separately and merged).
import { z } from "zod";
import { addDays, daysBetween, startOfLocalDay } from "../../protocol/rules/time.js";
import { HubError } from "../errors.js";
import { STAFF, isHq, requireStore, type Principal } from "../auth/roles.js";
import type { Database } from "../../storage/database.js";
import { isPostgres } from "../sql-dialect.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id, IsoDate, Period } from "./schemas.js";
import { periodKey } from "./reports.js";
import { Format, csvResponse, toCsv, yuan } from "./csv.js";

const GroupBy = z.enum(["chain", "store", "kiosk"]).default("chain");
const SalesQuery = z.strictObject({ period: Period, from: IsoDate, to: IsoDate, storeId: Id.optional(), groupBy: GroupBy, format: Format });
type SalesQueryOut = z.output<typeof SalesQuery>;

/** An integer field of a JSON object held in a TEXT column (NULL when absent), on either engine. */
export function jsonIntSql(db: Database, column: string, path: readonly string[]): string {
  for (const p of path) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) throw new Error(`jsonIntSql: bad path ${p}`);
  return isPostgres(db)
    ? `CAST(CAST(${column} AS jsonb) #>> '{${path.join(",")}}' AS BIGINT)`
    : `CAST(json_extract(${column}, '$.${path.join(".")}') AS INTEGER)`;
}

const FIGURES = [
  "sales",
  "revenueFen",
  "memberSavingsFen",
  "couponCostFen",
  "pointsEarned",
  "pointsSpent",
  "payCardFen",
  "payStoredValueFen",
  "payPointsFen",
  "payCounterFen",
  "returns",
  "returnRefundFen",
  "returnStoredValueFen",
  "returnExternalFen",
  "returnPointsBack",
  "netRevenueFen",
] as const;
type Figure = (typeof FIGURES)[number];
export type SalesRow = { period: string; storeId: string | null; deviceId: string | null } & Record<Figure, number>;

const zero = (): Record<Figure, number> => Object.fromEntries(FIGURES.map((f) => [f, 0])) as Record<Figure, number>;

/** The stores a caller's report covers, grouped by UTC offset (one query per offset). */
export function storesByOffset(d: BackofficeDeps, p: Principal, storeId: string | undefined): Map<number, string[]> {
  if (storeId) requireStore(p, storeId);
  const known = d.db
    .prepare("SELECT DISTINCT store_id FROM devices ORDER BY store_id")
    .all<{ store_id: string }>()
    .map((r) => r.store_id);
  const stores = storeId ? [storeId] : isHq(p) ? [...new Set([...known, ...d.configs.stores()])] : [...p.stores];
  const out = new Map<number, string[]>();
  for (const s of stores) {
    const offset = d.rules.forStore(s).utcOffsetMinutes;
    out.set(offset, [...(out.get(offset) ?? []), s]);
  }
  return out;
}

export function checkWindow(from: string, to: string): void {
  if (to < from) throw new HubError("INVALID_INPUT", "query.to: before from");
  if (daysBetween(from, to) > 3660) throw new HubError("INVALID_INPUT", "query: at most ten years at a time");
}

const num = (v: unknown): number => Number(v ?? 0);
const marks = (n: number): string => Array.from({ length: n }, () => "?").join(",");

/** The report's rows (finest: period x store x kiosk, then summed to the grouping asked for) and their totals. */
export function salesReport(d: BackofficeDeps, p: Principal, q: SalesQueryOut): { rows: SalesRow[]; totals: Record<Figure, number> } {
  checkWindow(q.from, q.to);
  const byKey = new Map<string, SalesRow>();
  const row = (period: string, storeId: string, deviceId: string): SalesRow => {
    const s = q.groupBy === "chain" ? null : storeId;
    const k = q.groupBy === "kiosk" ? deviceId : null;
    const key = `${period}|${s ?? ""}|${k ?? ""}`;
    let r = byKey.get(key);
    if (!r) byKey.set(key, (r = { period, storeId: s, deviceId: k, ...zero() }));
    return r;
  };
  const coupon = `COALESCE(${jsonIntSql(d.db, "sd.priced", ["totals", "couponDiscountFen"])}, 0)`;
  const pointsCash = `COALESCE(${jsonIntSql(d.db, "sd.priced", ["totals", "pointsCashFen"])}, 0)`;
  for (const [offset, stores] of storesByOffset(d, p, q.storeId)) {
    if (stores.length === 0) continue;
    const from = startOfLocalDay(q.from, offset);
    const to = startOfLocalDay(addDays(q.to, 1), offset);
    const sales = d.db
      .prepare(
        `SELECT ${periodKey(d.db, "s.at", q.period, offset)} AS period, dv.store_id AS store_id, s.device_id AS device_id, COUNT(*) AS n,
           SUM(s.total_fen) AS revenue, SUM(s.savings_fen) AS savings, SUM(${coupon}) AS coupon,
           SUM(s.points_earned) AS earned, SUM(s.points_redeemed) AS spent, SUM(s.balance_fen) AS stored,
           SUM(CASE WHEN c.claim_id IS NULL THEN ${pointsCash} ELSE 0 END) AS points_cash,
           SUM(CASE WHEN c.claim_id IS NULL THEN s.total_fen - s.balance_fen - ${pointsCash} ELSE 0 END) AS card,
           SUM(CASE WHEN c.claim_id IS NULL THEN 0 ELSE s.total_fen - s.balance_fen END) AS counter
         FROM sales s JOIN devices dv ON dv.device_id = s.device_id
           LEFT JOIN sale_details sd ON sd.sale_id = s.sale_id
           LEFT JOIN claims c ON c.claim_id = s.sale_id AND c.status = 'paid'
         WHERE s.at >= ? AND s.at < ? AND dv.store_id IN (${marks(stores.length)})
         GROUP BY 1, dv.store_id, s.device_id`,
      )
      .all<Record<string, unknown>>(from, to, ...stores);
    for (const x of sales) {
      const r = row(String(x.period), String(x.store_id), String(x.device_id));
      r.sales += num(x.n);
      r.revenueFen += num(x.revenue);
      r.memberSavingsFen += num(x.savings);
      r.couponCostFen += num(x.coupon);
      r.pointsEarned += num(x.earned);
      r.pointsSpent += num(x.spent);
      r.payStoredValueFen += num(x.stored);
      r.payPointsFen += num(x.points_cash);
      r.payCardFen += num(x.card);
      r.payCounterFen += num(x.counter);
    }
    // Returns count in the period they were made in, at the store whose kiosk took them.
    const returns = d.db
      .prepare(
        `SELECT ${periodKey(d.db, "r.at", q.period, offset)} AS period, dv.store_id AS store_id, r.device_id AS device_id, COUNT(*) AS n,
           SUM(r.refund_fen) AS refund, SUM(r.principal_fen + r.bonus_fen) AS stored, SUM(r.external_fen) AS external, SUM(r.points_given_back) AS points
         FROM returns r JOIN devices dv ON dv.device_id = r.device_id
         WHERE r.at >= ? AND r.at < ? AND dv.store_id IN (${marks(stores.length)})
         GROUP BY 1, dv.store_id, r.device_id`,
      )
      .all<Record<string, unknown>>(from, to, ...stores);
    for (const x of returns) {
      const r = row(String(x.period), String(x.store_id), String(x.device_id));
      r.returns += num(x.n);
      r.returnRefundFen += num(x.refund);
      r.returnStoredValueFen += num(x.stored);
      r.returnExternalFen += num(x.external);
      r.returnPointsBack += num(x.points);
    }
  }
  const rows = [...byKey.values()].sort(
    (a, b) => a.period.localeCompare(b.period) || (a.storeId ?? "").localeCompare(b.storeId ?? "") || (a.deviceId ?? "").localeCompare(b.deviceId ?? ""),
  );
  const totals = zero();
  for (const r of rows) {
    r.netRevenueFen = r.revenueFen - r.returnRefundFen;
    for (const f of FIGURES) totals[f] += r[f];
  }
  return { rows, totals };
}

/** Pay-at-the-counter tickets still open (not paid, not expired) per store: count and the amount the kiosk showed (the hub prices at settlement). */
export function openClaims(
  d: BackofficeDeps,
  p: Principal,
  storeId: string | undefined,
): Array<{ storeId: string; count: number; kioskShownFen: number; oldestAt: number | null }> {
  const stores = [...storesByOffset(d, p, storeId).values()].flat();
  if (stores.length === 0) return [];
  return d.db
    .prepare(
      `SELECT dv.store_id AS store_id, COUNT(*) AS n, SUM(c.total_fen) AS fen, MIN(c.at) AS oldest FROM claims c JOIN devices dv ON dv.device_id = c.device_id
       WHERE c.status = 'open' AND c.expires_at > ? AND dv.store_id IN (${marks(stores.length)}) GROUP BY dv.store_id ORDER BY dv.store_id`,
    )
    .all<Record<string, unknown>>(d.clock.now(), ...stores)
    .map((x) => ({ storeId: String(x.store_id), count: num(x.n), kioskShownFen: num(x.fen), oldestAt: x.oldest === null ? null : num(x.oldest) }));
}

const HEADER: Record<Figure, [string, string]> = {
  sales: ["笔数", "sales"],
  revenueFen: ["销售额(元)", "revenue"],
  memberSavingsFen: ["会员优惠(元)", "member savings"],
  couponCostFen: ["优惠券成本(元)", "coupon cost"],
  pointsEarned: ["获得积分", "points earned"],
  pointsSpent: ["使用积分", "points spent"],
  payCardFen: ["银行卡/外部支付(元)", "card"],
  payStoredValueFen: ["储值支付(元)", "stored value"],
  payPointsFen: ["积分抵现(元)", "points as cash"],
  payCounterFen: ["柜台支付(元)", "counter"],
  returns: ["退货笔数", "returns"],
  returnRefundFen: ["退款(元)", "refunds"],
  returnStoredValueFen: ["退回储值(元)", "refunded to stored value"],
  returnExternalFen: ["退回外部支付(元)", "refunded outside"],
  returnPointsBack: ["退回积分", "points given back"],
  netRevenueFen: ["净销售额(元)", "net revenue"],
};

function salesCsv(rows: readonly SalesRow[], totals: Record<Figure, number>): string {
  const cell = (f: Figure, v: number) => (f.endsWith("Fen") ? yuan(v) : v);
  return toCsv(
    ["期间 period", "门店 store", "终端 kiosk", ...FIGURES.map((f) => `${HEADER[f][0]} ${HEADER[f][1]}`)],
    [
      ...rows.map((r) => [r.period, r.storeId ?? "", r.deviceId ?? "", ...FIGURES.map((f) => cell(f, r[f]))]),
      ["合计 total", "", "", ...FIGURES.map((f) => cell(f, totals[f]))],
    ],
  );
}

const Fig = z.number().int();
const SalesRowSchema = z.looseObject({
  period: z.string(),
  storeId: z.string().nullable(),
  deviceId: z.string().nullable(),
  ...Object.fromEntries(FIGURES.map((f) => [f, Fig])),
}) as unknown as z.ZodType<SalesRow>;
const SalesAnswer = z.looseObject({
  period: Period,
  from: z.string(),
  to: z.string(),
  storeId: z.string().nullable(),
  groupBy: GroupBy,
  rows: z.array(SalesRowSchema),
  totals: z.looseObject(Object.fromEntries(FIGURES.map((f) => [f, Fig]))),
  openClaims: z.array(z.looseObject({ storeId: z.string(), count: Fig, kioskShownFen: Fig, oldestAt: Fig.nullable() })),
});

export function registerSalesReportRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "get",
      path: "/reports/sales",
      tag: "reports",
      summary: "Sales by store-local day, month, quarter or year, per chain, store or kiosk: revenue, savings, coupon cost, points, payment split, returns",
      description:
        "From the hub's own records (its evaluation of each sale, the counter's settlements, its return figures), never the kiosks' hints. A store manager or counter staff sees their stores only (storeId of another store: 403). payCardFen is the part of kiosk sales paid outside stored value and points; payCounterFen what the counter took for settled tickets (less stored value). openClaims: tickets not yet paid or expired, now. format=csv answers text/csv (UTF-8 with BOM, amounts in yuan, a total row).",
      roles: STAFF,
      query: SalesQuery,
      response: SalesAnswer,
    },
    ({ c, query, principal }) => {
      const { rows, totals } = salesReport(d, principal, query);
      if (query.format === "csv")
        return csvResponse(c, `sales-${query.period}-${query.from}-${query.to}${query.storeId ? `-${query.storeId}` : ""}.csv`, salesCsv(rows, totals));
      return {
        period: query.period,
        from: query.from,
        to: query.to,
        storeId: query.storeId ?? null,
        groupBy: query.groupBy,
        rows,
        totals,
        openClaims: openClaims(d, principal, query.storeId),
      };
    },
  );
}
