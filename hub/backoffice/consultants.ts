// Consultants: store staff bound to members (assign, rebind when a consultant leaves) and the monthly reward report.
import { z } from "zod";
import { classifyConsultantSale, consultantReward, type ConsultantSale } from "../../protocol/rules/consultant.js";
import { addDays, localDate, startOfLocalDay } from "../../protocol/rules/time.js";
import { HubError } from "../errors.js";
import { MANAGERS, STAFF, canActIn, isHq, requireStore } from "../auth/roles.js";
import type { Actor } from "../audit.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { hasTable } from "./member-data.js";
import { openingOf } from "./member-openings.js";
import { Id, MemberParams, Month, Reason } from "./schemas.js";

interface ConsultantRow {
  consultant_id: string;
  name: string;
  store_id: string;
  active: number;
  created_at: number;
  left_at: number | null;
}

const view = (r: ConsultantRow, members?: number) => ({
  consultantId: r.consultant_id,
  name: r.name,
  storeId: r.store_id,
  active: r.active === 1,
  createdAt: r.created_at,
  leftAt: r.left_at,
  ...(members !== undefined ? { members } : {}),
});

function consultant(d: BackofficeDeps, id: string): ConsultantRow {
  const r = d.db.prepare("SELECT * FROM consultants WHERE consultant_id = ?").get<ConsultantRow>(id);
  if (!r) throw new HubError("NOT_FOUND", `no consultant ${id}`);
  return r;
}

/** Inside a transaction: moves every member of `from` to `to`; returns how many. */
function rebindAllInTx(d: BackofficeDeps, from: ConsultantRow, to: ConsultantRow, actor: Actor, reason: string): number {
  if (to.active !== 1) throw new HubError("REFUSED", `consultant ${to.consultant_id} has left`, { reason: "CONSULTANT_INACTIVE" });
  if (to.consultant_id === from.consultant_id) throw new HubError("INVALID_INPUT", "rebinding to the same consultant");
  const moved = d.db
    .prepare("UPDATE consultant_bindings SET consultant_id = ?, bound_at = ? WHERE consultant_id = ?")
    .run(to.consultant_id, d.clock.now(), from.consultant_id).changes;
  d.audit.recordInTx({
    actor,
    action: "consultant.rebind",
    entity: "consultant",
    entityId: from.consultant_id,
    storeId: from.store_id,
    before: { consultantId: from.consultant_id },
    after: { consultantId: to.consultant_id, members: moved },
    note: reason,
  });
  return moved;
}

/** The monthly reward of every consultant of a store (their bound members' spend in the month). */
export function consultantReport(d: BackofficeDeps, storeId: string, month: string): Array<Record<string, unknown>> {
  const rules = d.rules.forStore(storeId);
  const off = rules.utcOffsetMinutes;
  const first = `${month}-01`;
  const next = addDays(first, 40).slice(0, 7) + "-01";
  const from = startOfLocalDay(first, off);
  const to = startOfLocalDay(next, off);
  const consultants = d.db.prepare("SELECT * FROM consultants WHERE store_id = ? ORDER BY consultant_id").all<ConsultantRow>(storeId);
  return consultants.map((c) => {
    const sales = d.db
      .prepare(
        `SELECT s.member_id, s.at, s.total_fen FROM sales s JOIN consultant_bindings b ON b.member_id = s.member_id
         WHERE b.consultant_id = ? AND s.at >= ? AND s.at < ? AND s.at >= b.bound_at ORDER BY s.at`,
      )
      .all<{ member_id: string; at: number; total_fen: number }>(c.consultant_id, from, to);
    const kindOf = (memberId: string, at: number): ConsultantSale["kind"] => {
      const previous = d.db
        .prepare("SELECT at FROM sales WHERE member_id = ? AND at < ?")
        .all<{ at: number }>(memberId, at)
        .map((p) => localDate(p.at, off));
      return classifyConsultantSale(
        rules.consultant,
        { cardIssuedOn: d.data.profile(memberId).cardIssuedOn, previousPurchaseDates: previous, knownSince: openingOf(d.db, memberId)?.importedOn },
        localDate(at, off),
      );
    };
    const counted: ConsultantSale[] = sales.map((s) => ({ amountFen: s.total_fen, kind: kindOf(s.member_id, s.at), channel: "kiosk" }));
    // Returns in the month take back exactly what their sale earned for this consultant (seed 002:
    // no purchase, no reward): the sale's own multipliers, and nothing for a sale made before the binding.
    if (hasTable(d.db, "returns")) {
      const returns = d.db
        .prepare(
          `SELECT r.refund_fen, s.member_id, s.at AS sale_at, s.total_fen,
                  (SELECT COALESCE(SUM(p.refund_fen), 0) FROM returns p
                    WHERE p.sale_id = r.sale_id AND (p.at < r.at OR (p.at = r.at AND p.return_id < r.return_id))) AS returned_before
           FROM returns r JOIN sales s ON s.sale_id = r.sale_id JOIN consultant_bindings b ON b.member_id = s.member_id
           WHERE b.consultant_id = ? AND r.at >= ? AND r.at < ? AND s.at >= b.bound_at ORDER BY r.at, r.return_id`,
        )
        .all<{ refund_fen: number; member_id: string; sale_at: number; total_fen: number; returned_before: number }>(c.consultant_id, from, to);
      for (const x of returns) {
        counted.push({
          amountFen: -Number(x.refund_fen),
          kind: kindOf(x.member_id, Number(x.sale_at)),
          channel: "kiosk",
          returnOf: { saleAmountFen: Number(x.total_fen), returnedBeforeFen: Number(x.returned_before) },
        });
      }
    }
    const reward = consultantReward(rules.consultant, counted, rules.rounding.mode);
    const byKind: Record<string, number> = {};
    for (const s of counted.slice(0, sales.length)) byKind[s.kind] = (byKind[s.kind] ?? 0) + 1;
    return {
      ...view(c),
      month,
      sales: sales.length,
      returns: counted.length - sales.length,
      spendFen: counted.reduce((a, s) => a + s.amountFen, 0), // net of returns
      salesByKind: byKind,
      countedFen: reward.countedFen,
      targetFen: reward.targetFen,
      reachedTarget: reward.reachedTarget,
      targetBonusFen: reward.targetBonusFen,
      deductionFen: reward.deductionFen,
      excessBonusFen: reward.excessBonusFen,
      rewardFen: reward.rewardFen,
    };
  });
}

