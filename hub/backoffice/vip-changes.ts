// VIP changes HQ or a store manager makes without a sale: a gift (to a member who is not VIP, no purchase bonuses) and an extension (the expiry only moves later), each with its quote.
import { z } from "zod";
import { extendVip, giveVip, type VipQuote } from "../../protocol/rules/vip.js";
import { addDays, DAY_MS, startOfLocalDay } from "../../protocol/rules/time.js";
import type { RulesConfig } from "../../protocol/rules/config.js";
import type { MemberRecord } from "../../protocol/messages.js";
import { MANAGERS, requireStore } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id, IsoDate, MemberParams, QueryInt, Reason, EpochMs } from "./schemas.js";
import { applyVipInTx, notSecondary } from "./vip.js";

/** How an extension names the new expiry: exactly one of the three. */
type ExtendTo = { untilDate?: string | undefined; expiresAt?: number | undefined; days?: number | undefined };
const exactlyOne = (b: ExtendTo): boolean => [b.untilDate, b.expiresAt, b.days].filter((x) => x !== undefined).length === 1;

export function registerVipChangeRoutes(r: Routes, d: BackofficeDeps): void {
  /** What giving `planId` would do: the same rules call the gift applies. */
  const giftQuote = (m: MemberRecord, rules: RulesConfig, planId: string): VipQuote => {
    notSecondary(m);
    d.data.requireActive(m);
    return giveVip(rules, d.data.vipState(m), planId, d.clock.now(), "staff");
  };

  r.staff(
    {
      method: "get",
      path: "/members/:id/vip/gift/quote",
      tag: "vip",
      summary: "What giving a VIP plan would give (class, expiry), without doing it",
      roles: MANAGERS,
      params: MemberParams,
      query: z.strictObject({ storeId: Id, planId: Id }),
      errors: { 404: "no such member", 422: "RULES_VIP_NOT_ALLOWED (already VIP), RULES_VIP_LIMIT_REACHED, RULES_UNKNOWN_PLAN, IS_SECONDARY" },
    },
    ({ params, query, principal }) => {
      requireStore(principal, query.storeId);
      const q = giftQuote(d.data.visibleTo(principal, params.id), d.rules.forStore(query.storeId), query.planId);
      return { kind: q.kind, planId: query.planId, classBefore: q.record.classBefore, classAfter: q.member.cardClass, expiresAt: q.record.expiresAt };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/members/:id/vip/gift",
      tag: "vip",
      summary: "Give a VIP plan (only to a member who is not VIP; no purchase bonuses)",
      roles: MANAGERS,
      params: MemberParams,
      body: z.strictObject({ storeId: Id, planId: Id, reason: Reason }),
      idempotent: true,
      errors: { 404: "no such member", 409: "Idempotency-Key reused", 422: "RULES_VIP_NOT_ALLOWED (already VIP), RULES_VIP_LIMIT_REACHED" },
    },
    ({ params, body, principal, actor, idempotencyKey }) => {
      requireStore(principal, body.storeId);
      d.data.visibleTo(principal, params.id);
      return d.ops.run(idempotencyKey!, "vip.gift", params.id, body, (w) => {
        const m = d.data.get(params.id);
        const rules = d.rules.forStore(body.storeId);
        const q = giftQuote(m, rules, body.planId);
        applyVipInTx(d, w, {
          member: m,
          next: q.member,
          record: { ...q.record, note: `${q.record.note}: ${body.reason}` },
          couponPackIds: [],
          rules,
          storeId: body.storeId,
          actor,
          ref: `vip:${idempotencyKey!}`,
          payment: null,
        });
        return { kind: q.kind, cardClass: q.member.cardClass, expiresAt: q.record.expiresAt };
      }).result;
    },
  );

  /** What an extension to `to` would do: the expiry it sets, from the same rules call the write applies. */
  const extendQuote = (m: MemberRecord, to: ExtendTo, reason: string) => {
    const rules = d.rules.forStore(d.data.profile(m.memberId).homeStoreId);
    const state = d.data.vipState(m);
    const current = state.vip?.expiresAt ?? 0;
    const expiresAt =
      to.expiresAt ?? (to.untilDate !== undefined ? startOfLocalDay(addDays(to.untilDate, 1), rules.utcOffsetMinutes) : current + (to.days ?? 0) * DAY_MS);
    return { rules, current, out: extendVip(state, expiresAt, reason, d.clock.now()) };
  };

  r.staff(
    {
      method: "get",
      path: "/members/:id/vip/extend/quote",
      tag: "vip",
      summary: "The expiry an extension would set, without doing it",
      description: "Give exactly one of `untilDate`, `expiresAt`, `days`, as for POST /members/:id/vip/extend.",
      roles: MANAGERS,
      params: MemberParams,
      query: z
        .strictObject({ untilDate: IsoDate.optional(), expiresAt: QueryInt(0, Number.MAX_SAFE_INTEGER).optional(), days: QueryInt(1, 3660).optional() })
        .refine(exactlyOne, { message: "give exactly one of untilDate, expiresAt, days" }),
      errors: { 404: "no such member", 422: "not VIP or not later (RULES_VIP_NOT_ALLOWED, RULES_INVALID_INPUT), IS_SECONDARY" },
    },
    ({ params, query, principal }) => {
      const m = d.data.visibleTo(principal, params.id);
      notSecondary(m);
      const { current, out } = extendQuote(m, query, "quote");
      return { expiresAt: out.member.vip?.expiresAt ?? null, previousExpiresAt: current };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/members/:id/vip/extend",
      tag: "vip",
      summary: "Extend a VIP (e.g. the store was closed), with a reason",
      description:
        "Give `untilDate` (valid through that store-local date), `expiresAt` (epoch ms) or `days` (added to the current expiry). The expiry can only move later.",
      roles: MANAGERS,
      params: MemberParams,
      body: z
        .strictObject({ untilDate: IsoDate.optional(), expiresAt: EpochMs.optional(), days: z.number().int().min(1).max(3660).optional(), reason: Reason })
        .refine(exactlyOne, { message: "give exactly one of untilDate, expiresAt, days" }),
      idempotent: true,
      errors: { 404: "no such member", 409: "Idempotency-Key reused", 422: "not VIP or not later (RULES_VIP_NOT_ALLOWED, RULES_INVALID_INPUT)" },
    },
    ({ params, body, principal, actor, idempotencyKey }) => {
      const before = d.data.visibleTo(principal, params.id);
      notSecondary(before);
      return d.ops.run(idempotencyKey!, "vip.extend", params.id, body, (w) => {
        const m = d.data.get(params.id);
        const profile = d.data.profile(params.id);
        const { rules, current, out } = extendQuote(m, body, body.reason);
        applyVipInTx(d, w, {
          member: m,
          next: out.member,
          record: out.record,
          couponPackIds: [],
          rules,
          storeId: profile.homeStoreId,
          actor,
          ref: `vip:${idempotencyKey!}`,
          payment: null,
        });
        return { expiresAt: out.member.vip?.expiresAt ?? null, previousExpiresAt: current };
      }).result;
    },
  );
}
