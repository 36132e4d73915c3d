// Points gifts at the counter (积分兑换, 积分换购): HQ's gift rules with their stock, redemption through the points ledger, reversal once.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { PointsGiftSchema, quoteGiftRedemption, type PointsGift } from "../../protocol/rules/points-gifts.js";
import { HubError } from "../errors.js";
import { HQ, MANAGERS, STAFF, requireStore } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import { takePaymentInTx } from "./payments.js";
import type { Routes } from "./route.js";
import { Id, MemberParams, PaymentSchema, Reason } from "./schemas.js";
import { transact } from "./work.js";

interface GiftRow {
  gift_id: string;
  body: string;
  stock: number | null;
}

interface RedemptionRow {
  redemption_id: string;
  gift_id: string;
  member_id: string;
  store_id: string;
  qty: number;
  points: number;
  cash_fen: number;
  payment: string;
  at: number;
  actor: string;
  reversed_at: number | null;
  reversed_by: string | null;
  reverse_reason: string | null;
}

function giftOf(row: GiftRow): PointsGift {
  return PointsGiftSchema.parse({ ...(JSON.parse(row.body) as Record<string, unknown>), stock: row.stock === null ? null : Number(row.stock) });
}

function loadGift(d: BackofficeDeps, giftId: string): PointsGift {
  const row = d.db.prepare("SELECT gift_id, body, stock FROM points_gifts WHERE gift_id = ?").get<GiftRow>(giftId);
  if (!row) throw new HubError("NOT_FOUND", `no points gift '${giftId}'`);
  return giftOf(row);
}

function redeemedBy(d: BackofficeDeps, giftId: string, memberId: string): number {
  return Number(
    d.db
      .prepare("SELECT COALESCE(SUM(qty), 0) AS n FROM points_redemptions WHERE gift_id = ? AND member_id = ? AND reversed_at IS NULL")
      .get<{ n: number }>(giftId, memberId)?.n ?? 0,
  );
}

function viewRedemption(r: RedemptionRow): Record<string, unknown> {
  return {
    redemptionId: r.redemption_id,
    giftId: r.gift_id,
    memberId: r.member_id,
    storeId: r.store_id,
    qty: Number(r.qty),
    points: Number(r.points),
    cashFen: Number(r.cash_fen),
    payment: JSON.parse(r.payment) as unknown,
    at: Number(r.at),
    actor: r.actor,
    reversedAt: r.reversed_at === null ? null : Number(r.reversed_at),
    reversedBy: r.reversed_by,
    reverseReason: r.reverse_reason,
  };
}

const GiftParams = z.strictObject({ giftId: Id });
const GiftBody = PointsGiftSchema.omit({ id: true });

