// Pay-at-the-counter claims: the counter looks the ticket up, takes the payment, and the sale is applied once (points, growth, consultant credit); unclaimed tickets expire and are reported.
import { z } from "zod";
import type { ClaimFact } from "../../protocol/messages.js";
import { priceSale } from "../../protocol/sale-pricing.js";
import { isRulesError } from "../../protocol/rules/errors.js";
import { HubError } from "../errors.js";
import { STAFF, requireStore, isHq, type Principal } from "../auth/roles.js";
import type { Actor } from "../audit.js";
import type { BackofficeDeps } from "./deps.js";
import { takePaymentInTx, takeShoppingCardInTx } from "./payments.js";
import { settleTenders } from "../../protocol/rules/tenders.js";
import { ShoppingCardId } from "./stored-cards.js";
import type { Routes } from "./route.js";
import { Id, PaymentSchema, QueryInt } from "./schemas.js";
import { transact } from "./work.js";
import { pricedCartText, tenderPlanText } from "../../protocol/compact-lines.js";

interface ClaimRow {
  claim_id: string;
  device_id: string;
  seq: number;
  member_id: string;
  total_fen: number;
  body: string;
  at: number;
  expires_at: number;
  status: "open" | "paid" | "expired";
  settled_at: number | null;
  settled_by: string | null;
  payment: string | null;
  store_id: string | null;
  config_version: number | null;
}

const ClaimCode = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "the claim code on the ticket: 1-64 letters, digits, _ or -");

function claimRow(d: BackofficeDeps, claimId: string): ClaimRow {
  const row = d.db
    .prepare(
      `SELECT c.*, v.store_id, l.config_version FROM claims c LEFT JOIN devices v ON v.device_id = c.device_id
       LEFT JOIN ledger l ON l.device_id = c.device_id AND l.seq = c.seq WHERE c.claim_id = ?`,
    )
    .get<ClaimRow>(claimId);
  if (!row) throw new HubError("NOT_FOUND", `no claim ticket ${claimId}`);
  return row;
}

function view(r: ClaimRow, now: number): Record<string, unknown> {
  const fact = JSON.parse(r.body) as ClaimFact;
  // An open ticket past its time is shown as expired even before the job marks it.
  const status = r.status === "open" && r.expires_at <= now ? "expired" : r.status;
  return {
    claimId: r.claim_id,
    storeId: r.store_id,
    deviceId: r.device_id,
    memberId: r.member_id,
    lines: fact.lines,
    coupons: fact.coupons,
    kioskTotalFen: Number(r.total_fen),
    at: Number(r.at),
    expiresAt: Number(r.expires_at),
    status,
    settledAt: r.settled_at === null ? null : Number(r.settled_at),
    settledBy: r.settled_by,
    payment: r.payment === null ? null : (JSON.parse(r.payment) as unknown),
  };
}

/** The hub's price of the ticket: the kiosk's config version, the prices at the time of the ticket, its coupons. */
function price(d: BackofficeDeps, r: ClaimRow) {
  if (r.store_id === null || r.config_version === null)
    throw new HubError("CONFLICT", "the ticket's kiosk or config is unknown", { reason: "CLAIM_UNPRICEABLE" });
  const fact = JSON.parse(r.body) as ClaimFact;
  const config = d.configs.forFact(r.store_id, Number(r.config_version), fact.catalogVersion);
  if (!config) throw new HubError("CONFLICT", `config version ${r.config_version} is unknown`, { reason: "CLAIM_UNPRICEABLE" });
  const member = d.registry.get(r.member_id);
  if (!member) throw new HubError("NOT_FOUND", `no member ${r.member_id}`);
  // Coupons the member still holds (one used elsewhere since is not applied again).
  const coupons = fact.coupons.filter((id) => member.coupons.some((c) => c.instanceId === id));
  try {
    return { config, member, fact, coupons, priced: priceSale(config.content, member, fact.lines, Number(r.at), { coupons }) };
  } catch (err) {
    if (isRulesError(err)) throw new HubError("REFUSED", `the rules refuse this ticket: ${err.message}`, { reason: "CLAIM_UNPRICEABLE" });
    throw err;
  }
}

function visible(p: Principal, r: ClaimRow): void {
  if (r.store_id === null) {
    if (!isHq(p)) throw new HubError("FORBIDDEN", "only HQ may see tickets of an unknown kiosk");
  } else requireStore(p, r.store_id);
}

