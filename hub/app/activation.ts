// Activation of the member app: one-time expiring tokens issued at the counter (or after a phone one-time code), redeemed with a new card key and a request proof signed by it.
import { createHash, randomBytes } from "node:crypto";
import type { Context } from "hono";
import { z } from "zod";
import { ACTIVATION_CARD } from "../../protocol/member-proof.js";
import { HubError } from "../errors.js";
import { STAFF } from "../auth/roles.js";
import type { BackofficeDeps } from "../backoffice/deps.js";
import { proofRequest, type BoEnv, type Routes } from "../backoffice/route.js";
import { MemberParams, PublicKey } from "../backoffice/schemas.js";
import { enrolCardKeyInTx } from "../backoffice/cards.js";
import { transact } from "../backoffice/work.js";
import type { Actor } from "../audit.js";
import { verifyRequestProof, type ProofNonces } from "./proof.js";
import { RateLimiter, sourceOf } from "./rate-limit.js";

export const ACTIVATION_TOKEN = /^AT[A-Za-z0-9_-]{43}$/;
const DEFAULT_TTL_MINUTES = 24 * 60;

const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

/** The origin members reach the hub at: X-Forwarded-Proto/Host from the TLS proxy in front, else the request's own. */
export function publicOrigin(c: Context<BoEnv>): string {
  const url = new URL(c.req.url);
  const proto = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim();
  const host = c.req.header("x-forwarded-host")?.split(",")[0]?.trim();
  const safeHost = host && /^[A-Za-z0-9.:[\]-]{1,255}$/.test(host) ? host : url.host;
  return `${proto === "https" || proto === "http" ? proto : url.protocol.replace(":", "")}://${safeHost}`;
}

/** The activation link in the QR: the token sits after `#`, so it never reaches server logs or a Referer. */
export function activationLink(origin: string, token: string): string {
  return `${origin}/app/#/activate/${token}`;
}

/** Inside the caller's transaction: a new token for the member (earlier unused ones stop working). Returns the token (shown once). */
export function issueActivationInTx(
  d: BackofficeDeps,
  memberId: string,
  kind: "counter" | "otp",
  ttlMs: number,
  actor: Actor,
): { token: string; expiresAt: number } {
  const now = d.clock.now();
  d.db.prepare("UPDATE app_activations SET used_at = ? WHERE member_id = ? AND used_at IS NULL").run(now, memberId);
  const token = `AT${randomBytes(32).toString("base64url")}`;
  const expiresAt = now + ttlMs;
  d.db
    .prepare("INSERT INTO app_activations (token_hash, member_id, kind, created_at, expires_at, used_at, actor) VALUES (?, ?, ?, ?, ?, NULL, ?)")
    .run(hashToken(token), memberId, kind, now, expiresAt, actor.id);
  d.audit.recordInTx({
    actor,
    action: "app.activation.issue",
    entity: "member",
    entityId: memberId,
    storeId: d.data.profile(memberId).homeStoreId,
    before: null,
    after: { kind, expiresAt },
  });
  return { token, expiresAt };
}

