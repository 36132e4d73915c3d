// Shopping cards (stored value apart from the general balance, moved only through MoneyLedger) and punch cards (N uses of a named service).
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { HubError } from "../errors.js";
import { STAFF, requireStore } from "../auth/roles.js";
import type { Actor } from "../audit.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id, Limit, MemberParams, Note } from "./schemas.js";
import { transact } from "./work.js";

export const ShoppingCardId = z.string().regex(/^shc_[a-f0-9]{16}$/, "a shopping card id (shc_ and 16 hex digits)");
export const PunchCardId = z.string().regex(/^pc_[a-f0-9]{16}$/, "a punch card id (pc_ and 16 hex digits)");
const RequestId = z.string().regex(/^[A-Za-z0-9_.:-]{8,128}$/, "8-128 letters, digits or _.:-");

interface ShoppingCardRow {
  card_id: string;
  member_id: string;
  balance_fen: number;
  store_id: string | null;
  created_at: number;
  actor: string;
}

const viewShoppingCard = (r: ShoppingCardRow) => ({
  cardId: r.card_id,
  memberId: r.member_id,
  balanceFen: r.balance_fen,
  storeId: r.store_id,
  createdAt: r.created_at,
  createdBy: r.actor,
});

interface PunchCardRow {
  card_id: string;
  member_id: string;
  service_id: string;
  total_uses: number;
  remaining_uses: number;
  source: string;
  source_ref: string;
  store_id: string | null;
  created_at: number;
}

const viewPunchCard = (r: PunchCardRow) => ({
  punchCardId: r.card_id,
  memberId: r.member_id,
  serviceId: r.service_id,
  totalUses: r.total_uses,
  remainingUses: r.remaining_uses,
  source: r.source,
  sourceRef: r.source_ref,
  storeId: r.store_id,
  createdAt: r.created_at,
});

interface PunchUseRow {
  card_id: string;
  member_id: string;
  request_id: string;
  uses: number;
  remaining: number;
  store_id: string;
  note: string | null;
  at: number;
  actor: string;
}

const viewUse = (r: PunchUseRow) => ({
  punchCardId: r.card_id,
  memberId: r.member_id,
  requestId: r.request_id,
  uses: r.uses,
  remainingUses: r.remaining,
  storeId: r.store_id,
  note: r.note,
  at: r.at,
  actor: r.actor,
});

export function shoppingCard(d: BackofficeDeps, cardId: string): ReturnType<typeof viewShoppingCard> | undefined {
  const r = d.db.prepare("SELECT * FROM shopping_cards WHERE card_id = ?").get<ShoppingCardRow>(cardId);
  return r ? viewShoppingCard(r) : undefined;
}

export function shoppingCardsOf(d: BackofficeDeps, memberId: string): Array<ReturnType<typeof viewShoppingCard>> {
  return d.db.prepare("SELECT * FROM shopping_cards WHERE member_id = ? ORDER BY created_at, rowid").all<ShoppingCardRow>(memberId).map(viewShoppingCard);
}

/** Inside the caller's transaction: a new, empty shopping card for the member (audited). */
export function createShoppingCardInTx(
  d: BackofficeDeps,
  o: { memberId: string; storeId: string | null; actor: Actor; note?: string | null },
): ReturnType<typeof viewShoppingCard> {
  const cardId = `shc_${randomBytes(8).toString("hex")}`;
  d.db
    .prepare("INSERT INTO shopping_cards (card_id, member_id, balance_fen, store_id, created_at, actor) VALUES (?, ?, 0, ?, ?, ?)")
    .run(cardId, o.memberId, o.storeId, d.clock.now(), o.actor.id);
  const card = shoppingCard(d, cardId)!;
  d.audit.recordInTx({
    actor: o.actor,
    action: "shopping-card.create",
    entity: "shopping-card",
    entityId: cardId,
    storeId: o.storeId,
    before: null,
    after: card,
    note: o.note ?? null,
  });
  return card;
}

/**
 * Inside the caller's transaction: the card a top-up credits. The one named (it must be the member's),
 * else the member's first card, else a new one.
 */
export function shoppingCardForInTx(d: BackofficeDeps, o: { memberId: string; cardId?: string | undefined; storeId: string; actor: Actor }): string {
  if (o.cardId !== undefined) {
    const c = shoppingCard(d, o.cardId);
    if (!c || c.memberId !== o.memberId) throw new HubError("NOT_FOUND", `member ${o.memberId} has no shopping card ${o.cardId}`);
    return c.cardId;
  }
  return shoppingCardsOf(d, o.memberId)[0]?.cardId ?? createShoppingCardInTx(d, { memberId: o.memberId, storeId: o.storeId, actor: o.actor }).cardId;
}

