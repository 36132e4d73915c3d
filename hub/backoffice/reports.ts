// Reports: purchases, VIP records and top-ups summarised by day, month, quarter or year (store-local), per store.
import { z } from "zod";
import { addDays, daysBetween, startOfLocalDay } from "../../protocol/rules/time.js";
import { HubError } from "../errors.js";
import { STAFF, isHq, requireStore, type Principal } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id, IsoDate, Period, type PeriodKind } from "./schemas.js";
import type { Database } from "../../storage/database.js";
import { epochSecondsToDateSql } from "../sql-dialect.js";
import { Format, csvResponse, toCsv, yuan, type CsvCell } from "./csv.js";

const ReportQuery = z.strictObject({ period: Period, from: IsoDate, to: IsoDate, storeId: Id.optional(), format: Format });
type ReportQueryOut = z.output<typeof ReportQuery>;

/** SQL for the period key of an epoch-ms column, in the store-local calendar (SQLite and PostgreSQL give the same text). */
export function periodKey(db: Database, column: string, period: PeriodKind, offsetMinutes: number): string {
  const day = epochSecondsToDateSql(db, `${column} / 1000 + ${offsetMinutes * 60}`);
  switch (period) {
    case "day":
      return day;
    case "month":
      return `substr(${day}, 1, 7)`;
    case "year":
      return `substr(${day}, 1, 4)`;
    case "quarter":
      return `substr(${day}, 1, 4) || '-Q' || ((CAST(substr(${day}, 6, 2) AS INTEGER) + 2) / 3)`;
  }
}

function window(d: BackofficeDeps, p: Principal, q: ReportQueryOut): { from: number; to: number; offset: number; stores: string[] | null } {
  if (q.to < q.from) throw new HubError("INVALID_INPUT", "query.to: before from");
  if (daysBetween(q.from, q.to) > 3660) throw new HubError("INVALID_INPUT", "query: at most ten years at a time");
  if (q.storeId) requireStore(p, q.storeId);
  const offset = d.rules.forStore(q.storeId).utcOffsetMinutes;
  return {
    from: startOfLocalDay(q.from, offset),
    to: startOfLocalDay(addDays(q.to, 1), offset),
    offset,
    stores: q.storeId ? [q.storeId] : isHq(p) ? null : [...p.stores],
  };
}

/** The answer: JSON, or with format=csv the rows as a CSV file (columns given as [header, field, money?]). */
function answer(
  c: import("hono").Context,
  name: string,
  query: ReportQueryOut,
  rows: Array<Record<string, string | number>>,
  columns: ReadonlyArray<readonly [string, string, boolean?]>,
): unknown {
  if (query.format !== "csv") return { period: query.period, from: query.from, to: query.to, storeId: query.storeId ?? null, rows };
  const cells = rows.map((r) => columns.map(([, f, money]): CsvCell => (money ? yuan(Number(r[f])) : r[f])));
  return csvResponse(
    c,
    `${name}-${query.period}-${query.from}-${query.to}${query.storeId ? `-${query.storeId}` : ""}.csv`,
    toCsv(
      columns.map(([h]) => h),
      cells,
    ),
  );
}

const inStores = (col: string, stores: string[] | null): string => (stores ? ` AND ${col} IN (${stores.map(() => "?").join(",")})` : "");

