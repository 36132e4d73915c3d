// PLUS plans at the counter: the plans in force, a member's quote, the purchase or renewal (paid like a VIP plan, idempotent, recorded in plus_records, audited) and the record.
import { z } from "zod";
import { quotePlusPurchase, type PlusQuote } from "../../protocol/rules/plus.js";
import type { RulesConfig } from "../../protocol/rules/config.js";
import type { MemberRecord } from "../../protocol/messages.js";
import { STAFF, requireStore } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import { effectiveCardClass } from "./member-data.js";
import { joinNotes, PlanBuyBody, requireQuotedPrice } from "./paid-plans.js";
import { takePaymentInTx } from "./payments.js";
import { plusState, savePlus } from "./plus.js";
import type { Routes } from "./route.js";
import { Id, MemberParams, QueryInt } from "./schemas.js";

export interface PlusRecordRow {
  id: number;
  memberId: string;
  kind: string;
  planId: string;
  cardClass: string;
  at: number;
  feeFen: number;
  bonusDays: number;
  previousExpiresAt: number | null;
  expiresAt: number;
  note: string;
  storeId: string;
  actor: string;
  paymentMethod: string;
}

const rowToRecord = (r: Record<string, unknown>): PlusRecordRow => ({
  id: Number(r.id),
  memberId: r.member_id as string,
  kind: r.kind as string,
  planId: r.plan_id as string,
  cardClass: r.card_class as string,
  at: Number(r.at),
  feeFen: Number(r.fee_fen),
  bonusDays: Number(r.bonus_days),
  previousExpiresAt: r.previous_expires_at === null ? null : Number(r.previous_expires_at),
  expiresAt: Number(r.expires_at),
  note: r.note as string,
  storeId: r.store_id as string,
  actor: r.actor as string,
  paymentMethod: r.payment_method as string,
});

/** What a quote and a purchase answer alike. */
const answer = (q: PlusQuote) => ({
  kind: q.kind,
  planId: q.planId,
  priceFen: q.priceFen,
  cardClass: q.cardClass,
  bonusDays: q.bonusDays,
  couponPackIds: q.couponPackIds,
  since: q.since,
  expiresAt: q.expiresAt,
  previousExpiresAt: q.previousExpiresAt,
});

const RULES_REFUSALS = "RULES_UNKNOWN_PLAN, RULES_PLUS_NOT_ALLOWED (disabled plan), MEMBER_BLOCKED";