export function registerActivationRoutes(r: Routes, d: BackofficeDeps, nonces: ProofNonces): void {
  const perSource = new RateLimiter(d.clock, { limit: 20, windowMs: 10 * 60_000, what: "activation attempts from this address" });
  const failures = new RateLimiter(d.clock, { limit: 200, windowMs: 60_000, maxKeys: 1, what: "failed activations at this hub" });

  r.staff(
    {
      method: "post",
      path: "/members/:id/activation",
      tag: "member-app",
      summary: "Issue a one-time activation token for the member app (QR or link, shown once)",
      description:
        "The member opens the link (or scans the QR) on their phone; the app makes its card key and redeems the token with POST /bo/app/activate. One use, expires after ttlMinutes (default 1 day); issuing a new one cancels the earlier unused ones. Stored as sha256 only.",
      roles: STAFF,
      params: MemberParams,
      body: z.strictObject({
        ttlMinutes: z
          .number()
          .int()
          .min(5)
          .max(7 * 24 * 60)
          .optional(),
      }),
      status: 201,
      errors: { 404: "no such member", 422: "MEMBER_BLOCKED" },
    },
    ({ c, params, body, principal, actor }) => {
      const m = d.data.visibleTo(principal, params.id);
      d.data.requireActive(m);
      const { token, expiresAt } = d.db.transaction(() =>
        issueActivationInTx(d, params.id, "counter", (body.ttlMinutes ?? DEFAULT_TTL_MINUTES) * 60_000, actor),
      );
      const link = activationLink(publicOrigin(c), token);
      return { memberId: params.id, cardId: m.cardId, token, link, qr: link, expiresAt };
    },
  );

  r.open(
    {
      method: "post",
      path: "/app/activate",
      tag: "member-app",
      summary: "Redeem an activation token: enrol the app's new card key",
      description: `The request carries \`Authorization: MemberProof MP1.hub.${ACTIVATION_CARD}.<time>.<nonce>.<signature>\` signed with the NEW key (proof of possession, bound to this request and this hub). The token works once; rate-limited per address.`,
      roles: [],
      publicAuth: "an activation token (body) and a request proof signed with the new key",
      body: z.strictObject({ token: z.string().max(64), publicKey: PublicKey }),
      errors: {
        404: "unknown token (ACTIVATION_UNKNOWN)",
        409: "token already used (ACTIVATION_USED)",
        422: "ACTIVATION_EXPIRED, MEMBER_BLOCKED, RATE_LIMITED",
      },
    },
    async ({ c, body }) => {
      perSource.hit(sourceOf(c));
      const authorization = c.req.header("authorization") ?? "";
      if (!authorization.startsWith("MemberProof "))
        throw new HubError("UNAUTHORIZED", "a request proof signed with the new key is required", { reason: "PROOF_MISSING" });
      const req = await proofRequest(c);
      verifyRequestProof(authorization.slice(12), req, {
        nowMs: d.clock.now(),
        nonces,
        publicKeyOf: (card) => (card === ACTIVATION_CARD ? body.publicKey : undefined),
      });
      const fail = (err: HubError): never => {
        failures.hit("all");
        throw err;
      };
      if (!ACTIVATION_TOKEN.test(body.token)) fail(new HubError("NOT_FOUND", "unknown activation token", { reason: "ACTIVATION_UNKNOWN" }));
      const row = d.db
        .prepare("SELECT member_id, kind, expires_at, used_at FROM app_activations WHERE token_hash = ?")
        .get<{ member_id: string; kind: string; expires_at: number; used_at: number | null }>(hashToken(body.token));
      if (!row) return fail(new HubError("NOT_FOUND", "unknown activation token", { reason: "ACTIVATION_UNKNOWN" }));
      if (row.used_at !== null) return fail(new HubError("CONFLICT", "this activation token was already used", { reason: "ACTIVATION_USED" }));
      if (row.expires_at <= d.clock.now()) return fail(new HubError("REFUSED", "this activation token has expired", { reason: "ACTIVATION_EXPIRED" }));
      const m = d.data.get(row.member_id);
      d.data.requireActive(m);
      const actor: Actor = { id: `member:${m.memberId}`, role: "member" };
      transact(d.db, d.registry, (w) => {
        const used = d.db
          .prepare("UPDATE app_activations SET used_at = ? WHERE token_hash = ? AND used_at IS NULL")
          .run(d.clock.now(), hashToken(body.token)).changes;
        if (used !== 1) throw new HubError("CONFLICT", "this activation token was already used", { reason: "ACTIVATION_USED" });
        enrolCardKeyInTx(d, w, m.memberId, body.publicKey, actor, `app activation (${row.kind})`);
      });
      return { memberId: m.memberId, cardId: m.cardId, name: m.name, serverTime: d.clock.now() };
    },
  );
}
