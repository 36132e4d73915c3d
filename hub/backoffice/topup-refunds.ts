// Top-up rows as the API shows them, and refunds of a top-up (the rest after spending, principal and bonus split by the rules' policy, shopping-card parts).
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { quoteTopUpRefund } from "../../protocol/rules/top-up-refund.js";
import { HubError } from "../errors.js";
import type { Actor } from "../audit.js";
import type { BackofficeDeps } from "./deps.js";
import type { Work } from "./work.js";
import { shoppingCard } from "./stored-cards.js";

export const ExternalPayment = z.strictObject({
  method: z.enum(["cash", "card", "wechat", "alipay", "other"]),
  reference: z.string().max(128).optional(),
});

export interface TopUpRow {
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

export const viewTopUp = (r: TopUpRow) => ({
  topUpId: r.top_up_id,
  memberId: r.member_id,
  storeId: r.store_id,
  channel: r.channel,
  amountFen: r.amount_fen,
  principalFen: r.principal_fen,
  bonusFen: r.bonus_fen,
  points: r.points,
  shoppingCard: r.shopping_card_id
    ? { cardId: r.shopping_card_id, fen: r.shopping_card_fen, principalFen: r.card_principal_fen, bonusFen: r.shopping_card_fen - r.card_principal_fen }
    : null,
  ruleId: r.rule_id,
  bonusEdited: r.bonus_edited === 1,
  payment: { method: r.payment_method, reference: r.payment_ref },
  refunded: {
    principalFen: r.refunded_principal_fen,
    bonusFen: r.refunded_bonus_fen,
    points: r.refunded_points,
    shoppingCardFen: r.refunded_shopping_card_fen,
  },
  details: JSON.parse(r.details) as Record<string, unknown>,
  at: r.at,
  actor: r.actor,
});

export function planRefund(d: BackofficeDeps, row: TopUpRow, requestFen: number | undefined) {
  const principalTotal = row.principal_fen + row.card_principal_fen;
  const remaining = principalTotal - row.refunded_principal_fen;
  if (remaining <= 0) throw new HubError("CONFLICT", "this top-up is fully refunded", { reason: "ALREADY_REFUNDED" });
  const b = d.ledger.balances(row.member_id);
  const onCard = row.card_principal_fen > 0;
  let amount: number;
  let bonusDue: number;
  let pointsDue: number;
  let bonusBack: number;
  let pointsBack: number;
  if (!onCard) {
    // Balance top-ups: the policy "the bonus follows the principal kept", and "the rest" = what is left on the balance.
    const r = quoteTopUpRefund({
      topUp: {
        principalFen: row.principal_fen,
        bonusFen: row.bonus_fen,
        points: row.points,
        refundedPrincipalFen: row.refunded_principal_fen,
        refundedBonusFen: row.refunded_bonus_fen,
        refundedPoints: row.refunded_points,
      },
      member: { principalFen: b.principalFen, bonusFen: b.bonusFen, pointsBalance: b.pointsBalance },
      requestFen,
    });
    if (!r.ok) {
      if (r.reason === "ALREADY_REFUNDED") throw new HubError("CONFLICT", r.message, { reason: r.reason });
      throw new HubError("REFUSED", r.message, { reason: r.reason });
    }
    ({ principalFen: amount, bonusDueFen: bonusDue, pointsDue, bonusBackFen: bonusBack, pointsBack } = r.quote);
  } else {
    amount = requestFen ?? remaining;
    if (amount > remaining) throw new HubError("REFUSED", `at most ${remaining} fen of this top-up can be refunded`, { reason: "REFUND_TOO_LARGE" });
    const kept = remaining - amount;
    const keep = (total: number): number => (principalTotal === 0 ? 0 : Math.floor((total * kept) / principalTotal));
    bonusDue = row.bonus_fen - row.refunded_bonus_fen - keep(row.bonus_fen);
    pointsDue = row.points - row.refunded_points - keep(row.points);
    bonusBack = Math.min(bonusDue, b.bonusFen);
    pointsBack = Math.min(pointsDue, Math.max(0, b.pointsBalance));
  }
  const after = remaining - amount;
  const keep = (total: number): number => (principalTotal === 0 ? 0 : Math.floor((total * after) / principalTotal));
  const bonusSpent = bonusDue - bonusBack;
  // The shopping card: its own-money part comes back whole (a card top-up); its bonus as far as the card still holds it.
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
  return {
    onCard,
    amount,
    bonusDue,
    pointsDue,
    bonusBack,
    pointsBack,
    cardDue,
    cardBack,
    cardBonusBack,
    spent,
    cashBackFen: amount - spent,
    keptPrincipalFen: after,
  };
}

export function refundInTx(
  d: BackofficeDeps,
  w: Work,
  topUpId: string,
  body: { principalFen?: number | undefined; reason: string; payment: z.output<typeof ExternalPayment> },
  actor: Actor,
) {
  const row = d.db.prepare("SELECT * FROM top_ups WHERE top_up_id = ?").get<TopUpRow>(topUpId)!;
  const { onCard, amount, bonusDue, pointsDue, bonusBack, pointsBack, cardDue, cardBack, cardBonusBack, spent } = planRefund(d, row, body.principalFen);
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
    .prepare(
      "INSERT INTO top_up_refunds (refund_id, top_up_id, member_id, store_id, principal_fen, bonus_fen, points, shopping_card_fen, reason, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .run(refundId, topUpId, row.member_id, row.store_id, amount, bonusBack, pointsBack, cardBack, body.reason, d.clock.now(), actor.id);
  d.data.markLevelDirtyInTx(row.member_id);
  const out = {
    refundId,
    topUpId,
    principalFen: amount,
    bonusFen: bonusBack,
    bonusSpentFen: spent,
    points: pointsBack,
    shoppingCard: row.shopping_card_id
      ? { cardId: row.shopping_card_id, fen: cardBack, bonusFen: cardBonusBack, balanceFen: shoppingCard(d, row.shopping_card_id)?.balanceFen ?? 0 }
      : null,
    cashBackFen: amount - spent,
    payment: body.payment,
    balances: d.ledger.balances(row.member_id),
  };
  d.audit.recordInTx({
    actor,
    action: "top-up.refund",
    entity: "top-up",
    entityId: topUpId,
    storeId: row.store_id,
    before: viewTopUp(row),
    after: out,
    note: body.reason,
  });
  return out;
}
