// Counter top-ups under the top-up rules (bonuses, VIP gifts, level upgrades, once-per-member), bonus edits with permission, and refunds.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { evaluateTopUp, type TopUpResult } from "../../protocol/rules/top-up.js";
import { giveLevelGiftInTx } from "./coupons-issue.js";
import { giveVip } from "../../protocol/rules/vip.js";
import { isRulesError } from "../../protocol/rules/errors.js";
import { higherLevel } from "../../protocol/rules/levels.js";
import type { RulesConfig } from "../../protocol/rules/config.js";
import { HubError } from "../errors.js";
import { MANAGERS, STAFF, hasPermission, requireStore } from "../auth/roles.js";
import type { Actor } from "../audit.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Fen, Id, MemberParams, Note, PositiveFen, QueryInt, Reason } from "./schemas.js";
import { applyVipInTx } from "./vip.js";
import type { Work } from "./work.js";
import { ShoppingCardId, givePunchCardsInTx, shoppingCard, shoppingCardForInTx } from "./stored-cards.js";
import { enqueueTopUpReceiptInTx } from "../notify/templates.js";
import { ExternalPayment, planRefund, refundInTx, type TopUpRow, viewTopUp } from "./topup-refunds.js";

const TopUpBody = z.strictObject({
  storeId: Id,
  amountFen: PositiveFen,
  channel: z.enum(["till", "online"]).default("till"),
  /** Use this rule; without it the best eligible rule applies. */
  ruleId: Id.optional(),
  /** Needs the top-up:edit-bonus permission (managers have it). */
  bonusOverride: z.strictObject({ bonusFen: Fen.optional(), points: z.number().int().nonnegative().max(100_000_000).optional() }).optional(),
  payment: ExternalPayment,
  /** The shopping card credited when the rule targets a shopping card or gives a shopping-card bonus; default: the member's first card (opened when there is none). */
  shoppingCardId: ShoppingCardId.optional(),
  note: Note.optional(),
});

function usedRuleIds(d: BackofficeDeps, memberId: string): string[] {
  return d.db
    .prepare("SELECT DISTINCT rule_id FROM top_ups WHERE member_id = ? AND rule_id IS NOT NULL")
    .all<{ rule_id: string }>(memberId)
    .map((r) => r.rule_id);
}

function evaluate(
  d: BackofficeDeps,
  memberId: string,
  rules: RulesConfig,
  o: { amountFen: number; channel: "till" | "online"; storeId: string; ruleId?: string | undefined },
): TopUpResult {
  const m = d.data.get(memberId);
  return evaluateTopUp(rules, {
    member: { id: memberId, levelId: m.levelId, vipActive: d.data.isVip(m), usedRuleIds: usedRuleIds(d, memberId) },
    amountFen: o.amountFen,
    channel: o.channel,
    storeId: o.storeId,
    at: d.clock.now(),
    ...(o.ruleId !== undefined ? { ruleId: o.ruleId } : {}),
  });
}

