// Card keys for live member codes: enrol the public key of the member's app (proved by a code it signed), revoke, history.
//
// Who may change a card's key: staff at the counter, or the member's app with a request proof signed
// by the current key (MemberProof: bound to this request and this hub, accepted once). A live code
// seen at a kiosk opens nothing here. A member without the current key (new or lost phone) enrols
// through a one-time activation token (hub/app/activation.ts).
//
// The kiosks verify live codes against the record's cardPublicKey. A revoked card gets a key whose
// private half was never kept (sealedCardKey), so no code verifies until the member enrols a new key,
// and the kiosks need nothing new to understand it.
import { z } from "zod";
import { ReplayGuard, verifyMemberCode } from "../../protocol/member-code.js";
import { ProtocolError } from "../../protocol/errors.js";
import { HubError } from "../errors.js";
import { STAFF } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import { callerActor, type Routes } from "./route.js";
import { MemberParams, PublicKey, Reason } from "./schemas.js";
import { sealedCardKey } from "./members.js";
import { transact, type Work } from "./work.js";
import type { Actor } from "../audit.js";

const EnrolBody = z.strictObject({
  publicKey: PublicKey,
  /** A live code for this card made with the new key: proves the app holds its private half. */
  proof: z.string().max(200),
});

/** Inside the caller's transaction: makes `publicKey` the member's only active card key, pushed to the kiosks, audited. */
export function enrolCardKeyInTx(d: BackofficeDeps, w: Work, memberId: string, publicKey: string, actor: Actor, reason = "enrolled"): void {
  const before = d.data.get(memberId);
  const now = d.clock.now();
  d.db.prepare("UPDATE card_keys SET state = 'replaced', ended_at = ? WHERE member_id = ? AND state = 'active'").run(now, memberId);
  d.db
    .prepare("INSERT INTO card_keys (member_id, public_key, state, enrolled_at, actor, reason) VALUES (?, ?, 'active', ?, ?, ?)")
    .run(memberId, publicKey, now, actor.id, reason);
  const profile = d.data.profile(memberId);
  d.data.saveProfileInTx(memberId, { ...profile, cardKeyState: "enrolled" });
  w.add(d.registry.updateInTx(memberId, { cardPublicKey: publicKey }));
  d.audit.recordInTx({
    actor,
    action: "card-key.enrol",
    entity: "member",
    entityId: memberId,
    storeId: profile.homeStoreId,
    before: { cardPublicKey: before.cardPublicKey, state: profile.cardKeyState },
    after: { cardPublicKey: publicKey, state: "enrolled" },
    ...(reason !== "enrolled" ? { note: reason } : {}),
  });
}

export function registerCardRoutes(r: Routes, d: BackofficeDeps): void {
  r.open(
    {
      method: "put",
      path: "/members/:id/card-key",
      tag: "cards",
      summary: "Enrol the public key of the member's app (replaces the current one)",
      description:
        "`proof` is a live code for the card signed with the new key, made within the last 60 seconds. Staff enrol at the counter; a member's app may rotate its own key with a request proof (MemberProof) signed by the current key. A live code (MemberCode) is refused: a new phone enrols through an activation token (POST /bo/app/activate).",
      roles: STAFF,
      member: true,
      params: MemberParams,
      body: EnrolBody,
      errors: { 404: "no such member", 422: "the proof does not verify with the new key (BAD_PROOF)" },
    },
    ({ params, body, caller }) => {
      if (!caller) throw new HubError("UNAUTHORIZED", "a staff token or a member request proof is required");
      const before = d.data.visibleTo(caller, params.id);
      try {
        verifyMemberCode(body.proof, {
          publicKeyOf: (card) => (card === before.cardId ? body.publicKey : undefined),
          nowMs: d.clock.now(),
          replay: new ReplayGuard(),
          windowSeconds: 60,
        });
      } catch (err) {
        if (err instanceof ProtocolError)
          throw new HubError("REFUSED", `the proof is not a fresh code for card ${before.cardId} signed with this key: ${err.message}`, {
            reason: "BAD_PROOF",
          });
        throw err;
      }
      const actor = callerActor(caller);
      transact(d.db, d.registry, (w) => enrolCardKeyInTx(d, w, params.id, body.publicKey, actor));
      return { memberId: params.id, cardId: before.cardId, cardKeyState: "enrolled", publicKey: body.publicKey };
    },
  );

  r.open(
    {
      method: "delete",
      path: "/members/:id/card-key",
      tag: "cards",
      summary: "Revoke the card key (lost phone): no live code works until a new key is enrolled",
      roles: STAFF,
      member: true,
      params: MemberParams,
      body: z.strictObject({ reason: Reason }),
      errors: { 404: "no such member", 409: "no key enrolled (NO_KEY)" },
    },
    ({ params, body, caller }) => {
      if (!caller) throw new HubError("UNAUTHORIZED", "a staff token or a member request proof is required");
      const before = d.data.visibleTo(caller, params.id);
      const profile = d.data.profile(params.id);
      if (profile.cardKeyState === "none") throw new HubError("CONFLICT", "the card has no enrolled key", { reason: "NO_KEY" });
      const actor = callerActor(caller);
      transact(d.db, d.registry, (w) => {
        d.db
          .prepare("UPDATE card_keys SET state = 'revoked', ended_at = ?, reason = ? WHERE member_id = ? AND state = 'active'")
          .run(d.clock.now(), body.reason, params.id);
        d.data.saveProfileInTx(params.id, { ...profile, cardKeyState: "none" });
        w.add(d.registry.updateInTx(params.id, { cardPublicKey: sealedCardKey() }));
        d.audit.recordInTx({
          actor,
          action: "card-key.revoke",
          entity: "member",
          entityId: params.id,
          storeId: profile.homeStoreId,
          before: { cardPublicKey: before.cardPublicKey, state: "enrolled" },
          after: { state: "none" },
          note: body.reason,
        });
      });
      return { memberId: params.id, cardId: before.cardId, cardKeyState: "none" };
    },
  );

  r.staff(
    {
      method: "get",
      path: "/members/:id/card-keys",
      tag: "cards",
      summary: "Keys the member's apps enrolled, newest first",
      roles: STAFF,
      params: MemberParams,
      errors: { 404: "no such member" },
    },
    ({ params, principal }) => {
      d.data.visibleTo(principal, params.id);
      const keys = d.db
        .prepare("SELECT public_key, state, enrolled_at, ended_at, actor, reason FROM card_keys WHERE member_id = ? ORDER BY id DESC")
        .all<{ public_key: string; state: string; enrolled_at: number; ended_at: number | null; actor: string; reason: string | null }>(params.id)
        .map((k) => ({ publicKey: k.public_key, state: k.state, enrolledAt: k.enrolled_at, endedAt: k.ended_at, actor: k.actor, reason: k.reason }));
      return { cardKeyState: d.data.profile(params.id).cardKeyState, keys };
    },
  );
}
