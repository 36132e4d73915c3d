// VIP: plans, quotes, purchase and renewal (promotion bonuses, once-per-member), upgrade by the price difference, gifts, extensions, expiry revert, and the purchase record.
import { z } from "zod";
import { expireVip, quoteVipPurchase, quoteVipUpgrade, vipActive, type VipQuote, type VipRecord } from "../../protocol/rules/vip.js";
import { addDays, startOfLocalDay } from "../../protocol/rules/time.js";
import type { RulesConfig } from "../../protocol/rules/config.js";
import type { MemberRecord } from "../../protocol/messages.js";
import { HubError } from "../errors.js";
import { STAFF, requireStore, type Principal } from "../auth/roles.js";
import type { Actor } from "../audit.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id, IsoDate, MemberParams, QueryInt } from "./schemas.js";
import { joinNotes, PlanBuyBody, requireQuotedPrice, type PlanBuy } from "./paid-plans.js";
import { takePaymentInTx, type PaymentTaken } from "./payments.js";
import { transact, type Work } from "./work.js";
import { registerVipChangeRoutes } from "./vip-changes.js";

export interface VipRecordRow {
  id: number;
  memberId: string;
  kind: string;
  planId: string | null;
  classBefore: string;
  classAfter: string;
  at: number;
  feeFen: number;
  expiresAt: number | null;
  note: string;
  storeId: string | null;
  actor: string;
  paymentMethod: string | null;
}