export function registerPointsGiftRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "put",
      path: "/points-gifts/:giftId",
      tag: "points",
      summary: "Create or replace a points gift: points (and cash) per unit, stock, per-member limit, validity, redemption days, stores",
      roles: HQ,
      params: GiftParams,
      body: GiftBody,
    },
    ({ params, body, actor }) => {
      const gift = PointsGiftSchema.parse({ ...body, id: params.giftId });
      const { stock, ...rest } = gift;
      return transact(d.db, d.registry, () => {
        const now = d.clock.now();
        d.db
          .prepare(
            "INSERT INTO points_gifts (gift_id, body, stock, updated_at, actor) VALUES (?, ?, ?, ?, ?) ON CONFLICT (gift_id) DO UPDATE SET body = excluded.body, stock = excluded.stock, updated_at = excluded.updated_at, actor = excluded.actor",
          )
          .run(gift.id, JSON.stringify(rest), stock, now, actor.id);
        d.audit.recordInTx({ actor, action: "points-gift.put", entity: "points-gift", entityId: gift.id, storeId: null, before: null, after: gift });
        return gift;
      });
    },
  );

  r.staff(
    {
      method: "get",
      path: "/points-gifts",
      tag: "points",
      summary: "The points gifts (with stock left and units redeemed), for a store if given",
      roles: STAFF,
      query: z.strictObject({ storeId: Id.optional() }),
    },
    ({ query, principal }) => {
      if (query.storeId !== undefined) requireStore(principal, query.storeId);
      const rows = d.db.prepare("SELECT gift_id, body, stock FROM points_gifts ORDER BY gift_id").all<GiftRow>();
      const gifts = rows
        .map(giftOf)
        .filter((g) => query.storeId === undefined || g.stores === undefined || g.stores.includes(query.storeId))
        .map((g) => ({
          ...g,
          redeemed: Number(
            d.db.prepare("SELECT COALESCE(SUM(qty), 0) AS n FROM points_redemptions WHERE gift_id = ? AND reversed_at IS NULL").get<{ n: number }>(g.id)?.n ??
              0,
          ),
        }));
      return { gifts };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/members/:id/points-gifts/redeem",
      tag: "points",
      summary: "Redeem a points gift at the counter: points off through the points ledger, the cash part paid (points + cash), stock taken",
      description:
        "payment is required when the gift has a cash part (balance takes it from stored value). Refusals: GIFT_* and INSUFFICIENT_POINTS with words.",
      roles: STAFF,
      params: MemberParams,
      body: z.strictObject({
        storeId: Id,
        giftId: Id,
        qty: z.number().int().min(1).max(1000).default(1),
        payment: PaymentSchema.optional(),
        expectedPoints: z.number().int().positive().optional(),
      }),
      idempotent: true,
      status: 201,
      errors: {
        404: "no such member or gift",
        422: "GIFT_DISABLED, GIFT_NOT_IN_STORE, GIFT_NOT_VALID_TODAY, GIFT_OUT_OF_STOCK, GIFT_LIMIT_REACHED, INSUFFICIENT_POINTS, PAYMENT_REQUIRED, PRICE_CHANGED, MEMBER_BLOCKED",
      },
    },
    ({ params, body, principal, actor, idempotencyKey }) => {
      requireStore(principal, body.storeId);
      d.data.visibleTo(principal, params.id);
      return d.ops.run(idempotencyKey!, "points-gift.redeem", params.id, { memberId: params.id, ...body }, (w) => {
        if (d.data.profile(params.id).blockedReason !== null) throw new HubError("REFUSED", "the member's card is blocked", { reason: "MEMBER_BLOCKED" });
        const gift = loadGift(d, body.giftId);
        const q = quoteGiftRedemption({
          gift,
          qty: body.qty,
          storeId: body.storeId,
          date: d.rules.storeDay(body.storeId, d.clock.now()),
          memberPoints: d.ledger.balances(params.id).pointsBalance,
          memberRedeemed: redeemedBy(d, gift.id, params.id),
        });
        if (!q.ok) throw new HubError("REFUSED", q.message, { reason: q.reason });
        if (body.expectedPoints !== undefined && body.expectedPoints !== q.points)
          throw new HubError("REFUSED", `the gift now takes ${q.points} points, not ${body.expectedPoints}`, { reason: "PRICE_CHANGED" });
        if (q.cashFen > 0 && body.payment === undefined)
          throw new HubError("REFUSED", `the cash part of ${q.cashFen} fen needs a payment`, { reason: "PAYMENT_REQUIRED" });
        // Stock, atomically (two counters redeeming the last unit: one wins).
        if (gift.stock !== null) {
          const taken = d.db.prepare("UPDATE points_gifts SET stock = stock - ? WHERE gift_id = ? AND stock >= ?").run(body.qty, gift.id, body.qty).changes;
          if (taken !== 1) throw new HubError("REFUSED", "the gift ran out", { reason: "GIFT_OUT_OF_STOCK" });
        }
        const redemptionId = `pr_${randomBytes(8).toString("hex")}`;
        d.ledger.applyInTx({ memberId: params.id, reason: "points-gift", ref: redemptionId, points: -q.points }, w);
        const rules = d.rules.forStore(body.storeId);
        const payment = takePaymentInTx(d, w, {
          memberId: params.id,
          amountFen: q.cashFen,
          payment: body.payment ?? { method: "cash" },
          rules,
          reason: "points-gift-cash",
          ref: redemptionId,
        });
        d.db
          .prepare(
            "INSERT INTO points_redemptions (redemption_id, gift_id, member_id, store_id, qty, points, cash_fen, payment, at, actor, reversed_at, reversed_by, reverse_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
          )
          .run(redemptionId, gift.id, params.id, body.storeId, body.qty, q.points, q.cashFen, JSON.stringify(payment), d.clock.now(), actor.id);
        const row = d.db.prepare("SELECT * FROM points_redemptions WHERE redemption_id = ?").get<RedemptionRow>(redemptionId)!;
        const out = { ...viewRedemption(row), giftName: gift.name, sku: gift.sku ?? null, balances: d.ledger.balances(params.id) };
        d.audit.recordInTx({ actor, action: "points-gift.redeem", entity: "member", entityId: params.id, storeId: body.storeId, before: null, after: out });
        return out;
      }).result;
    },
  );

  r.staff(
    {
      method: "post",
      path: "/points-redemptions/:redemptionId/reverse",
      tag: "points",
      summary: "Reverse a redemption once (the gift came back): points back through the ledger, stock back, a balance payment back to the balance",
      description: "A cash part paid outside (cash, card, WeChat...) is reported as cashBackFen for the till to return.",
      roles: MANAGERS,
      params: z.strictObject({ redemptionId: z.string().regex(/^pr_[a-f0-9]{16}$/) }),
      body: z.strictObject({ reason: Reason }),
      errors: { 404: "no such redemption", 409: "ALREADY_REVERSED" },
    },
    ({ params, body, principal, actor }) => {
      const row = d.db.prepare("SELECT * FROM points_redemptions WHERE redemption_id = ?").get<RedemptionRow>(params.redemptionId);
      if (!row) throw new HubError("NOT_FOUND", `no redemption ${params.redemptionId}`);
      requireStore(principal, row.store_id);
      return transact(d.db, d.registry, (w) => {
        const now = d.clock.now();
        const moved = d.db
          .prepare("UPDATE points_redemptions SET reversed_at = ?, reversed_by = ?, reverse_reason = ? WHERE redemption_id = ? AND reversed_at IS NULL")
          .run(now, actor.id, body.reason, row.redemption_id).changes;
        if (moved !== 1) throw new HubError("CONFLICT", "this redemption was reversed already", { reason: "ALREADY_REVERSED" });
        d.ledger.applyInTx({ memberId: row.member_id, reason: "points-gift-reversal", ref: row.redemption_id, points: Number(row.points) }, w);
        d.db.prepare("UPDATE points_gifts SET stock = stock + ? WHERE gift_id = ? AND stock IS NOT NULL").run(Number(row.qty), row.gift_id);
        const paid = JSON.parse(row.payment) as { method: string; principalFen: number; bonusFen: number; amountFen: number };
        const toBalance = paid.method === "balance" && paid.amountFen > 0;
        if (toBalance)
          d.ledger.applyInTx(
            { memberId: row.member_id, reason: "points-gift-cash-reversal", ref: row.redemption_id, principalFen: paid.principalFen, bonusFen: paid.bonusFen },
            w,
          );
        const after = d.db.prepare("SELECT * FROM points_redemptions WHERE redemption_id = ?").get<RedemptionRow>(row.redemption_id)!;
        const out = { ...viewRedemption(after), cashBackFen: toBalance ? 0 : Number(row.cash_fen), balances: d.ledger.balances(row.member_id) };
        d.audit.recordInTx({
          actor,
          action: "points-gift.reverse",
          entity: "member",
          entityId: row.member_id,
          storeId: row.store_id,
          before: viewRedemption(row),
          after: out,
          note: body.reason,
        });
        return out;
      });
    },
  );

  r.staff(
    {
      method: "get",
      path: "/members/:id/points-redemptions",
      tag: "points",
      summary: "A member's points gift redemptions, newest first",
      roles: STAFF,
      params: MemberParams,
      errors: { 404: "no such member" },
    },
    ({ params, principal }) => {
      d.data.visibleTo(principal, params.id);
      const rows = d.db.prepare("SELECT * FROM points_redemptions WHERE member_id = ? ORDER BY at DESC, redemption_id LIMIT 500").all<RedemptionRow>(params.id);
      return { redemptions: rows.map(viewRedemption) };
    },
  );
}
