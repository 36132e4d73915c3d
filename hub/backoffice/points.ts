// Points: adjustments with a reason, and the yearly clear (warning from 16 December, clearing at 00:00 on 1 January, never twice, never undone silently).
//
// There is deliberately no "undo" of a clear: giving points back is a points adjustment, with a
// reason, in the audit trail like any other.
import { z } from "zod";
import { yearlyClearAction } from "../../protocol/rules/points.js";
import { startOfLocalDay, type IsoDate } from "../../protocol/rules/time.js";
import { HubError } from "../errors.js";
import { HQ, MANAGERS, requireStore } from "../auth/roles.js";
import type { Actor } from "../audit.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id, MemberParams, Note, Reason } from "./schemas.js";
import { transact } from "./work.js";

interface ClearRow {
  year: number;
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  cleared_at: number | null;
  skipped_at: number | null;
  members: number;
  points: number;
}

/** What the back office shows about the yearly clear today. */
export function yearlyClearStatus(d: BackofficeDeps): Record<string, unknown> {
  const rules = d.rules.chain();
  const today = d.rules.chainDay(d.clock.now());
  const { action, clearOn } = yearlyClearAction(rules, today);
  const nextYear = clearOn ? Number(clearOn.slice(0, 4)) : null;
  const row = nextYear === null ? undefined : d.db.prepare("SELECT * FROM yearly_clears WHERE year = ?").get<ClearRow>(nextYear);
  const stake = d.db
    .prepare("SELECT COUNT(*) AS n, COALESCE(SUM(points_balance), 0) AS p FROM members WHERE points_balance > 0")
    .get<{ n: number; p: number }>();
  const last = d.db.prepare("SELECT * FROM yearly_clears WHERE cleared_at IS NOT NULL ORDER BY year DESC LIMIT 1").get<ClearRow>();
  return {
    enabled: rules.points.yearlyClear,
    today,
    action,
    clearOn,
    warning:
      action === "warn"
        ? `您设置了每年1月1号清空会员积分，清空后将不可恢复，请审核确认！Every member's points will be cleared at 00:00 on ${clearOn}. This cannot be undone: check the setting (points.yearlyClear) and acknowledge. Not confirmed by 31 December, the clear is skipped this year and the points are kept.`
        : null,
    acknowledged: row?.acknowledged_by ? { by: row.acknowledged_by, at: row.acknowledged_at } : null,
    /** Whether the next clear will happen: only when HQ confirmed it (no accidental clear). */
    willClear: rules.points.yearlyClear && Boolean(row?.acknowledged_by),
    skipped: (() => {
      const s = d.db
        .prepare("SELECT year, skipped_at FROM yearly_clears WHERE skipped_at IS NOT NULL ORDER BY year DESC LIMIT 1")
        .get<{ year: number; skipped_at: number }>();
      return s ? { year: Number(s.year), at: Number(s.skipped_at) } : null;
    })(),
    membersWithPoints: stake?.n ?? 0,
    pointsAtStake: stake?.p ?? 0,
    lastClear: last ? { year: last.year, clearedAt: last.cleared_at, members: last.members, points: last.points } : null,
  };
}

/**
 * The clear for the store-local day `day` (the chain's rules): on 1 January, with points.yearlyClear,
 * every member's points as they stood at 00:00 go to zero, through the ledger under
 * (yearly-clear, `<year>:<member>`), so a re-run after a crash never takes twice; a year already
 * marked cleared is never cleared again. Points earned after midnight are kept.
 *
 * Only a confirmed clear runs (seed 001: 请审核确认, no accidental clear): without HQ's acknowledgement
 * from 16 to 31 December the year's clear is **skipped** (points kept, `skipped_at` recorded and
 * audited once); it is not made up later in the year.
 */
