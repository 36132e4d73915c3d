// PLUS, the online-only paid tier: a member flag with an expiry that HQ gives, extends and revokes (audited); plans are bought at the counter in plus-plans.ts.
//
// The rules engine prices with `isPlus` on the online channel (PLUS price). The hub prices only kiosk
// sales (till channel), so PLUS is stored and shown here for the online shop to read.
import { z } from "zod";
import { HubError } from "../errors.js";
import { HQ, STAFF } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { MemberParams, Reason } from "./schemas.js";

const DAY_MS = 86_400_000;
const Days = z.number().int().positive().max(3660);

export interface PlusState {
  active: boolean;
  since: number | null;
  expiresAt: number | null;
}

/** A member's PLUS state now (active while expiresAt is in the future). */
export function plusState(d: Pick<BackofficeDeps, "db" | "clock">, memberId: string): PlusState {
  const r = d.db.prepare("SELECT since, expires_at FROM member_plus WHERE member_id = ?").get<{ since: number; expires_at: number }>(memberId);
  if (!r) return { active: false, since: null, expiresAt: null };
  return { active: r.expires_at > d.clock.now(), since: r.since, expiresAt: r.expires_at };
}

/** Sets a member's PLUS (inside the caller's transaction); plus-plans.ts's purchases use it too. */
export function savePlus(d: Pick<BackofficeDeps, "db" | "clock">, memberId: string, since: number, expiresAt: number): void {
  d.db
    .prepare(
      "INSERT INTO member_plus (member_id, since, expires_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET since = excluded.since, expires_at = excluded.expires_at, updated_at = excluded.updated_at",
    )
    .run(memberId, since, expiresAt, d.clock.now());
}

export function registerPlusRoutes(r: Routes, d: BackofficeDeps): void {
  const save = (memberId: string, since: number, expiresAt: number): void => savePlus(d, memberId, since, expiresAt);

  r.staff(
    {
      method: "get",
      path: "/members/:id/plus",
      tag: "plus",
      summary: "A member's PLUS state (online-only paid tier)",
      roles: STAFF,
      params: MemberParams,
      errors: { 404: "no such member" },
    },
    ({ params, principal }) => {
      d.data.visibleTo(principal, params.id);
      return plusState(d, params.id);
    },
  );

  r.staff(
    {
      method: "post",
      path: "/members/:id/plus/give",
      tag: "plus",
      summary: "Make a member PLUS for N days",
      description: "Only for a member who is not PLUS now (use extend for one who is).",
      roles: HQ,
      params: MemberParams,
      body: z.strictObject({ days: Days, reason: Reason }),
      idempotent: true,
      errors: { 404: "no such member", 409: "Idempotency-Key reused", 422: "PLUS_ACTIVE, MEMBER_BLOCKED" },
    },
    ({ params, body, actor, idempotencyKey }) => {
      d.data.get(params.id);
      return d.ops.run(idempotencyKey!, "plus.give", params.id, body, () => {
        d.data.requireActive(d.data.get(params.id));
        const before = plusState(d, params.id);
        if (before.active) throw new HubError("REFUSED", "the member is PLUS already; extend it instead", { reason: "PLUS_ACTIVE" });
        const now = d.clock.now();
        save(params.id, now, now + body.days * DAY_MS);
        const after = plusState(d, params.id);
        d.audit.recordInTx({ actor, action: "plus.give", entity: "member", entityId: params.id, before, after, note: body.reason });
        return after;
      }).result;
    },
  );

  r.staff(
    {
      method: "post",
      path: "/members/:id/plus/extend",
      tag: "plus",
      summary: "Extend a member's PLUS by N days",
      roles: HQ,
      params: MemberParams,
      body: z.strictObject({ days: Days, reason: Reason }),
      idempotent: true,
      errors: { 404: "no such member", 409: "Idempotency-Key reused", 422: "NOT_PLUS" },
    },
    ({ params, body, actor, idempotencyKey }) => {
      d.data.get(params.id);
      return d.ops.run(idempotencyKey!, "plus.extend", params.id, body, () => {
        const before = plusState(d, params.id);
        if (!before.active) throw new HubError("REFUSED", "the member is not PLUS", { reason: "NOT_PLUS" });
        save(params.id, before.since!, before.expiresAt! + body.days * DAY_MS);
        const after = plusState(d, params.id);
        d.audit.recordInTx({ actor, action: "plus.extend", entity: "member", entityId: params.id, before, after, note: body.reason });
        return after;
      }).result;
    },
  );

  r.staff(
    {
      method: "post",
      path: "/members/:id/plus/revoke",
      tag: "plus",
      summary: "End a member's PLUS now",
      roles: HQ,
      params: MemberParams,
      body: z.strictObject({ reason: Reason }),
      idempotent: true,
      errors: { 404: "no such member", 409: "Idempotency-Key reused", 422: "NOT_PLUS" },
    },
    ({ params, body, actor, idempotencyKey }) => {
      d.data.get(params.id);
      return d.ops.run(idempotencyKey!, "plus.revoke", params.id, body, () => {
        const before = plusState(d, params.id);
        if (!before.active) throw new HubError("REFUSED", "the member is not PLUS", { reason: "NOT_PLUS" });
        save(params.id, before.since!, d.clock.now());
        const after = plusState(d, params.id);
        d.audit.recordInTx({ actor, action: "plus.revoke", entity: "member", entityId: params.id, before, after, note: body.reason });
        return after;
      }).result;
    },
  );
}