/** Inside the caller's transaction: stores a VIP outcome (state, record, coupon packs), audited. Returns false if `ref` was recorded before. */
export function applyVipInTx(
  d: BackofficeDeps,
  w: Work,
  o: {
    member: MemberRecord;
    next: VipQuote["member"];
    record: VipRecord;
    couponPackIds: readonly string[];
    rules: RulesConfig;
    storeId: string | null;
    actor: Actor;
    ref: string;
    payment: PaymentTaken | null;
  },
): boolean {
  if (d.db.prepare("SELECT 1 FROM vip_records WHERE ref = ?").get(o.ref)) return false;
  const before = d.data.vipState(o.member);
  d.data.saveVipInTx(o.member.memberId, o.next, w, { keepRecord: o.record.kind === "revert" });
  d.db
    .prepare(
      `INSERT INTO vip_records (member_id, kind, plan_id, class_before, class_after, at, fee_fen, expires_at, note, store_id, actor, payment_method, ref)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      o.record.memberId,
      o.record.kind,
      o.record.planId,
      o.record.classBefore,
      o.record.classAfter,
      o.record.at,
      o.record.feeFen,
      o.record.expiresAt,
      o.record.note,
      o.storeId,
      o.actor.id,
      o.payment?.method ?? null,
      o.ref,
    );
  const coupons =
    o.couponPackIds.length > 0
      ? d.data.giveCouponsInTx(o.member.memberId, o.rules, d.rules.storeDay(o.storeId, d.clock.now()), { couponPackIds: o.couponPackIds }, w)
      : [];
  d.audit.recordInTx({
    actor: o.actor,
    action: `vip.${o.record.kind}`,
    entity: "member",
    entityId: o.member.memberId,
    storeId: o.storeId,
    before,
    after: { ...o.next, record: o.record, coupons, payment: o.payment },
    note: o.record.note || null,
  });
  return true;
}

export function notSecondary(m: MemberRecord): void {
  if (m.primaryMemberId !== undefined) throw new HubError("REFUSED", "a secondary card follows its primary's VIP", { reason: "IS_SECONDARY" });
}

const VIP_WATERMARK = "watermark:vip-expiry";

/**
 * The VIP expiry job: every VIP whose expiry passed since the last run reverts (the back office's
 * VIP state, a `revert` record, the audit; the kiosks' record already prices with its base class
 * from the expiry on, and keeps the expired class and date for the gate). Idempotent per
 * (member, expiry); the watermark only moves after every due member was handled.
 */
export function revertExpiredVips(d: BackofficeDeps, actor: Actor, batch = 1000): number {
  const now = d.clock.now();
  const mark = Number(d.db.prepare("SELECT value FROM bo_meta WHERE key = ?").get<{ value: string }>(VIP_WATERMARK)?.value ?? -1);
  const due = d.db
    .prepare("SELECT member_id FROM members WHERE vip_expires_at > ? AND vip_expires_at <= ? AND primary_member_id IS NULL ORDER BY vip_expires_at, member_id")
    .all<{ member_id: string }>(mark, now)
    .map((r) => r.member_id);
  let done = 0;
  for (let i = 0; i <= due.length; i += batch) {
    transact(d.db, d.registry, (w) => {
      for (const id of due.slice(i, i + batch)) {
        const m = d.registry.get(id);
        if (!m) continue;
        const state = d.data.vipState(m);
        if (!state.vip) continue; // reverted already
        if (state.vip.expiresAt > now) {
          // The record's expiry is past but the VIP state says later (an extension raced): align the record.
          d.data.saveVipInTx(id, state, w);
          continue;
        }
        const out = expireVip(state, now);
        if (!out) continue;
        const profile = d.data.profile(id);
        const ref = `revert:${id}:${state.vip.expiresAt}`;
        if (
          applyVipInTx(d, w, {
            member: m,
            next: out.member,
            record: out.record,
            couponPackIds: [],
            rules: d.rules.forStore(profile.homeStoreId),
            storeId: profile.homeStoreId,
            actor,
            ref,
            payment: null,
          })
        )
          done++;
      }
      if (i + batch > due.length) {
        d.db.prepare("INSERT INTO bo_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(VIP_WATERMARK, String(now));
      }
    });
  }
  return done;
}

const rowToRecord = (r: Record<string, unknown>): VipRecordRow => ({
  id: r.id as number,
  memberId: r.member_id as string,
  kind: r.kind as string,
  planId: r.plan_id as string | null,
  classBefore: r.class_before as string,
  classAfter: r.class_after as string,
  at: r.at as number,
  feeFen: r.fee_fen as number,
  expiresAt: r.expires_at as number | null,
  note: r.note as string,
  storeId: r.store_id as string | null,
  actor: r.actor as string,
  paymentMethod: r.payment_method as string | null,
});

const BuyBody = PlanBuyBody;

export function registerVipRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "get",
      path: "/vip/plans",
      tag: "vip",
      summary: "VIP plans in force at a store (period, price, price per current class, bonus window)",
      roles: STAFF,
      query: z.strictObject({ storeId: Id }),
    },
    ({ query, principal }) => {
      requireStore(principal, query.storeId);
      const rules = d.rules.forStore(query.storeId);
      return { classes: rules.cardClasses.filter((c) => c.vip), plans: rules.vipPlans };
    },
  );

  r.open(
    {
      method: "get",
      path: "/members/:id/vip",
      tag: "vip",
      summary: "A member's VIP state and purchase record",
      roles: STAFF,
      member: true,
      params: MemberParams,
      errors: { 404: "no such member" },
    },
    ({ params, caller }) => {
      if (!caller) throw new HubError("UNAUTHORIZED", "a staff token or a member code is required");
      const m = d.data.visibleTo(caller, params.id);
      const state = d.data.vipState(m);
      const records = d.db
        .prepare("SELECT * FROM vip_records WHERE member_id = ? ORDER BY at DESC, id DESC LIMIT 200")
        .all<Record<string, unknown>>(params.id)
        .map(rowToRecord);
      return { active: vipActive(state, d.clock.now()), state, records };
    },
  );

  const quote = (m: MemberRecord, rules: RulesConfig, planId: string, mode: "purchase" | "upgrade"): VipQuote => {
    notSecondary(m);
    d.data.requireActive(m);
    const state = d.data.vipState(m);
    return mode === "upgrade" ? quoteVipUpgrade(rules, state, planId, d.clock.now()) : quoteVipPurchase(rules, state, planId, d.clock.now());
  };

  r.staff(
    {
      method: "get",
      path: "/members/:id/vip/quote",
      tag: "vip",
      summary: "What buying (or upgrading to) a plan would cost and give, without doing it",
      roles: STAFF,
      params: MemberParams,
      query: z.strictObject({ storeId: Id, planId: Id, mode: z.enum(["purchase", "upgrade"]).default("purchase") }),
      errors: { 404: "no such member", 422: "the rules refuse (RULES_VIP_NOT_ALLOWED, RULES_VIP_LIMIT_REACHED, RULES_UNKNOWN_PLAN, IS_SECONDARY)" },
    },
    ({ params, query, principal }) => {
      requireStore(principal, query.storeId);
      const m = d.data.visibleTo(principal, params.id);
      const q = quote(m, d.rules.forStore(query.storeId), query.planId, query.mode);
      return {
        kind: q.kind,
        priceFen: q.priceFen,
        bonusDays: q.bonusDays,
        couponPackIds: q.couponPackIds,
        classAfter: q.member.cardClass,
        expiresAt: q.record.expiresAt,
      };
    },
  );

  const buy =
    (mode: "purchase" | "upgrade") =>
    ({
      params,
      body,
      principal,
      actor,
      idempotencyKey,
    }: {
      params: { id: string };
      body: PlanBuy;
      principal: Principal;
      actor: Actor;
      idempotencyKey: string | undefined;
    }) => {
      requireStore(principal, body.storeId);
      d.data.visibleTo(principal, params.id);
      return d.ops.run(idempotencyKey!, `vip.${mode}`, params.id, body, (w) => {
        const m = d.data.get(params.id);
        const rules = d.rules.forStore(body.storeId);
        const q = quote(m, rules, body.planId, mode);
        requireQuotedPrice(body.expectedPriceFen, q.priceFen);
        const ref = `vip:${idempotencyKey!}`;
        const payment = takePaymentInTx(d, w, {
          memberId: params.id,
          amountFen: q.priceFen,
          payment: body.payment,
          rules,
          reason: "vip-purchase",
          ref: idempotencyKey!,
        });
        const record = { ...q.record, note: joinNotes(q.record.note, body.note) };
        applyVipInTx(d, w, { member: m, next: q.member, record, couponPackIds: q.couponPackIds, rules, storeId: body.storeId, actor, ref, payment });
        return {
          kind: q.kind,
          priceFen: q.priceFen,
          bonusDays: q.bonusDays,
          couponPackIds: q.couponPackIds,
          cardClass: q.member.cardClass,
          expiresAt: q.record.expiresAt,
          payment,
        };
      }).result;
    };

  r.staff(
    {
      method: "post",
      path: "/members/:id/vip/purchase",
      tag: "vip",
      summary: "Buy or renew a VIP plan at the counter",
      description:
        "An active VIP of the same class renews (the period is added to the expiry); anyone else opens. Promotion bonuses (days, coupon packs) and once-per-member limits come from the plan. Paid with `payment` (balance: from stored value through the ledger).",
      roles: STAFF,
      params: MemberParams,
      body: BuyBody,
      idempotent: true,
      errors: {
        404: "no such member",
        409: "Idempotency-Key reused",
        422: "PRICE_CHANGED, INSUFFICIENT_BALANCE, IS_SECONDARY or a rules refusal (RULES_VIP_NOT_ALLOWED, RULES_VIP_LIMIT_REACHED, RULES_UNKNOWN_PLAN)",
      },
    },
    buy("purchase"),
  );

  r.staff(
    {
      method: "post",
      path: "/members/:id/vip/upgrade",
      tag: "vip",
      summary: "Upgrade an active VIP to another class, paying (target daily price - current daily price) x remaining days",
      roles: STAFF,
      params: MemberParams,
      body: BuyBody,
      idempotent: true,
      errors: { 404: "no such member", 409: "Idempotency-Key reused", 422: "PRICE_CHANGED, INSUFFICIENT_BALANCE or a rules refusal" },
    },
    buy("upgrade"),
  );

  registerVipChangeRoutes(r, d);

  r.staff(
    {
      method: "get",
      path: "/vip/records",
      tag: "vip",
      summary: "VIP purchase record: purchases, renewals, upgrades, gifts, extensions, reverts (newest first)",
      roles: STAFF,
      query: z.strictObject({
        storeId: Id.optional(),
        memberId: Id.optional(),
        classId: Id.optional(),
        kind: z.enum(["purchase", "renewal", "upgrade", "gift", "extension", "revert"]).optional(),
        from: IsoDate.optional(),
        to: IsoDate.optional(),
        limit: QueryInt(1, 1000).default(100),
        offset: QueryInt(0, 10_000_000).default(0),
      }),
    },
    ({ query, principal }) => {
      const stores = principal.role === "hq-admin" ? (query.storeId ? [query.storeId] : null) : query.storeId ? [query.storeId] : principal.stores;
      if (query.storeId) requireStore(principal, query.storeId);
      const where: string[] = [];
      const args: Array<string | number> = [];
      if (stores) {
        where.push(`store_id IN (${stores.map(() => "?").join(",")})`);
        args.push(...stores);
      }
      if (query.memberId) where.push("member_id = ?"), args.push(query.memberId);
      if (query.classId) where.push("class_after = ?"), args.push(query.classId);
      if (query.kind) where.push("kind = ?"), args.push(query.kind);
      const offset = d.rules.chain().utcOffsetMinutes;
      if (query.from) where.push("at >= ?"), args.push(startOfLocalDay(query.from, offset));
      if (query.to) where.push("at < ?"), args.push(startOfLocalDay(addDays(query.to, 1), offset));
      const rows = d.db
        .prepare(`SELECT * FROM vip_records ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`)
        .all<Record<string, unknown>>(...args, query.limit, query.offset)
        .map(rowToRecord);
      return { records: rows };
    },
  );
}
