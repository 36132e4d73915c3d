// Counter top-ups under the top-up rules (bonuses, VIP gifts, level upgrades, once-per-member), bonus edits with permission, and refunds.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { evaluateTopUp, type TopUpResult } from "../../protocol/rules/top-up.js";
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

const ExternalPayment = z.strictObject({
  method: z.enum(["cash", "card", "wechat", "alipay", "other"]),
  reference: z.string().max(128).optional(),
});

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

interface TopUpRow {
  top_up_id: string;
  member_id: string;
  store_id: string;
  channel: string;
  amount_fen: number;
  principal_fen: number;
  bonus_fen: number;
  points: number;
  shopping_card_fen: number;
  rule_id: string | null;
  bonus_edited: number;
  payment_method: string;
  payment_ref: string | null;
  refunded_principal_fen: number;
  refunded_bonus_fen: number;
  refunded_points: number;
  shopping_card_id: string | null;
  card_principal_fen: number;
  refunded_shopping_card_fen: number;
  details: string;
  at: number;
  actor: string;
}

const viewTopUp = (r: TopUpRow) => ({
  topUpId: r.top_up_id,
  memberId: r.member_id,
  storeId: r.store_id,
  channel: r.channel,
  amountFen: r.amount_fen,
  principalFen: r.principal_fen,
  bonusFen: r.bonus_fen,
  points: r.points,
  shoppingCard: r.shopping_card_id ? { cardId: r.shopping_card_id, fen: r.shopping_card_fen, principalFen: r.card_principal_fen, bonusFen: r.shopping_card_fen - r.card_principal_fen } : null,
  ruleId: r.rule_id,
  bonusEdited: r.bonus_edited === 1,
  payment: { method: r.payment_method, reference: r.payment_ref },
  refunded: { principalFen: r.refunded_principal_fen, bonusFen: r.refunded_bonus_fen, points: r.refunded_points, shoppingCardFen: r.refunded_shopping_card_fen },
  details: JSON.parse(r.details) as Record<string, unknown>,
  at: r.at,
  actor: r.actor,
});

function usedRuleIds(d: BackofficeDeps, memberId: string): string[] {
  return d.db.prepare("SELECT DISTINCT rule_id FROM top_ups WHERE member_id = ? AND rule_id IS NOT NULL").all<{ rule_id: string }>(memberId).map((r) => r.rule_id);
}