/** Marks open tickets past their time as expired; returns how many (the claims-expiry job). */
export function expireClaims(d: BackofficeDeps, actor: Actor): number {
  return transact(d.db, d.registry, () => {
    const now = d.clock.now();
    const n = d.db
      .prepare("UPDATE claims SET status = 'expired', settled_at = ?, settled_by = ? WHERE status = 'open' AND expires_at <= ?")
      .run(now, actor.id, now).changes;
    if (n > 0) d.audit.recordInTx({ actor, action: "claim.expire", entity: "claim", entityId: "*", storeId: null, before: null, after: { expired: n } });
    return n;
  });
}

export function registerClaimRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "get",
      path: "/claims/:claimId",
      tag: "claims",
      summary: "Look up a pay-at-the-counter ticket by its code: lines, status, and the hub's price to take",
      roles: STAFF,
      params: z.strictObject({ claimId: ClaimCode }),
      errors: { 404: "no such ticket" },
    },
    ({ params, principal }) => {
      const row = claimRow(d, params.claimId);
      visible(principal, row);
      const out = view(row, d.clock.now());
      if (out.status !== "open") return { ...out, payableFen: null, pointsEarned: null };
      const p = price(d, row);
      return { ...out, payableFen: p.priced.totals.payableFen, pointsEarned: p.priced.totals.pointsEarned, savingsFen: p.priced.totals.savingsFen };
    },
  );

  r.staff(
    {
      method: "get",
      path: "/claims",
      tag: "claims",
      summary: "Tickets of a store by status (open, paid, expired), newest first: the unclaimed-ticket report",
      roles: STAFF,
      query: z.strictObject({ storeId: Id, status: z.enum(["open", "paid", "expired"]).optional(), limit: QueryInt(1, 1000).default(100) }),
    },
    ({ query, principal }) => {
      requireStore(principal, query.storeId);
      const rows = d.db
        .prepare(
          `SELECT c.*, v.store_id, NULL AS config_version FROM claims c JOIN devices v ON v.device_id = c.device_id
           WHERE v.store_id = ? ORDER BY c.at DESC, c.claim_id LIMIT ?`,
        )
        .all<ClaimRow>(query.storeId, query.limit);
      const now = d.clock.now();
      const claims = rows.map((x) => view(x, now)).filter((c) => query.status === undefined || c.status === query.status);
      const totals = { open: 0, paid: 0, expired: 0 };
      for (const c of claims) totals[c.status as keyof typeof totals]++;
      return { storeId: query.storeId, totals, claims };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/claims/:claimId/settle",
      tag: "claims",
      summary: "Take the payment for a ticket at the counter; the sale is applied once: points, coupons used, growth and consultant credit (as a kiosk sale)",
      description:
        "The hub prices the ticket (the kiosk's config version, prices at the ticket's time, coupons the member still holds). expectedPayableFen guards against a changed price. With shoppingCard one of the member's shopping cards (购物卡) pays first (amountFen of it, or as much as it has available), through its ledger; payment takes the rest. A second settle of the same ticket is refused (CLAIM_NOT_OPEN), an Idempotency-Key replay returns the first answer.",
      roles: STAFF,
      params: z.strictObject({ claimId: ClaimCode }),
      body: z.strictObject({
        payment: PaymentSchema,
        expectedPayableFen: z.number().int().nonnegative().optional(),
        shoppingCard: z.strictObject({ cardId: ShoppingCardId, amountFen: z.number().int().positive().optional() }).optional(),
      }),
      idempotent: true,
      errors: {
        404: "no such ticket",
        409: "CLAIM_NOT_OPEN (paid already), CLAIM_EXPIRED, CLAIM_UNPRICEABLE, Idempotency-Key reused",
        422: "PRICE_CHANGED, INSUFFICIENT_BALANCE (the balance or the shopping card), MEMBER_BLOCKED",
      },
    },
    ({ params, body, principal, actor, idempotencyKey }) => {
      const first = claimRow(d, params.claimId);
      visible(principal, first);
      return d.ops.run(idempotencyKey!, "claim.settle", first.member_id, { claimId: params.claimId, ...body }, (w) => {
        const row = claimRow(d, params.claimId);
        const now = d.clock.now();
        if (row.status === "paid") throw new HubError("CONFLICT", "this ticket is paid already", { reason: "CLAIM_NOT_OPEN" });
        if (row.status === "expired" || row.expires_at <= now)
          throw new HubError("CONFLICT", "this ticket has expired: scan the goods again at a kiosk", { reason: "CLAIM_EXPIRED" });
        if (d.data.profile(row.member_id).blockedReason !== null) throw new HubError("REFUSED", "the member's card is blocked", { reason: "MEMBER_BLOCKED" });
        const { config, fact, coupons, priced } = price(d, row);
        const t = priced.totals;
        if (body.expectedPayableFen !== undefined && body.expectedPayableFen !== t.payableFen)
          throw new HubError("REFUSED", `the price is now ${t.payableFen} fen, not ${body.expectedPayableFen}`, { reason: "PRICE_CHANGED" });
        // Exactly once, also with two hub instances: only the transaction that moves it from open settles it.
        const moved = d.db
          .prepare("UPDATE claims SET status = 'paid', settled_at = ?, settled_by = ?, payment = ? WHERE claim_id = ? AND status = 'open'")
          .run(now, actor.id, JSON.stringify(body.payment), row.claim_id).changes;
        if (moved !== 1) throw new HubError("CONFLICT", "this ticket is paid already", { reason: "CLAIM_NOT_OPEN" });
        // Tender order as at the kiosk: the shopping card first, then the payment for the rest.
        const card = body.shoppingCard
          ? takeShoppingCardInTx(d, w, {
              memberId: row.member_id,
              cardId: body.shoppingCard.cardId,
              amountFen: body.shoppingCard.amountFen,
              payableFen: t.payableFen,
              ref: row.claim_id,
            })
          : undefined;
        const payment = takePaymentInTx(d, w, {
          memberId: row.member_id,
          amountFen: t.payableFen - (card?.fen ?? 0),
          payment: body.payment,
          rules: config.content.rules,
          reason: "claim",
          ref: row.claim_id,
        });
        // The sale, as a kiosk sale would be stored: the sales index reads its lines from the ticket's ledger entry
        // (growth value, level metrics, segments) and the consultant report reads it from sales.
        d.db
          .prepare(
            `INSERT INTO sales (sale_id, device_id, seq, member_id, at, subtotal_fen, total_fen, savings_fen, points_earned, offline_approved, coupons, points_redeemed, balance_fen)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0, ?)`,
          )
          .run(
            row.claim_id,
            row.device_id,
            row.seq,
            row.member_id,
            now,
            t.subtotalFen,
            t.totalFen,
            t.savingsFen,
            t.pointsEarned,
            JSON.stringify(coupons),
            payment.principalFen + payment.bonusFen,
          );
        // No kiosk tender plan ("null", as the ingest stores it): a return refunds from the sale's balance part and the rest outside.
        // A shopping card that paid is in the plan (and on the sale), so a return can give the card back its share.
        const plan =
          card && card.fen > 0
            ? settleTenders(config.content.rules, {
                cart: priced,
                shoppingCard: { cardId: card.cardId, balanceFen: card.fen },
                useShoppingCardFen: card.fen,
                balance: { principalFen: payment.principalFen, bonusFen: payment.bonusFen },
                useBalanceFen: payment.principalFen + payment.bonusFen,
              })
            : null;
        d.db.prepare("INSERT INTO sale_details (sale_id, priced, tenders) VALUES (?, ?, ?)").run(row.claim_id, pricedCartText(priced), tenderPlanText(plan));
        if (card && card.fen > 0)
          d.db.prepare("UPDATE sales SET shopping_card_id = ?, shopping_card_fen = ? WHERE sale_id = ?").run(card.cardId, card.fen, row.claim_id);
        if (t.pointsEarned > 0) d.ledger.applyInTx({ memberId: row.member_id, reason: "sale", ref: row.claim_id, points: t.pointsEarned }, w);
        if (coupons.length > 0) {
          const m = d.registry.get(row.member_id)!;
          w.add(d.registry.updateInTx(row.member_id, { coupons: m.coupons.filter((c) => !coupons.includes(c.instanceId)) }));
        }
        const out = {
          claimId: row.claim_id,
          memberId: row.member_id,
          status: "paid",
          payableFen: t.payableFen,
          totalFen: t.totalFen,
          pointsEarned: t.pointsEarned,
          couponsUsed: coupons,
          payment,
          shoppingCard: card ?? null,
          lines: fact.lines.length,
        };
        d.audit.recordInTx({
          actor,
          action: "claim.settle",
          entity: "claim",
          entityId: row.claim_id,
          storeId: row.store_id,
          before: { status: "open" },
          after: out,
        });
        return { ...out, balances: d.ledger.balances(row.member_id) };
      }).result;
    },
  );
}