export function registerPlusPlanRoutes(r: Routes, d: BackofficeDeps): void {
  /** The rules' quote for a member now: their PLUS state and the class their card has now. */
  const quote = (m: MemberRecord, rules: RulesConfig, planId: string): PlusQuote => {
    d.data.requireActive(m);
    const now = d.clock.now();
    const s = plusState(d, m.memberId);
    const plus = s.since !== null && s.expiresAt !== null ? { since: s.since, expiresAt: s.expiresAt } : null;
    return quotePlusPurchase(rules, { id: m.memberId, cardClass: effectiveCardClass(m, now), plus }, planId, now);
  };

  r.staff(
    {
      method: "get",
      path: "/plus/plans",
      tag: "plus",
      summary: "PLUS plans in force at a store (period, default price, price per card class, bonus window and condition, description)",
      roles: STAFF,
      query: z.strictObject({ storeId: Id }),
    },
    ({ query, principal }) => {
      requireStore(principal, query.storeId);
      const rules = d.rules.forStore(query.storeId);
      return { classes: rules.cardClasses.map((c) => ({ id: c.id, name: c.name })), plans: rules.plusPlans };
    },
  );

  r.staff(
    {
      method: "get",
      path: "/members/:id/plus/quote",
      tag: "plus",
      summary: "What buying a PLUS plan would cost and give (purchase or renewal, bonus days, expiry), without doing it",
      roles: STAFF,
      params: MemberParams,
      query: z.strictObject({ storeId: Id, planId: Id }),
      errors: { 404: "no such member", 422: RULES_REFUSALS },
    },
    ({ params, query, principal }) => {
      requireStore(principal, query.storeId);
      const m = d.data.visibleTo(principal, params.id);
      return answer(quote(m, d.rules.forStore(query.storeId), query.planId));
    },
  );

  r.staff(
    {
      method: "post",
      path: "/members/:id/plus/purchase",
      tag: "plus",
      summary: "Buy or renew a PLUS plan at the counter",
      description:
        "While PLUS is active the plan renews (its days and any bonus days are added to the expiry); otherwise it opens from now. Priced for the member's card class; paid with `payment` (balance: from stored value through the ledger). Recorded in the PLUS record and audited (`plus.purchase`, `plus.renewal`).",
      roles: STAFF,
      params: MemberParams,
      body: PlanBuyBody,
      idempotent: true,
      errors: { 404: "no such member", 409: "Idempotency-Key reused", 422: `PRICE_CHANGED, INSUFFICIENT_BALANCE, ${RULES_REFUSALS}` },
    },
    ({ params, body, principal, actor, idempotencyKey }) => {
      requireStore(principal, body.storeId);
      d.data.visibleTo(principal, params.id);
      return d.ops.run(idempotencyKey!, "plus.purchase", params.id, body, (w) => {
        const m = d.data.get(params.id);
        const rules = d.rules.forStore(body.storeId);
        const q = quote(m, rules, body.planId);
        requireQuotedPrice(body.expectedPriceFen, q.priceFen);
        const before = plusState(d, params.id);
        const payment = takePaymentInTx(d, w, {
          memberId: params.id,
          amountFen: q.priceFen,
          payment: body.payment,
          rules,
          reason: "plus-purchase",
          ref: idempotencyKey!,
        });
        savePlus(d, params.id, q.since, q.expiresAt);
        const note = joinNotes(q.bonusDays > 0 ? `bonus ${q.bonusDays} days` : "", body.note);
        d.db
          .prepare(
            `INSERT INTO plus_records (member_id, kind, plan_id, card_class, at, fee_fen, bonus_days, previous_expires_at, expires_at, note, store_id, actor, payment_method, ref)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            params.id,
            q.kind,
            q.planId,
            q.cardClass,
            d.clock.now(),
            q.priceFen,
            q.bonusDays,
            q.previousExpiresAt,
            q.expiresAt,
            note,
            body.storeId,
            actor.id,
            payment.method,
            `plus:${idempotencyKey!}`,
          );
        const coupons =
          q.couponPackIds.length > 0
            ? d.data.giveCouponsInTx(params.id, rules, d.rules.storeDay(body.storeId, d.clock.now()), { couponPackIds: q.couponPackIds }, w)
            : [];
        const after = plusState(d, params.id);
        d.audit.recordInTx({
          actor,
          action: `plus.${q.kind}`,
          entity: "member",
          entityId: params.id,
          storeId: body.storeId,
          before,
          after: { ...after, planId: q.planId, priceFen: q.priceFen, bonusDays: q.bonusDays, coupons, payment },
          note: note || null,
        });
        return { ...answer(q), plus: after, payment };
      }).result;
    },
  );

  r.staff(
    {
      method: "get",
      path: "/members/:id/plus/records",
      tag: "plus",
      summary: "A member's PLUS purchase record: purchases and renewals, newest first",
      roles: STAFF,
      params: MemberParams,
      query: z.strictObject({ limit: QueryInt(1, 1000).default(100) }),
      errors: { 404: "no such member" },
    },
    ({ params, query, principal }) => {
      d.data.visibleTo(principal, params.id);
      const records = d.db
        .prepare("SELECT * FROM plus_records WHERE member_id = ? ORDER BY at DESC, id DESC LIMIT ?")
        .all<Record<string, unknown>>(params.id, query.limit)
        .map(rowToRecord);
      return { records };
    },
  );
}