function evaluate(d: BackofficeDeps, memberId: string, rules: RulesConfig, o: { amountFen: number; channel: "till" | "online"; storeId: string; ruleId?: string | undefined }): TopUpResult {
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
export function raiseLevelInTx(d: BackofficeDeps, w: Work, o: { memberId: string; rules: RulesConfig; toLevelId: string; kind: string; reason: string; actor: Actor }): boolean {
  const m = d.data.get(o.memberId);
  if (higherLevel(o.rules, m.levelId, o.toLevelId) !== o.toLevelId || m.levelId === o.toLevelId) return false;
  const today = d.data.today(o.memberId);
  w.add(d.registry.updateInTx(o.memberId, { levelId: o.toLevelId }));
  d.data.saveLevelStateInTx(o.memberId, { ...d.data.levelState(o.memberId), levelSince: today, windowGrowth: 0 });
  d.db
    .prepare("INSERT INTO level_changes (member_id, from_level, to_level, kind, effective_on, reason, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .run(o.memberId, m.levelId, o.toLevelId, o.kind, today, o.reason, d.clock.now(), o.actor.id);
  d.data.syncSecondariesInTx(o.memberId, w);
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
      query: z.strictObject({ storeId: Id, amountFen: QueryInt(1, Number.MAX_SAFE_INTEGER), channel: z.enum(["till", "online"]).default("till"), ruleId: Id.optional() }),
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
      errors: { 404: "no such member or shopping card", 409: "Idempotency-Key reused", 422: "RULES_TOP_UP_NOT_ALLOWED (amount, rule, once per member), MEMBER_BLOCKED" },
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
        const card = cardId !== null && result.shoppingCardFen > 0 ? { cardId, fen: result.shoppingCardFen, bonusFen: result.shoppingCardFen - cardPrincipalFen } : null;
        d.ledger.applyInTx({ memberId: params.id, reason: "top-up", ref: topUpId, principalFen: result.principalFen, bonusFen, points, ...(card ? { shoppingCard: card } : {}) }, w);
        const punchCards = givePunchCardsInTx(d, { memberId: params.id, cards: result.punchCards, source: "top-up", ref: topUpId, storeId: body.storeId });
        const today = d.rules.storeDay(body.storeId, d.clock.now());
        const coupons = d.data.giveCouponsInTx(params.id, rules, today, { coupons: result.coupons, couponPackIds: result.couponPackIds }, w);
        let vip: { planId: string; expiresAt: number | null } | null = null;
        if (result.vipPlanId) {
          try {
            const m = d.data.get(params.id);
            const q = giveVip(rules, d.data.vipState(m), result.vipPlanId, d.clock.now(), "top-up");
            applyVipInTx(d, w, { member: m, next: q.member, record: q.record, couponPackIds: [], rules, storeId: body.storeId, actor, ref: `top-up:${topUpId}`, payment: null });
            vip = { planId: result.vipPlanId, expiresAt: q.record.expiresAt };
          } catch (err) {
            if (!isRulesError(err)) throw err;
            notGiven.push(`vip ${result.vipPlanId}: ${err.message}`);
          }
        }
        let level: string | null = null;
        if (result.upgradeToLevelId && raiseLevelInTx(d, w, { memberId: params.id, rules, toLevelId: result.upgradeToLevelId, kind: "top-up", reason: `top-up ${topUpId}`, actor })) {
          level = result.upgradeToLevelId;
        }
        d.data.markLevelDirtyInTx(params.id);
        const details = { rule: result.rule, target: result.target, coupons, punchCards, vip, level, notGiven, computed: { bonusFen: result.bonusFen, points: result.points }, note: body.note ?? null };
        d.db
          .prepare(
            `INSERT INTO top_ups (top_up_id, member_id, store_id, channel, amount_fen, principal_fen, bonus_fen, points, shopping_card_fen, shopping_card_id,
               card_principal_fen, rule_id, bonus_edited, payment_method, payment_ref, details, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(topUpId, params.id, body.storeId, body.channel, body.amountFen, result.principalFen, bonusFen, points, card?.fen ?? 0, card?.cardId ?? null,
            cardPrincipalFen, result.rule?.id ?? null, body.bonusOverride ? 1 : 0, body.payment.method, body.payment.reference ?? null, JSON.stringify(details), d.clock.now(), actor.id);
        const row = d.db.prepare("SELECT * FROM top_ups WHERE top_up_id = ?").get<TopUpRow>(topUpId)!;
        d.audit.recordInTx({ actor, action: "top-up.create", entity: "top-up", entityId: topUpId, storeId: body.storeId, before: null, after: viewTopUp(row), note: body.bonusOverride ? `bonus edited (computed ${result.bonusFen} fen, ${result.points} points)` : null });
        return { ...viewTopUp(row), balances: d.ledger.balances(params.id), shoppingCardBalanceFen: card ? shoppingCard(d, card.cardId)!.balanceFen : null };
      }).result;
    },
  );

  r.staff(
    { method: "get", path: "/members/:id/top-ups", tag: "top-ups", summary: "A member's top-ups, newest first", roles: STAFF, params: MemberParams, errors: { 404: "no such member" } },
    ({ params, principal }) => {
      d.data.visibleTo(principal, params.id);
      return { topUps: d.db.prepare("SELECT * FROM top_ups WHERE member_id = ? ORDER BY at DESC, top_up_id LIMIT 500").all<TopUpRow>(params.id).map(viewTopUp) };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/top-ups/:topUpId/refund",
      tag: "top-ups",
      summary: "Refund (part of) a top-up's principal; its bonus and points go back in proportion",
      description:
        "For a shopping-card top-up the principal comes off the shopping card. Bonus (balance or shopping card) already spent is deducted from the money returned (cashBackFen). Points go back as far as the member still has them. A VIP or level given by the top-up stays. Refunds are checked against the money not held for kiosk sales in flight.",
      roles: MANAGERS,
      params: z.strictObject({ topUpId: z.string().regex(/^tu_[a-f0-9]{16}$/) }),
      body: z.strictObject({ principalFen: PositiveFen.optional(), reason: Reason, payment: ExternalPayment }),
      idempotent: true,
      errors: { 404: "no such top-up", 409: "already fully refunded (ALREADY_REFUNDED) or Idempotency-Key reused", 422: "REFUND_TOO_LARGE, INSUFFICIENT_BALANCE" },
    },
    ({ params, body, principal, actor, idempotencyKey }) => {
      const row = d.db.prepare("SELECT * FROM top_ups WHERE top_up_id = ?").get<TopUpRow>(params.topUpId);
      if (!row) throw new HubError("NOT_FOUND", `no top-up ${params.topUpId}`);
      requireStore(principal, row.store_id);
      return d.ops.run(idempotencyKey!, "top-up.refund", row.member_id, { topUpId: params.topUpId, ...body }, (w) => refundInTx(d, w, params.topUpId, body, actor)).result;
    },
  );
}

function refundInTx(d: BackofficeDeps, w: Work, topUpId: string, body: { principalFen?: number | undefined; reason: string; payment: z.output<typeof ExternalPayment> }, actor: Actor) {
  const row = d.db.prepare("SELECT * FROM top_ups WHERE top_up_id = ?").get<TopUpRow>(topUpId)!;
  const principalTotal = row.principal_fen + row.card_principal_fen;
  const remaining = principalTotal - row.refunded_principal_fen;
  if (remaining <= 0) throw new HubError("CONFLICT", "this top-up is fully refunded", { reason: "ALREADY_REFUNDED" });
  const amount = body.principalFen ?? remaining;
  if (amount > remaining) throw new HubError("REFUSED", `at most ${remaining} fen of this top-up can be refunded`, { reason: "REFUND_TOO_LARGE" });
  const after = remaining - amount;
  // Whatever stays with the member keeps its share of the bonus and points; the rest goes back.
  const keep = (total: number): number => (principalTotal === 0 ? 0 : Math.floor((total * after) / principalTotal));
  const bonusDue = row.bonus_fen - row.refunded_bonus_fen - keep(row.bonus_fen);
  const pointsDue = row.points - row.refunded_points - keep(row.points);
  const b = d.ledger.balances(row.member_id);
  const bonusBack = Math.min(bonusDue, b.bonusFen);
  const bonusSpent = bonusDue - bonusBack;
  const pointsBack = Math.min(pointsDue, Math.max(0, b.pointsBalance));
  // The shopping card: its own-money part comes back whole (a card top-up); its bonus as far as the card still holds it.
  const onCard = row.card_principal_fen > 0;
  const cardDue = row.shopping_card_id ? row.shopping_card_fen - row.refunded_shopping_card_fen - keep(row.shopping_card_fen) : 0;
  const cardPrincipalBack = onCard ? amount : 0;
  const cardBalance = row.shopping_card_id ? (shoppingCard(d, row.shopping_card_id)?.balanceFen ?? 0) : 0;
  if (cardPrincipalBack > cardBalance) throw new HubError("REFUSED", `the shopping card holds ${cardBalance} fen`, { reason: "INSUFFICIENT_BALANCE" });
  const cardBonusDue = Math.max(0, cardDue - cardPrincipalBack);
  const cardBonusBack = Math.min(cardBonusDue, cardBalance - cardPrincipalBack);
  const cardBonusSpent = cardBonusDue - cardBonusBack;
  const cardBack = cardPrincipalBack + cardBonusBack;
  const spent = bonusSpent + cardBonusSpent;
  if (amount - spent < 0) throw new HubError("REFUSED", "the bonus already spent exceeds the refund", { reason: "BONUS_SPENT" });
  const refundId = `rf_${randomBytes(8).toString("hex")}`;
  d.ledger.applyInTx(
    {
      memberId: row.member_id,
      reason: "top-up-refund",
      ref: refundId,
      principalFen: onCard ? 0 : -amount,
      bonusFen: -bonusBack,
      points: -pointsBack,
      ...(cardBack > 0 && row.shopping_card_id ? { shoppingCard: { cardId: row.shopping_card_id, fen: -cardBack, bonusFen: -cardBonusBack } } : {}),
    },
    w,
  );
  d.db
    .prepare(
      "UPDATE top_ups SET refunded_principal_fen = refunded_principal_fen + ?, refunded_bonus_fen = refunded_bonus_fen + ?, refunded_points = refunded_points + ?, refunded_shopping_card_fen = refunded_shopping_card_fen + ? WHERE top_up_id = ?",
    )
    .run(amount, bonusDue, pointsDue, cardDue, topUpId);
  d.db
    .prepare("INSERT INTO top_up_refunds (refund_id, top_up_id, member_id, store_id, principal_fen, bonus_fen, points, shopping_card_fen, reason, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    .run(refundId, topUpId, row.member_id, row.store_id, amount, bonusBack, pointsBack, cardBack, body.reason, d.clock.now(), actor.id);
  d.data.markLevelDirtyInTx(row.member_id);
  const out = {
    refundId,
    topUpId,
    principalFen: amount,
    bonusFen: bonusBack,
    bonusSpentFen: spent,
    points: pointsBack,
    shoppingCard: row.shopping_card_id ? { cardId: row.shopping_card_id, fen: cardBack, bonusFen: cardBonusBack, balanceFen: shoppingCard(d, row.shopping_card_id)?.balanceFen ?? 0 } : null,
    cashBackFen: amount - spent,
    payment: body.payment,
    balances: d.ledger.balances(row.member_id),
  };
  d.audit.recordInTx({ actor, action: "top-up.refund", entity: "top-up", entityId: topUpId, storeId: row.store_id, before: viewTopUp(row), after: out, note: body.reason });
  return out;
}
