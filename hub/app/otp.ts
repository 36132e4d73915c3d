// Self-registration for the member app: a one-time code sent to the phone (pluggable sender), then an activation token for the phone's member (created when new).
import { createHash, randomInt } from "node:crypto";
import { z } from "zod";
import { HubError } from "../errors.js";
import type { BackofficeDeps } from "../backoffice/deps.js";
import type { Routes } from "../backoffice/route.js";
import { Id } from "../backoffice/schemas.js";
import { createMemberInTx } from "../backoffice/members.js";
import { transact } from "../backoffice/work.js";
import { activationLink, issueActivationInTx, publicOrigin } from "./activation.js";
import { SenderError, type MessageSender } from "./messages.js";
import { RateLimiter, sourceOf } from "./rate-limit.js";

const Phone = z.string().regex(/^\+?[0-9]{6,15}$/, "a phone number (digits, optional leading +)");
const OTP_TTL_MS = 5 * 60_000;
const MAX_ATTEMPTS = 5;
const ACTIVATION_TTL_MS = 15 * 60_000;

const hashCode = (phone: string, code: string): string => createHash("sha256").update(`${phone}\n${code}`).digest("hex");
const mask = (phone: string): string => `${"*".repeat(Math.max(0, phone.length - 4))}${phone.slice(-4)}`;

export function registerOtpRoutes(r: Routes, d: BackofficeDeps, sender: MessageSender): void {
  const sendPerPhone = new RateLimiter(d.clock, { limit: 1, windowMs: 60_000, what: "codes for this phone" });
  const sendPerPhoneHour = new RateLimiter(d.clock, { limit: 5, windowMs: 3_600_000, what: "codes for this phone this hour" });
  const sendPerSource = new RateLimiter(d.clock, { limit: 20, windowMs: 3_600_000, what: "codes requested from this address" });
  const verifyPerSource = new RateLimiter(d.clock, { limit: 30, windowMs: 10 * 60_000, what: "code checks from this address" });

  r.open(
    {
      method: "post",
      path: "/app/otp",
      tag: "member-app",
      summary: "Send a one-time code to a phone for self-registration or re-activation",
      description: "Rate-limited: one code per phone per minute, 5 per hour, 20 per address per hour. The code is valid 5 minutes and 5 tries.",
      roles: [],
      publicAuth: "none (rate-limited)",
      body: z.strictObject({ phone: Phone, storeId: Id }),
      status: 201,
      errors: { 404: "no such store", 422: "RATE_LIMITED", 503: "the message gateway is unavailable" },
    },
    async ({ c, body }) => {
      if (!d.configs.latest(body.storeId)) throw new HubError("NOT_FOUND", `no store ${body.storeId}`);
      sendPerSource.hit(sourceOf(c));
      sendPerPhone.hit(body.phone);
      sendPerPhoneHour.hit(body.phone);
      const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
      const now = d.clock.now();
      d.db
        .prepare(
          "INSERT INTO app_otp (phone, code_hash, store_id, sent_at, expires_at, attempts) VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, store_id = excluded.store_id, sent_at = excluded.sent_at, expires_at = excluded.expires_at, attempts = 0",
        )
        .run(body.phone, hashCode(body.phone, code), body.storeId, now, now + OTP_TTL_MS);
      try {
        await sender.send({
          to: body.phone,
          purpose: "otp",
          text: `【会员】验证码 ${code}，5分钟内有效，请勿告诉他人。Your member code is ${code} (5 minutes). Never share it.`,
        });
      } catch (err) {
        d.db.prepare("DELETE FROM app_otp WHERE phone = ?").run(body.phone);
        if (err instanceof SenderError) throw new HubError("NO_CONFIG", `the code could not be sent: ${err.message}`, { reason: err.code });
        throw err;
      }
      return { sentTo: mask(body.phone), expiresAt: now + OTP_TTL_MS, resendAfter: now + 60_000 };
    },
  );

  r.open(
    {
      method: "post",
      path: "/app/otp/verify",
      tag: "member-app",
      summary: "Check a one-time code; answers an activation token for the phone's member (registered now when new and a name is given)",
      roles: [],
      publicAuth: "the one-time code sent to the phone",
      body: z.strictObject({ phone: Phone, code: z.string().regex(/^\d{6}$/, "6 digits"), name: z.string().trim().min(1).max(100).optional() }),
      errors: {
        404: "no code was sent to this phone (OTP_UNKNOWN)",
        422: "OTP_WRONG, OTP_EXPIRED, OTP_TOO_MANY_TRIES, NAME_REQUIRED, MEMBER_BLOCKED, RATE_LIMITED",
      },
    },
    ({ c, body }) => {
      verifyPerSource.hit(sourceOf(c));
      const row = d.db
        .prepare("SELECT code_hash, store_id, expires_at, attempts FROM app_otp WHERE phone = ?")
        .get<{ code_hash: string; store_id: string; expires_at: number; attempts: number }>(body.phone);
      if (!row) throw new HubError("NOT_FOUND", "no code was sent to this phone", { reason: "OTP_UNKNOWN" });
      if (row.expires_at <= d.clock.now()) throw new HubError("REFUSED", "the code has expired: ask for a new one", { reason: "OTP_EXPIRED" });
      if (row.attempts >= MAX_ATTEMPTS) throw new HubError("REFUSED", "too many wrong codes: ask for a new one", { reason: "OTP_TOO_MANY_TRIES" });
      if (row.code_hash !== hashCode(body.phone, body.code)) {
        d.db.prepare("UPDATE app_otp SET attempts = attempts + 1 WHERE phone = ?").run(body.phone);
        throw new HubError("REFUSED", "the code is not right", { reason: "OTP_WRONG" });
      }
      const existing = d.db
        .prepare("SELECT member_id FROM member_profiles WHERE phone = ? ORDER BY created_at LIMIT 1")
        .get<{ member_id: string }>(body.phone)?.member_id;
      if (!existing && !body.name) throw new HubError("REFUSED", "new member: give your name to register", { reason: "NAME_REQUIRED" });
      if (existing) d.data.requireActive(d.data.get(existing));
      const out = transact(d.db, d.registry, (w) => {
        // The code is used up inside the same transaction as what it buys.
        const used = d.db.prepare("DELETE FROM app_otp WHERE phone = ? AND code_hash = ?").run(body.phone, row.code_hash).changes;
        if (used !== 1) throw new HubError("REFUSED", "the code was used meanwhile: ask for a new one", { reason: "OTP_EXPIRED" });
        const actor = { id: `phone:${mask(body.phone)}`, role: "member" };
        const memberId = existing ?? createMemberInTx(d, w, { storeId: row.store_id, channel: "online", name: body.name!, phone: body.phone }, actor).memberId;
        return { memberId, created: !existing, ...issueActivationInTx(d, memberId, "otp", ACTIVATION_TTL_MS, actor) };
      });
      return { ...out, link: activationLink(publicOrigin(c), out.token) };
    },
  );
}