/**
 * Inside the caller's transaction: punch cards given as a bonus (one card per service; the same
 * service listed twice adds up). Given once per (source, ref, service): a re-run gives nothing new.
 */
export function givePunchCardsInTx(
  d: BackofficeDeps,
  o: { memberId: string; cards: ReadonlyArray<{ id: string; count: number }>; source: string; ref: string; storeId: string | null },
): Array<ReturnType<typeof viewPunchCard>> {
  const byService = new Map<string, number>();
  for (const c of o.cards) byService.set(c.id, (byService.get(c.id) ?? 0) + c.count);
  const out: Array<ReturnType<typeof viewPunchCard>> = [];
  for (const [serviceId, uses] of byService) {
    if (uses <= 0) continue;
    const cardId = `pc_${randomBytes(8).toString("hex")}`;
    d.db
      .prepare(
        `INSERT INTO punch_cards (card_id, member_id, service_id, total_uses, remaining_uses, source, source_ref, store_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, source_ref, service_id) DO NOTHING`,
      )
      .run(cardId, o.memberId, serviceId, uses, uses, o.source, o.ref, o.storeId, d.clock.now());
    const row = d.db.prepare("SELECT * FROM punch_cards WHERE source = ? AND source_ref = ? AND service_id = ?").get<PunchCardRow>(o.source, o.ref, serviceId)!;
    out.push(viewPunchCard(row));
  }
  return out;
}

