// Secondary (family) cards of a VIP: up to N per VIP, free or at a price, activated by the holder with a share code; each has its own card, key and headshot.
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { HubError } from "../errors.js";
import { MANAGERS, STAFF } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import { callerActor, type Caller, type Routes } from "./route.js";
import { Id, IsoDate, MemberParams, PaymentSchema, PublicKey, Reason } from "./schemas.js";
import { createMemberInTx } from "./members.js";
import { takePaymentInTx } from "./payments.js";
import { transact } from "./work.js";

interface CardRow {
  card_ref: string;
  primary_member_id: string;
  state: "pending" | "active" | "cancelled";
  share_expires_at: number;
  price_fen: number;
  member_id: string | null;
  created_at: number;
  activated_at: number | null;
  cancelled_at: number | null;
}

const view = (r: CardRow) => ({
  cardRef: r.card_ref,
  primaryMemberId: r.primary_member_id,
  state: r.state,
  shareExpiresAt: r.share_expires_at,
  priceFen: r.price_fen,
  memberId: r.member_id,
  createdAt: r.created_at,
  activatedAt: r.activated_at,
  cancelledAt: r.cancelled_at,
});

const hashCode = (code: string): string => createHash("sha256").update(code).digest("hex");

export function registerSecondaryCardRoutes(r: Routes, d: BackofficeDeps): void {
  const need = (caller: Caller | undefined): Caller => {
    if (!caller) throw new HubError("UNAUTHORIZED", "a staff token or a member code is required");
    return caller;
  };

  r.open(
    {
      method: "post",
      path: "/members/:id/secondary-cards",
      tag: "secondary-cards",
      summary: "Create a secondary card for a VIP; answers the share code (shown once)",
      description:
        "Only an active VIP who is not a secondary card holder; at most settings.secondaryCards.maxPerMember pending or active cards; the price (settings.secondaryCards.priceFen) is paid now.",
      roles: STAFF,
      member: true,
      params: MemberParams,
      body: z.strictObject({ payment: PaymentSchema.optional() }),
      idempotent: true,
      status: 201,
      errors: {
        404: "no such member",
        409: "Idempotency-Key reused for another request",
        422: "NOT_VIP, IS_SECONDARY, LIMIT_REACHED, PAYMENT_REQUIRED, INSUFFICIENT_BALANCE",
      },
    },
    ({ params, body, caller, idempotencyKey }) => {
      const who = need(caller);
      const primary = d.data.visibleTo(who, params.id);
      const actor = callerActor(who);
      const settings = d.settings.get().secondaryCards;
      return d.ops.run(idempotencyKey!, "secondary-card.create", params.id, body, (w) => {
        if (primary.primaryMemberId !== undefined) throw new HubError("REFUSED", "a secondary card cannot have secondary cards", { reason: "IS_SECONDARY" });
        d.data.requireActive(primary);
        if (!d.data.isVip(primary)) throw new HubError("REFUSED", "only an active VIP can create secondary cards", { reason: "NOT_VIP" });
        const count =
          d.db.prepare("SELECT COUNT(*) AS n FROM secondary_cards WHERE primary_member_id = ? AND state <> 'cancelled'").get<{ n: number }>(params.id)?.n ?? 0;
        if (count >= settings.maxPerMember)
          throw new HubError("REFUSED", `at most ${settings.maxPerMember} secondary cards per member`, { reason: "LIMIT_REACHED" });
        if (settings.priceFen > 0 && !body.payment)
          throw new HubError("REFUSED", `a secondary card costs ${settings.priceFen} fen: give payment`, { reason: "PAYMENT_REQUIRED" });
        const cardRef = `sc_${randomBytes(8).toString("hex")}`;
        const paid = body.payment
          ? takePaymentInTx(d, w, {
              memberId: params.id,
              amountFen: settings.priceFen,
              payment: body.payment,
              rules: d.data.rulesFor(params.id),
              reason: "secondary-card",
              ref: cardRef,
            })
          : null;
        const shareCode = `SC${randomBytes(15).toString("base64url")}`;
        const now = d.clock.now();
        d.db
          .prepare(
            "INSERT INTO secondary_cards (card_ref, primary_member_id, state, share_code_hash, share_expires_at, price_fen, created_at) VALUES (?, ?, 'pending', ?, ?, ?, ?)",
          )
          .run(cardRef, params.id, hashCode(shareCode), now + settings.shareCodeTtlHours * 3_600_000, settings.priceFen, now);
        const row = d.db.prepare("SELECT * FROM secondary_cards WHERE card_ref = ?").get<CardRow>(cardRef)!;
        d.audit.recordInTx({
          actor,
          action: "secondary-card.create",
          entity: "secondary-card",
          entityId: cardRef,
          storeId: d.data.profile(params.id).homeStoreId,
          before: null,
          after: { ...view(row), payment: paid },
        });
        return { ...view(row), shareCode, payment: paid };
      }).result;
    },
  );

  r.open(
    {
      method: "get",
      path: "/members/:id/secondary-cards",
      tag: "secondary-cards",
      summary: "A VIP's secondary cards",
      roles: STAFF,
      member: true,
      params: MemberParams,
      errors: { 404: "no such member" },
    },
    ({ params, caller }) => {
      d.data.visibleTo(need(caller), params.id);
      const cards = d.db.prepare("SELECT * FROM secondary_cards WHERE primary_member_id = ? ORDER BY created_at, card_ref").all<CardRow>(params.id).map(view);
      return { maxPerMember: d.settings.get().secondaryCards.maxPerMember, cards };
    },
  );

  r.open(
    {
      method: "post",
      path: "/secondary-cards/activate",
      tag: "secondary-cards",
      summary: "Activate a secondary card with its share code: creates the holder's own member card",
      description:
        "Called by the holder's app with the share code it was sent; the card gets the holder's name and app key and follows the primary's level, VIP class and expiry. The holder then uploads their own headshot.",
      roles: [],
      publicAuth: "the share code",
      body: z.strictObject({
        shareCode: z.string().regex(/^SC[A-Za-z0-9_-]{20}$/, "a share code"),
        name: z.string().trim().min(1).max(100),
        cardPublicKey: PublicKey,
        birthDate: IsoDate.optional(),
      }),
      status: 201,
      errors: { 404: "unknown share code", 409: "already activated or cancelled", 422: "SHARE_CODE_EXPIRED, PRIMARY_NOT_VIP" },
    },
    ({ body }) => {
      const row = d.db.prepare("SELECT * FROM secondary_cards WHERE share_code_hash = ?").get<CardRow>(hashCode(body.shareCode));
      if (!row) throw new HubError("NOT_FOUND", "unknown share code");
      if (row.state !== "pending")
        throw new HubError("CONFLICT", `this card is ${row.state}`, { reason: row.state === "active" ? "ALREADY_ACTIVE" : "CANCELLED" });
      if (row.share_expires_at <= d.clock.now())
        throw new HubError("REFUSED", "the share code has expired: ask for a new card", { reason: "SHARE_CODE_EXPIRED" });
      const primary = d.data.get(row.primary_member_id);
      if (!d.data.isVip(primary)) throw new HubError("REFUSED", "the primary member is no longer VIP", { reason: "PRIMARY_NOT_VIP" });
      const m = transact(d.db, d.registry, (w) => {
        const profile = d.data.profile(primary.memberId);
        const created = createMemberInTx(
          d,
          w,
          {
            storeId: profile.homeStoreId,
            channel: "secondary",
            name: body.name,
            cardPublicKey: body.cardPublicKey,
            birthDate: body.birthDate,
            levelId: primary.levelId,
            cardClass: primary.cardClass,
            vipExpiresAt: primary.vipExpiresAt,
            baseCardClass: primary.baseCardClass,
            primaryMemberId: primary.memberId,
            stores: d.registry.storesOf(primary.memberId) ?? [],
          },
          { id: `share-code:${row.card_ref}`, role: "member" },
        );
        const changed = d.db
          .prepare("UPDATE secondary_cards SET state = 'active', member_id = ?, activated_at = ? WHERE card_ref = ? AND state = 'pending'")
          .run(created.memberId, d.clock.now(), row.card_ref).changes;
        if (changed !== 1) throw new HubError("CONFLICT", "this card was activated meanwhile", { reason: "ALREADY_ACTIVE" });
        d.audit.recordInTx({
          actor: { id: `share-code:${row.card_ref}`, role: "member" },
          action: "secondary-card.activate",
          entity: "secondary-card",
          entityId: row.card_ref,
          storeId: profile.homeStoreId,
          before: view(row),
          after: { state: "active", memberId: created.memberId },
        });
        return created;
      });
      return { cardRef: row.card_ref, memberId: m.memberId, cardId: m.cardId, primaryMemberId: primary.memberId };
    },
  );

  r.open(
    {
      method: "delete",
      path: "/secondary-cards/:cardRef",
      tag: "secondary-cards",
      summary: "Cancel a secondary card (an active one is removed from every kiosk)",
      roles: MANAGERS,
      member: true,
      params: z.strictObject({ cardRef: Id }),
      body: z.strictObject({ reason: Reason }),
      errors: { 404: "no such card", 409: "already cancelled" },
    },
    ({ params, body, caller }) => {
      const who = need(caller);
      const row = d.db.prepare("SELECT * FROM secondary_cards WHERE card_ref = ?").get<CardRow>(params.cardRef);
      if (!row) throw new HubError("NOT_FOUND", `no secondary card ${params.cardRef}`);
      d.data.visibleTo(who, row.primary_member_id);
      if (row.state === "cancelled") throw new HubError("CONFLICT", "already cancelled", { reason: "CANCELLED" });
      transact(d.db, d.registry, (w) => {
        d.db.prepare("UPDATE secondary_cards SET state = 'cancelled', cancelled_at = ? WHERE card_ref = ?").run(d.clock.now(), row.card_ref);
        if (row.member_id && d.registry.get(row.member_id)) w.add(d.registry.deleteInTx(row.member_id));
        d.audit.recordInTx({
          actor: callerActor(who),
          action: "secondary-card.cancel",
          entity: "secondary-card",
          entityId: row.card_ref,
          storeId: d.data.profile(row.primary_member_id).homeStoreId,
          before: view(row),
          after: { state: "cancelled" },
          note: body.reason,
        });
      });
      return { ...view(d.db.prepare("SELECT * FROM secondary_cards WHERE card_ref = ?").get<CardRow>(row.card_ref)!) };
    },
  );
}