/** Inside the caller's transaction: a level change outside the automatic rules (top-up bonus, paid upgrade), never a downgrade. */
export function raiseLevelInTx(
  d: BackofficeDeps,
  w: Work,
  o: { memberId: string; rules: RulesConfig; toLevelId: string; kind: string; reason: string; actor: Actor },
): boolean {
  const m = d.data.get(o.memberId);
  if (higherLevel(o.rules, m.levelId, o.toLevelId) !== o.toLevelId || m.levelId === o.toLevelId) return false;
  const today = d.data.today(o.memberId);
  w.add(d.registry.updateInTx(o.memberId, { levelId: o.toLevelId }));
  d.data.saveLevelStateInTx(o.memberId, { ...d.data.levelState(o.memberId), levelSince: today, windowGrowth: 0 });
  d.db
    .prepare("INSERT INTO level_changes (member_id, from_level, to_level, kind, effective_on, reason, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .run(o.memberId, m.levelId, o.toLevelId, o.kind, today, o.reason, d.clock.now(), o.actor.id);
  d.data.syncSecondariesInTx(o.memberId, w);
  giveLevelGiftInTx(d, w, o.memberId, o.toLevelId, d.data.profile(o.memberId).homeStoreId);
  return true;
}

export function registerTopUpRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "get",
      path: "/members/:id/top-ups/quote",
      tag: "top-ups",
      summary: "Which rule and bonuses a top-up would get, without doing it",
      roles: STAFF,
      params: MemberParams,
      query: z.strictObject({
        storeId: Id,
        amountFen: QueryInt(1, Number.MAX_SAFE_INTEGER),
        channel: z.enum(["till", "online"]).default("till"),
        ruleId: Id.optional(),
      }),
      errors: { 404: "no such member", 422: "RULES_TOP_UP_NOT_ALLOWED, RULES_UNKNOWN_TOP_UP_RULE" },
    },
    ({ params, query, principal }) => {
      requireStore(principal, query.storeId);
      d.data.visibleTo(principal, params.id);
      return evaluate(d, params.id, d.rules.forStore(query.storeId), query);
    },
  );

  r.staff(
    {
      method: "post",
      path: "/members/:id/top-ups",
      tag: "top-ups",
      summary: "Top up a member's balance or shopping card at the counter",
      description:
        "One rule per top-up (the one named, else the best eligible). Principal and bonus are credited apart; points, coupons and packs, a VIP plan (non-VIP members only, without purchase bonuses) and a level upgrade are given as the rule says; what cannot be given is listed in notGiven. A rule that targets a shopping card credits the amount to a shopping card (shoppingCardId, else the member's first card, opened when there is none); shopping-card bonuses go to the same card; punch-card bonuses open punch cards. Editing the bonus needs the top-up:edit-bonus permission.",
      roles: STAFF,
      params: MemberParams,
      body: TopUpBody,
      idempotent: true,
      status: 201,
      errors: {
        404: "no such member or shopping card",
        409: "Idempotency-Key reused",
        422: "RULES_TOP_UP_NOT_ALLOWED (amount, rule, once per member), MEMBER_BLOCKED",
      },
    },
    ({ params, body, principal, actor, idempotencyKey }) => {
      requireStore(principal, body.storeId);
      d.data.visibleTo(principal, params.id);
      if (body.bonusOverride && !hasPermission(principal, "top-up:edit-bonus")) {
        throw new HubError("FORBIDDEN", "editing the bonus of a top-up needs the top-up:edit-bonus permission");
      }
      return d.ops.run(idempotencyKey!, "top-up", params.id, body, (w) => {
        d.data.requireActive(d.data.get(params.id));
        const rules = d.rules.forStore(body.storeId);
        const result = evaluate(d, params.id, rules, body);
        const notGiven = [...result.notGiven];
        const bonusFen = body.bonusOverride?.bonusFen ?? result.bonusFen;
        const points = body.bonusOverride?.points ?? result.points;
        const topUpId = `tu_${randomBytes(8).toString("hex")}`;
        const cardPrincipalFen = result.target === "shopping-card" ? result.amountFen : 0;
        const cardId =
          result.shoppingCardFen > 0 || body.shoppingCardId !== undefined
            ? shoppingCardForInTx(d, { memberId: params.id, cardId: body.shoppingCardId, storeId: body.storeId, actor })
            : null;
        const card =
          cardId !== null && result.shoppingCardFen > 0 ? { cardId, fen: result.shoppingCardFen, bonusFen: result.shoppingCardFen - cardPrincipalFen } : null;
        d.ledger.applyInTx(
          { memberId: params.id, reason: "top-up", ref: topUpId, principalFen: result.principalFen, bonusFen, points, ...(card ? { shoppingCard: card } : {}) },
          w,
        );
        const punchCards = givePunchCardsInTx(d, { memberId: params.id, cards: result.punchCards, source: "top-up", ref: topUpId, storeId: body.storeId });
        const today = d.rules.storeDay(body.storeId, d.clock.now());
        const coupons = d.data.giveCouponsInTx(params.id, rules, today, { coupons: result.coupons, couponPackIds: result.couponPackIds }, w);
        let vip: { planId: string; expiresAt: number | null } | null = null;
        if (result.vipPlanId) {
          try {
            const m = d.data.get(params.id);
            const q = giveVip(rules, d.data.vipState(m), result.vipPlanId, d.clock.now(), "top-up");
            applyVipInTx(d, w, {
              member: m,
              next: q.member,
              record: q.record,
              couponPackIds: [],
              rules,
              storeId: body.storeId,
              actor,
              ref: `top-up:${topUpId}`,
              payment: null,
            });
            vip = { planId: result.vipPlanId, expiresAt: q.record.expiresAt };
          } catch (err) {
            if (!isRulesError(err)) throw err;
            notGiven.push(`vip ${result.vipPlanId}: ${err.message}`);
          }
        }
        let level: string | null = null;
        if (
          result.upgradeToLevelId &&
          raiseLevelInTx(d, w, { memberId: params.id, rules, toLevelId: result.upgradeToLevelId, kind: "top-up", reason: `top-up ${topUpId}`, actor })
        ) {
          level = result.upgradeToLevelId;
        }
        d.data.markLevelDirtyInTx(params.id);
        const details = {
          rule: result.rule,
          target: result.target,
          coupons,
          punchCards,
          vip,
          level,
          notGiven,
          computed: { bonusFen: result.bonusFen, points: result.points },
          note: body.note ?? null,
        };
        d.db
          .prepare(
            `INSERT INTO top_ups (top_up_id, member_id, store_id, channel, amount_fen, principal_fen, bonus_fen, points, shopping_card_fen, shopping_card_id,
               card_principal_fen, rule_id, bonus_edited, payment_method, payment_ref, details, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            topUpId,
            params.id,
            body.storeId,
            body.channel,
            body.amountFen,
            result.principalFen,
            bonusFen,
            points,
            card?.fen ?? 0,
            card?.cardId ?? null,
            cardPrincipalFen,
            result.rule?.id ?? null,
            body.bonusOverride ? 1 : 0,
            body.payment.method,
            body.payment.reference ?? null,
            JSON.stringify(details),
            d.clock.now(),
            actor.id,
          );
        const row = d.db.prepare("SELECT * FROM top_ups WHERE top_up_id = ?").get<TopUpRow>(topUpId)!;
        const balances = d.ledger.balances(params.id);
        // The receipt to the member, in this transaction: no top-up, no message; one top-up, one message.
        enqueueTopUpReceiptInTx(d.db, d.clock, {
          topUpId,
          memberId: params.id,
          storeId: body.storeId,
          amountFen: body.amountFen,
          bonusFen: bonusFen + (card?.bonusFen ?? 0),
          points,
          balanceFen: balances.balanceFen,
          at: d.clock.now(),
        });
        d.audit.recordInTx({
          actor,
          action: "top-up.create",
          entity: "top-up",
          entityId: topUpId,
          storeId: body.storeId,
          before: null,
          after: viewTopUp(row),
          note: body.bonusOverride ? `bonus edited (computed ${result.bonusFen} fen, ${result.points} points)` : null,
        });
        return { ...viewTopUp(row), balances, shoppingCardBalanceFen: card ? shoppingCard(d, card.cardId)!.balanceFen : null };
      }).result;
    },
  );

  r.staff(
    {
      method: "get",
      path: "/members/:id/top-ups",
      tag: "top-ups",
      summary: "A member's top-ups, newest first",
      roles: STAFF,
      params: MemberParams,
      errors: { 404: "no such member" },
    },
    ({ params, principal }) => {
      d.data.visibleTo(principal, params.id);
      return {
        topUps: d.db.prepare("SELECT * FROM top_ups WHERE member_id = ? ORDER BY at DESC, top_up_id LIMIT 500").all<TopUpRow>(params.id).map(viewTopUp),
      };
    },
  );

  r.staff(
    {
      method: "get",
      path: "/top-ups/:topUpId/refund-quote",
      tag: "top-ups",
      summary: "What a refund would do, before it is made: principal, bonus back / already spent, points, money paid out",
      description:
        "Without principalFen, 'the rest': the top-up's unrefunded principal, at most the principal still on the balance (top up 1000 + 100, spend 550, the rest is 500). Policy: the bonus follows the principal kept (docs/rules.md).",
      roles: MANAGERS,
      params: z.strictObject({ topUpId: z.string().regex(/^tu_[a-f0-9]{16}$/) }),
      query: z.strictObject({ principalFen: z.coerce.number().int().positive().max(1e11).optional() }),
      errors: { 404: "no such top-up", 409: "ALREADY_REFUNDED", 422: "REFUND_TOO_LARGE, NOTHING_LEFT, BONUS_SPENT, INSUFFICIENT_BALANCE" },
    },
    ({ params, query, principal }) => {
      const row = d.db.prepare("SELECT * FROM top_ups WHERE top_up_id = ?").get<TopUpRow>(params.topUpId);
      if (!row) throw new HubError("NOT_FOUND", `no top-up ${params.topUpId}`);
      requireStore(principal, row.store_id);
      const p = planRefund(d, row, query.principalFen);
      return {
        topUpId: row.top_up_id,
        principalFen: p.amount,
        bonusFen: p.bonusBack,
        bonusSpentFen: p.spent,
        points: p.pointsBack,
        shoppingCardFen: p.cardBack,
        cashBackFen: p.cashBackFen,
        keptPrincipalFen: p.keptPrincipalFen,
      };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/top-ups/:topUpId/refund",
      tag: "top-ups",
      summary: "Refund (part of) a top-up's principal, by default the rest still on the balance; its bonus and points go back in proportion",
      description:
        "For a shopping-card top-up the principal comes off the shopping card. Bonus (balance or shopping card) already spent is deducted from the money returned (cashBackFen). Points go back as far as the member still has them. A VIP or level given by the top-up stays. Refunds are checked against the money not held for kiosk sales in flight.",
      roles: MANAGERS,
      params: z.strictObject({ topUpId: z.string().regex(/^tu_[a-f0-9]{16}$/) }),
      body: z.strictObject({ principalFen: PositiveFen.optional(), reason: Reason, payment: ExternalPayment }),
      idempotent: true,
      errors: {
        404: "no such top-up",
        409: "already fully refunded (ALREADY_REFUNDED) or Idempotency-Key reused",
        422: "REFUND_TOO_LARGE, NOTHING_LEFT, BONUS_SPENT, INSUFFICIENT_BALANCE",
      },
    },
    ({ params, body, principal, actor, idempotencyKey }) => {
      const row = d.db.prepare("SELECT * FROM top_ups WHERE top_up_id = ?").get<TopUpRow>(params.topUpId);
      if (!row) throw new HubError("NOT_FOUND", `no top-up ${params.topUpId}`);
      requireStore(principal, row.store_id);
      return d.ops.run(idempotencyKey!, "top-up.refund", row.member_id, { topUpId: params.topUpId, ...body }, (w) =>
        refundInTx(d, w, params.topUpId, body, actor),
      ).result;
    },
  );
}

/** The refund's split: the balance part by the rules' policy (quoteTopUpRefund), a shopping-card top-up's principal off its card. */