export function registerReportRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "get",
      path: "/reports/purchases",
      tag: "reports",
      summary: "Member purchases (kiosk sales applied at the hub) by period (format=csv: the table as CSV)",
      roles: STAFF,
      query: ReportQuery,
    },
    ({ c, query, principal }) => {
      const w = window(d, principal, query);
      const rows = d.db
        .prepare(
          `SELECT ${periodKey(d.db, "s.at", query.period, w.offset)} AS period, COUNT(*) AS sales, COUNT(DISTINCT s.member_id) AS members,
             COALESCE(SUM(s.total_fen), 0) AS total_fen, COALESCE(SUM(s.savings_fen), 0) AS savings_fen, COALESCE(SUM(s.points_earned), 0) AS points_earned
           FROM sales s LEFT JOIN devices dv ON dv.device_id = s.device_id
           WHERE s.at >= ? AND s.at < ?${inStores("dv.store_id", w.stores)} GROUP BY period ORDER BY period`,
        )
        .all<{ period: string; sales: number; members: number; total_fen: number; savings_fen: number; points_earned: number }>(
          w.from,
          w.to,
          ...(w.stores ?? []),
        )
        .map((x) => ({
          period: x.period,
          sales: x.sales,
          members: x.members,
          totalFen: x.total_fen,
          savingsFen: x.savings_fen,
          pointsEarned: x.points_earned,
        }));
      return answer(c, "purchases", query, rows, [
        ["期间 period", "period"],
        ["笔数 sales", "sales"],
        ["会员数 members", "members"],
        ["销售额(元) total", "totalFen", true],
        ["会员优惠(元) savings", "savingsFen", true],
        ["获得积分 points earned", "pointsEarned"],
      ]);
    },
  );

  r.staff(
    {
      method: "get",
      path: "/reports/vip",
      tag: "reports",
      summary: "VIP records by period and kind: count and fees (format=csv: the table as CSV)",
      roles: STAFF,
      query: ReportQuery.extend({ classId: Id.optional() }),
    },
    ({ c, query, principal }) => {
      const w = window(d, principal, query);
      const rows = d.db
        .prepare(
          `SELECT ${periodKey(d.db, "at", query.period, w.offset)} AS period, kind, COUNT(*) AS count, COALESCE(SUM(fee_fen), 0) AS fee_fen
           FROM vip_records WHERE at >= ? AND at < ?${inStores("store_id", w.stores)}${query.classId ? " AND class_after = ?" : ""}
           GROUP BY period, kind ORDER BY period, kind`,
        )
        .all<{ period: string; kind: string; count: number; fee_fen: number }>(w.from, w.to, ...(w.stores ?? []), ...(query.classId ? [query.classId] : []))
        .map((x) => ({ period: x.period, kind: x.kind, count: x.count, feeFen: x.fee_fen }));
      return answer(c, "vip", query, rows, [
        ["期间 period", "period"],
        ["类型 kind", "kind"],
        ["笔数 count", "count"],
        ["费用(元) fees", "feeFen", true],
      ]);
    },
  );

  r.staff(
    {
      method: "get",
      path: "/reports/top-ups",
      tag: "reports",
      summary: "Top-ups by period: amounts, principal, bonus, points, refunds (format=csv: the table as CSV)",
      roles: STAFF,
      query: ReportQuery,
    },
    ({ c, query, principal }) => {
      const w = window(d, principal, query);
      const rows = d.db
        .prepare(
          `SELECT ${periodKey(d.db, "at", query.period, w.offset)} AS period, COUNT(*) AS count, COUNT(DISTINCT member_id) AS members,
             COALESCE(SUM(amount_fen), 0) AS amount_fen, COALESCE(SUM(principal_fen), 0) AS principal_fen, COALESCE(SUM(bonus_fen), 0) AS bonus_fen,
             COALESCE(SUM(points), 0) AS points, COALESCE(SUM(refunded_principal_fen), 0) AS refunded_principal_fen
           FROM top_ups WHERE at >= ? AND at < ?${inStores("store_id", w.stores)} GROUP BY period ORDER BY period`,
        )
        .all<{
          period: string;
          count: number;
          members: number;
          amount_fen: number;
          principal_fen: number;
          bonus_fen: number;
          points: number;
          refunded_principal_fen: number;
        }>(w.from, w.to, ...(w.stores ?? []))
        .map((x) => ({
          period: x.period,
          count: x.count,
          members: x.members,
          amountFen: x.amount_fen,
          principalFen: x.principal_fen,
          bonusFen: x.bonus_fen,
          points: x.points,
          refundedPrincipalFen: x.refunded_principal_fen,
        }));
      return answer(c, "top-ups", query, rows, [
        ["期间 period", "period"],
        ["笔数 count", "count"],
        ["会员数 members", "members"],
        ["充值金额(元) amount", "amountFen", true],
        ["本金(元) principal", "principalFen", true],
        ["赠送金(元) bonus", "bonusFen", true],
        ["赠送积分 points", "points"],
        ["已退本金(元) principal refunded", "refundedPrincipalFen", true],
      ]);
    },
  );
}