export function runYearlyClear(
  d: BackofficeDeps,
  day: IsoDate,
  actor: Actor,
  batch = 1000,
): { cleared: boolean; skipped?: boolean; members: number; points: number } {
  const rules = d.rules.chain();
  if (yearlyClearAction(rules, day).action !== "clear") return { cleared: false, members: 0, points: 0 };
  const year = Number(day.slice(0, 4));
  const row = d.db.prepare("SELECT * FROM yearly_clears WHERE year = ?").get<ClearRow>(year);
  if (row?.cleared_at) return { cleared: false, members: 0, points: 0 };
  if (!row?.acknowledged_by) {
    if (!row?.skipped_at) {
      d.db.transaction(() => {
        d.db
          .prepare("INSERT INTO yearly_clears (year, skipped_at) VALUES (?, ?) ON CONFLICT (year) DO UPDATE SET skipped_at = excluded.skipped_at")
          .run(year, d.clock.now());
        d.audit.recordInTx({
          actor,
          action: "points.yearly-clear.skipped",
          entity: "points",
          entityId: String(year),
          before: null,
          after: { year },
          note: "not confirmed by HQ from 16 to 31 December: points kept",
        });
      });
    }
    return { cleared: false, skipped: true, members: 0, points: 0 };
  }
  const cutoff = startOfLocalDay(day, rules.utcOffsetMinutes);
  let after = "";
  for (;;) {
    const ids = d.db
      .prepare("SELECT member_id FROM members WHERE points_balance > 0 AND member_id > ? ORDER BY member_id LIMIT ?")
      .all<{ member_id: string }>(after, batch);
    if (ids.length === 0) break;
    transact(d.db, d.registry, (w) => {
      for (const { member_id } of ids) {
        const since =
          d.db.prepare("SELECT COALESCE(SUM(delta), 0) AS s FROM points_log WHERE member_id = ? AND at >= ?").get<{ s: number }>(member_id, cutoff)?.s ?? 0;
        const current = d.ledger.balances(member_id).pointsBalance;
        const amount = Math.min(current, current - since);
        if (amount > 0) d.ledger.applyInTx({ memberId: member_id, reason: "yearly-clear", ref: `${year}:${member_id}`, points: -amount }, w);
      }
    });
    after = ids.at(-1)!.member_id;
  }
  return d.db.transaction(() => {
    const totals = d.db
      .prepare("SELECT COUNT(*) AS n, COALESCE(-SUM(delta), 0) AS p FROM points_log WHERE reason = 'yearly-clear' AND ref LIKE ?")
      .get<{ n: number; p: number }>(`${year}:%`);
    d.db
      .prepare(
        `INSERT INTO yearly_clears (year, cleared_at, members, points) VALUES (?, ?, ?, ?)
         ON CONFLICT (year) DO UPDATE SET cleared_at = excluded.cleared_at, members = excluded.members, points = excluded.points`,
      )
      .run(year, d.clock.now(), totals?.n ?? 0, totals?.p ?? 0);
    d.audit.recordInTx({
      actor,
      action: "points.yearly-clear",
      entity: "points",
      entityId: String(year),
      before: null,
      after: { year, members: totals?.n ?? 0, points: totals?.p ?? 0 },
      note: "points cleared at 00:00 on 1 January",
    });
    return { cleared: true, members: totals?.n ?? 0, points: totals?.p ?? 0 };
  });
}

export function registerPointsRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "post",
      path: "/members/:id/points/adjustments",
      tag: "points",
      summary: "Add or take points, with a reason (never below zero)",
      roles: MANAGERS,
      params: MemberParams,
      body: z.strictObject({
        points: z
          .number()
          .int()
          .min(-100_000_000)
          .max(100_000_000)
          .refine((n) => n !== 0, { message: "must not be 0" }),
        reason: Reason,
        storeId: Id.optional(),
      }),
      idempotent: true,
      status: 201,
      errors: { 404: "no such member", 409: "Idempotency-Key reused", 422: "INSUFFICIENT_POINTS" },
    },
    ({ params, body, principal, actor, idempotencyKey }) => {
      if (body.storeId) requireStore(principal, body.storeId);
      const before = d.data.visibleTo(principal, params.id);
      return d.ops.run(idempotencyKey!, "points.adjust", params.id, body, (w) => {
        d.ledger.applyInTx({ memberId: params.id, reason: "points-adjustment", ref: idempotencyKey!, points: body.points }, w);
        const after = d.ledger.balances(params.id).pointsBalance;
        d.audit.recordInTx({
          actor,
          action: "points.adjust",
          entity: "member",
          entityId: params.id,
          storeId: body.storeId ?? d.data.profile(params.id).homeStoreId,
          before: { pointsBalance: before.pointsBalance },
          after: { pointsBalance: after, delta: body.points },
          note: body.reason,
        });
        return { memberId: params.id, points: body.points, pointsBalance: after, reason: body.reason };
      }).result;
    },
  );

  r.staff(
    {
      method: "get",
      path: "/points/yearly-clear",
      tag: "points",
      summary: "The yearly clear: whether it is on, the 16-31 December warning, what is at stake, the last clear",
      roles: MANAGERS,
    },
    () => yearlyClearStatus(d),
  );

  r.staff(
    {
      method: "post",
      path: "/points/yearly-clear/acknowledge",
      tag: "points",
      summary: "Acknowledge the coming clear (only from 16 to 31 December, when it is on)",
      roles: HQ,
      body: z.strictObject({ note: Note.optional() }),
      errors: { 422: "not in the warning window (NOT_IN_WARNING_WINDOW)" },
    },
    ({ body, actor }) => {
      const status = yearlyClearStatus(d);
      if (status.action !== "warn" || typeof status.clearOn !== "string") {
        throw new HubError("REFUSED", "the clear can be acknowledged from 16 to 31 December, when points.yearlyClear is on", {
          reason: "NOT_IN_WARNING_WINDOW",
        });
      }
      const year = Number(status.clearOn.slice(0, 4));
      d.db.transaction(() => {
        d.db
          .prepare(
            "INSERT INTO yearly_clears (year, acknowledged_by, acknowledged_at) VALUES (?, ?, ?) ON CONFLICT (year) DO UPDATE SET acknowledged_by = excluded.acknowledged_by, acknowledged_at = excluded.acknowledged_at",
          )
          .run(year, actor.id, d.clock.now());
        d.audit.recordInTx({
          actor,
          action: "points.yearly-clear.acknowledge",
          entity: "points",
          entityId: String(year),
          note: body.note ?? null,
          after: { clearOn: status.clearOn, pointsAtStake: status.pointsAtStake },
        });
      });
      return yearlyClearStatus(d);
    },
  );
}