export function registerConsultantRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "post",
      path: "/consultants",
      tag: "consultants",
      summary: "Add a consultant to a store",
      roles: MANAGERS,
      body: z.strictObject({ consultantId: Id, name: z.string().trim().min(1).max(100), storeId: Id }),
      status: 201,
      errors: { 409: "consultant id taken" },
    },
    ({ body, principal, actor }) => {
      requireStore(principal, body.storeId);
      return d.db.transaction(() => {
        if (d.db.prepare("SELECT 1 FROM consultants WHERE consultant_id = ?").get(body.consultantId))
          throw new HubError("CONFLICT", `consultant ${body.consultantId} exists`);
        d.db
          .prepare("INSERT INTO consultants (consultant_id, name, store_id, active, created_at) VALUES (?, ?, ?, 1, ?)")
          .run(body.consultantId, body.name, body.storeId, d.clock.now());
        d.audit.recordInTx({ actor, action: "consultant.create", entity: "consultant", entityId: body.consultantId, storeId: body.storeId, after: body });
        return view(consultant(d, body.consultantId), 0);
      });
    },
  );

  r.staff(
    {
      method: "get",
      path: "/consultants",
      tag: "consultants",
      summary: "Consultants and how many members each has",
      roles: STAFF,
      query: z.strictObject({ storeId: Id.optional() }),
    },
    ({ query, principal }) => {
      if (query.storeId) requireStore(principal, query.storeId);
      const rows = d.db
        .prepare(
          "SELECT c.*, (SELECT COUNT(*) FROM consultant_bindings b WHERE b.consultant_id = c.consultant_id) AS members FROM consultants c ORDER BY c.store_id, c.consultant_id",
        )
        .all<ConsultantRow & { members: number }>()
        .filter((c) => (query.storeId ? c.store_id === query.storeId : isHq(principal) || principal.stores.includes(c.store_id)));
      return { consultants: rows.map((c) => view(c, c.members)) };
    },
  );

  r.staff(
    {
      method: "put",
      path: "/members/:id/consultant",
      tag: "consultants",
      summary: "Bind a member to a consultant (replaces any binding)",
      roles: STAFF,
      params: MemberParams,
      body: z.strictObject({ consultantId: Id }),
      errors: { 404: "no such member or consultant", 422: "the consultant has left (CONSULTANT_INACTIVE)" },
    },
    ({ params, body, principal, actor }) => {
      d.data.visibleTo(principal, params.id);
      const c = consultant(d, body.consultantId);
      requireStore(principal, c.store_id);
      if (c.active !== 1) throw new HubError("REFUSED", `consultant ${c.consultant_id} has left`, { reason: "CONSULTANT_INACTIVE" });
      return d.db.transaction(() => {
        const before = d.db.prepare("SELECT consultant_id FROM consultant_bindings WHERE member_id = ?").get<{ consultant_id: string }>(params.id);
        d.db
          .prepare(
            "INSERT INTO consultant_bindings (member_id, consultant_id, bound_at) VALUES (?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET consultant_id = excluded.consultant_id, bound_at = excluded.bound_at",
          )
          .run(params.id, c.consultant_id, d.clock.now());
        d.audit.recordInTx({
          actor,
          action: "consultant.bind",
          entity: "member",
          entityId: params.id,
          storeId: c.store_id,
          before: { consultantId: before?.consultant_id ?? null },
          after: { consultantId: c.consultant_id },
        });
        return { memberId: params.id, consultantId: c.consultant_id, boundAt: d.clock.now() };
      });
    },
  );

  r.staff(
    {
      method: "delete",
      path: "/members/:id/consultant",
      tag: "consultants",
      summary: "Unbind a member from their consultant",
      roles: MANAGERS,
      params: MemberParams,
      errors: { 404: "no such member or no binding" },
    },
    ({ params, principal, actor }) => {
      d.data.visibleTo(principal, params.id);
      const b = d.db.prepare("SELECT consultant_id FROM consultant_bindings WHERE member_id = ?").get<{ consultant_id: string }>(params.id);
      if (!b) throw new HubError("NOT_FOUND", "the member has no consultant");
      const c = consultant(d, b.consultant_id);
      requireStore(principal, c.store_id);
      d.db.transaction(() => {
        d.db.prepare("DELETE FROM consultant_bindings WHERE member_id = ?").run(params.id);
        d.audit.recordInTx({
          actor,
          action: "consultant.unbind",
          entity: "member",
          entityId: params.id,
          storeId: c.store_id,
          before: { consultantId: c.consultant_id },
          after: { consultantId: null },
        });
      });
      return { memberId: params.id, consultantId: null };
    },
  );

  const CidParams = z.strictObject({ consultantId: Id });
  r.staff(
    {
      method: "post",
      path: "/consultants/:consultantId/rebind",
      tag: "consultants",
      summary: "Move all of a consultant's members to another consultant",
      roles: MANAGERS,
      params: CidParams,
      body: z.strictObject({ toConsultantId: Id, reason: Reason }),
      errors: { 404: "no such consultant", 422: "the target has left (CONSULTANT_INACTIVE)" },
    },
    ({ params, body, principal, actor }) => {
      const from = consultant(d, params.consultantId);
      const to = consultant(d, body.toConsultantId);
      requireStore(principal, from.store_id);
      requireStore(principal, to.store_id);
      const moved = d.db.transaction(() => rebindAllInTx(d, from, to, actor, body.reason));
      return { from: from.consultant_id, to: to.consultant_id, moved };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/consultants/:consultantId/leave",
      tag: "consultants",
      summary: "A consultant leaves: deactivate, and rebind their members to another consultant",
      roles: MANAGERS,
      params: CidParams,
      body: z.strictObject({ rebindTo: Id.optional(), reason: Reason }),
      errors: { 404: "no such consultant", 409: "already left", 422: "members left without a consultant to take them (REBIND_REQUIRED)" },
    },
    ({ params, body, principal, actor }) => {
      const c = consultant(d, params.consultantId);
      requireStore(principal, c.store_id);
      if (c.active !== 1) throw new HubError("CONFLICT", "this consultant has already left");
      const to = body.rebindTo ? consultant(d, body.rebindTo) : undefined;
      if (to && !canActIn(principal, to.store_id)) throw new HubError("FORBIDDEN", `you may not act in store ${to.store_id}`);
      return d.db.transaction(() => {
        const members = d.db.prepare("SELECT COUNT(*) AS n FROM consultant_bindings WHERE consultant_id = ?").get<{ n: number }>(c.consultant_id)?.n ?? 0;
        if (members > 0 && !to) throw new HubError("REFUSED", `${members} members need a new consultant: give rebindTo`, { reason: "REBIND_REQUIRED" });
        const moved = to ? rebindAllInTx(d, c, to, actor, body.reason) : 0;
        d.db.prepare("UPDATE consultants SET active = 0, left_at = ? WHERE consultant_id = ?").run(d.clock.now(), c.consultant_id);
        d.audit.recordInTx({
          actor,
          action: "consultant.leave",
          entity: "consultant",
          entityId: c.consultant_id,
          storeId: c.store_id,
          before: view(c),
          after: { active: false, rebindTo: to?.consultant_id ?? null, moved },
          note: body.reason,
        });
        return { ...view(consultant(d, c.consultant_id)), moved };
      });
    },
  );

  r.staff(
    {
      method: "get",
      path: "/reports/consultants",
      tag: "reports",
      summary: "Monthly consultant reward report: weighted member spend, target, bonus, deduction, excess bonus",
      roles: MANAGERS,
      query: z.strictObject({ storeId: Id, month: Month }),
    },
    ({ query, principal }) => {
      requireStore(principal, query.storeId);
      return { storeId: query.storeId, month: query.month, consultants: consultantReport(d, query.storeId, query.month) };
    },
  );
}