export function registerStoredCardRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "get",
      path: "/members/:id/shopping-cards",
      tag: "shopping-cards",
      summary: "A member's shopping cards and their balances",
      description:
        "Shopping cards hold stored value apart from the general balance; top-ups credit them when a rule targets a shopping card or gives a shopping-card bonus.",
      roles: STAFF,
      params: MemberParams,
      errors: { 404: "no such member" },
    },
    ({ params, principal }) => {
      d.data.visibleTo(principal, params.id);
      const cards = shoppingCardsOf(d, params.id);
      return { cards, totalFen: cards.reduce((s, c) => s + c.balanceFen, 0) };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/members/:id/shopping-cards",
      tag: "shopping-cards",
      summary: "Open another (empty) shopping card for a member",
      description: "A top-up names the card with shoppingCardId; without it the member's first card is used (and opened when there is none).",
      roles: STAFF,
      params: MemberParams,
      body: z.strictObject({ storeId: Id, note: Note.optional() }),
      status: 201,
      errors: { 404: "no such member", 422: "MEMBER_BLOCKED" },
    },
    ({ params, body, principal, actor }) => {
      requireStore(principal, body.storeId);
      d.data.visibleTo(principal, params.id);
      return transact(d.db, d.registry, () => {
        d.data.requireActive(d.data.get(params.id));
        return createShoppingCardInTx(d, { memberId: params.id, storeId: body.storeId, actor, note: body.note ?? null });
      });
    },
  );

  r.staff(
    {
      method: "get",
      path: "/shopping-cards/:cardId/log",
      tag: "shopping-cards",
      summary: "A shopping card's movements, newest first",
      roles: STAFF,
      params: z.strictObject({ cardId: ShoppingCardId }),
      query: z.strictObject({ limit: Limit }),
      errors: { 404: "no such shopping card" },
    },
    ({ params, query, principal }) => {
      const card = shoppingCard(d, params.cardId);
      if (!card) throw new HubError("NOT_FOUND", `no shopping card ${params.cardId}`);
      d.data.visibleTo(principal, card.memberId);
      const entries = d.db
        .prepare("SELECT id, delta_fen, bonus_delta_fen, reason, ref, at FROM shopping_card_log WHERE card_id = ? ORDER BY id DESC LIMIT ?")
        .all<{ id: number; delta_fen: number; bonus_delta_fen: number; reason: string; ref: string; at: number }>(params.cardId, query.limit)
        .map((e) => ({ id: e.id, totalFen: e.delta_fen, bonusFen: e.bonus_delta_fen, reason: e.reason, ref: e.ref, at: e.at }));
      return { card, entries };
    },
  );

  r.staff(
    {
      method: "get",
      path: "/members/:id/punch-cards",
      tag: "punch-cards",
      summary: "A member's punch cards (uses of a named service) and what is left on them",
      roles: STAFF,
      params: MemberParams,
      errors: { 404: "no such member" },
    },
    ({ params, principal }) => {
      d.data.visibleTo(principal, params.id);
      return {
        punchCards: d.db.prepare("SELECT * FROM punch_cards WHERE member_id = ? ORDER BY created_at, rowid").all<PunchCardRow>(params.id).map(viewPunchCard),
      };
    },
  );

  r.staff(
    {
      method: "get",
      path: "/punch-cards/:punchCardId",
      tag: "punch-cards",
      summary: "A punch card with its uses, newest first",
      roles: STAFF,
      params: z.strictObject({ punchCardId: PunchCardId }),
      errors: { 404: "no such punch card" },
    },
    ({ params, principal }) => {
      const row = d.db.prepare("SELECT * FROM punch_cards WHERE card_id = ?").get<PunchCardRow>(params.punchCardId);
      if (!row) throw new HubError("NOT_FOUND", `no punch card ${params.punchCardId}`);
      d.data.visibleTo(principal, row.member_id);
      const uses = d.db.prepare("SELECT * FROM punch_card_uses WHERE card_id = ? ORDER BY id DESC LIMIT 500").all<PunchUseRow>(params.punchCardId).map(viewUse);
      return { ...viewPunchCard(row), uses };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/punch-cards/:punchCardId/uses",
      tag: "punch-cards",
      summary: "Record the use of a punch card (takes uses off, never below zero)",
      description:
        "Idempotent by the client's requestId: the same requestId again answers the first use and takes nothing more; with different uses or store it is refused (409 REQUEST_ID_REUSED).",
      roles: STAFF,
      params: z.strictObject({ punchCardId: PunchCardId }),
      body: z.strictObject({ storeId: Id, requestId: RequestId, uses: z.number().int().positive().max(1000).default(1), note: Note.optional() }),
      status: 201,
      errors: { 404: "no such punch card", 409: "REQUEST_ID_REUSED", 422: "PUNCH_CARD_USED_UP, MEMBER_BLOCKED" },
    },
    ({ params, body, principal, actor }) => {
      requireStore(principal, body.storeId);
      const card = d.db.prepare("SELECT * FROM punch_cards WHERE card_id = ?").get<PunchCardRow>(params.punchCardId);
      if (!card) throw new HubError("NOT_FOUND", `no punch card ${params.punchCardId}`);
      d.data.visibleTo(principal, card.member_id);
      return transact(d.db, d.registry, () => {
        const prev = d.db.prepare("SELECT * FROM punch_card_uses WHERE card_id = ? AND request_id = ?").get<PunchUseRow>(params.punchCardId, body.requestId);
        if (prev) {
          if (prev.uses !== body.uses || prev.store_id !== body.storeId) {
            throw new HubError("CONFLICT", "this requestId was used for another use of this card", { reason: "REQUEST_ID_REUSED" });
          }
          return viewUse(prev);
        }
        d.data.requireActive(d.data.get(card.member_id));
        const now = d.db.prepare("SELECT * FROM punch_cards WHERE card_id = ?").get<PunchCardRow>(params.punchCardId)!;
        if (now.remaining_uses < body.uses) {
          throw new HubError("REFUSED", `the punch card has ${now.remaining_uses} use(s) left`, { reason: "PUNCH_CARD_USED_UP" });
        }
        const remaining = now.remaining_uses - body.uses;
        d.db.prepare("UPDATE punch_cards SET remaining_uses = ? WHERE card_id = ?").run(remaining, params.punchCardId);
        d.db
          .prepare(
            "INSERT INTO punch_card_uses (card_id, member_id, request_id, uses, remaining, store_id, note, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          )
          .run(params.punchCardId, card.member_id, body.requestId, body.uses, remaining, body.storeId, body.note ?? null, d.clock.now(), actor.id);
        const use = viewUse(
          d.db.prepare("SELECT * FROM punch_card_uses WHERE card_id = ? AND request_id = ?").get<PunchUseRow>(params.punchCardId, body.requestId)!,
        );
        d.audit.recordInTx({
          actor,
          action: "punch-card.use",
          entity: "punch-card",
          entityId: params.punchCardId,
          storeId: body.storeId,
          before: { remainingUses: now.remaining_uses },
          after: use,
          note: body.note ?? null,
        });
        return use;
      });
    },
  );
}
