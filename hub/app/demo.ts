// For the demo and the browser tests: a member with no app yet (registered at the counter) and a fresh activation link for them.
import type { Backoffice } from "../backoffice/index.js";
import { createMemberInTx } from "../backoffice/members.js";
import { transact } from "../backoffice/work.js";
import { activationLink, issueActivationInTx } from "./activation.js";

export interface AppMemberSpec {
  memberId: string;
  cardId: string;
  name: string;
  storeId: string;
}

/** Registers the member (once) as counter staff would, without a card key; returns a one-time activation link valid `ttlMs`. */
export function appActivation(bo: Backoffice, spec: AppMemberSpec, origin: string, ttlMs = 24 * 3_600_000): { link: string; token: string; expiresAt: number } {
  const d = bo.deps;
  const actor = { id: "demo", role: "hq-admin" };
  if (!d.registry.get(spec.memberId)) {
    transact(d.db, d.registry, (w) =>
      createMemberInTx(d, w, { storeId: spec.storeId, channel: "till", memberId: spec.memberId, cardId: spec.cardId, name: spec.name }, actor),
    );
  }
  const { token, expiresAt } = d.db.transaction(() => issueActivationInTx(d, spec.memberId, "counter", ttlMs, actor));
  return { link: activationLink(origin, token), token, expiresAt };
}
