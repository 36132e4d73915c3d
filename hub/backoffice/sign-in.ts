// Console sign-in routes under /bo/auth: first-admin setup, password sign-in with lockout, one-time sign-in links, session state, sign-out, password resets.
import type { Context } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { HubError } from "../errors.js";
import { STAFF, type Principal } from "../auth/roles.js";
import { PASSWORD_MAX, PASSWORD_MIN, dummyHash, hashPassword, verifyPassword } from "../auth/passwords.js";
import type { SessionInfo, SessionStore } from "../auth/sessions.js";
import type { LoginThrottle } from "../auth/throttle.js";
import type { BackofficeDeps } from "./deps.js";
import type { BoEnv, Routes } from "./route.js";
import { mayManage } from "./admin.js";
import { Id } from "./schemas.js";

export const SESSION_COOKIE = "mk_session";
export const CSRF_HEADER = "x-csrf-token";
const Password = z.string().min(PASSWORD_MIN, `at least ${PASSWORD_MIN} characters`).max(PASSWORD_MAX);
const LinkToken = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, "a link token");

export interface SignInOptions {
  sessions: SessionStore;
  throttle: LoginThrottle;
  /** `auto`: Secure when the request came over TLS (URL or X-Forwarded-Proto). */
  secureCookie: "auto" | "always" | "never";
}

function isTls(c: Context<BoEnv>): boolean {
  return new URL(c.req.url).protocol === "https:" || (c.req.header("x-forwarded-proto") ?? "").split(",")[0]!.trim() === "https";
}

/** A browser request from another site (its Origin is not this host) never gets a session. */
function sameOrigin(c: Context<BoEnv>): boolean {
  const origin = c.req.header("origin");
  if (!origin) return true;
  const host = c.req.header("x-forwarded-host") ?? c.req.header("host") ?? new URL(c.req.url).host;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

const safeEqual = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The staff principal of a request carrying the session cookie. Writes also need the session's CSRF
 * token in `X-CSRF-Token` and, when the browser sends one, an Origin of this host; when `required`
 * (the route needs staff) a failed check is a 403, otherwise the cookie is ignored.
 */
export function sessionPrincipal(o: SignInOptions, c: Context<BoEnv>, required: boolean): Principal | undefined {
  const id = getCookie(c, SESSION_COOKIE);
  if (!id) return undefined;
  const s = o.sessions.resolve(id);
  if (!s) return undefined;
  const method = c.req.method.toUpperCase();
  if (method !== "GET" && method !== "HEAD") {
    const token = c.req.header(CSRF_HEADER) ?? "";
    if (!sameOrigin(c) || !safeEqual(token, s.csrf)) {
      if (required) throw new HubError("FORBIDDEN", "a console write needs the session's X-CSRF-Token header from this site", { reason: "CSRF_CHECK_FAILED" });
      return undefined;
    }
  }
  return s.principal;
}

function currentSession(o: SignInOptions, c: Context<BoEnv>): SessionInfo | undefined {
  const id = getCookie(c, SESSION_COOKIE);
  return id ? o.sessions.resolve(id) : undefined;
}

export function registerSignInRoutes(r: Routes, d: BackofficeDeps, o: SignInOptions): void {
  const startSession = (c: Context<BoEnv>, userId: string) => {
    if (!sameOrigin(c)) throw new HubError("FORBIDDEN", "sign-in from another site", { reason: "CSRF_CHECK_FAILED" });
    const s = o.sessions.create(userId);
    const secure = o.secureCookie === "always" || (o.secureCookie === "auto" && isTls(c));
    setCookie(c, SESSION_COOKIE, s.sessionId, {
      httpOnly: true,
      sameSite: "Strict",
      secure,
      path: "/bo",
      maxAge: Math.floor(o.sessions.options.maxAgeMs / 1000),
    });
    const u = d.users.get(userId)!;
    return { userId: u.userId, name: u.name, role: u.role, stores: u.stores, permissions: u.permissions, csrfToken: s.csrf };
  };

  r.open(
    {
      method: "get",
      path: "/auth/session",
      tag: "sign-in",
      summary: "Whether the first hq-admin must be set up, and the signed-in person (with the CSRF token for writes)",
      roles: [],
      publicAuth: "the console session cookie, when present",
    },
    ({ c }) => {
      const s = currentSession(o, c);
      const u = s ? d.users.get(s.principal.userId) : undefined;
      return {
        setupNeeded: o.sessions.setupNeeded(),
        user: s && u ? { userId: u.userId, name: u.name, role: u.role, stores: u.stores, permissions: u.permissions } : null,
        csrfToken: s?.csrf ?? null,
        idleExpiresAt: s?.idleExpiresAt ?? null,
        idleMinutes: Math.round(o.sessions.options.idleMs / 60_000),
      };
    },
  );

  r.open(
    {
      method: "post",
      path: "/auth/setup",
      tag: "sign-in",
      summary: "Create the first hq-admin with the one-time setup link the hub printed at its first start",
      roles: [],
      publicAuth: "the one-time setup token",
      body: z.strictObject({ token: LinkToken, userId: Id, name: z.string().trim().min(1).max(100), password: Password }),
      errors: { 409: "an hq-admin already exists or the user id is taken", 422: "link unknown, used or expired (SETUP_LINK_INVALID)" },
    },
    async ({ c, body }) => {
      if (!o.sessions.setupNeeded()) throw new HubError("CONFLICT", "an administrator already exists: sign in", { reason: "SETUP_DONE" });
      if (!o.sessions.linkValid(body.token, "setup"))
        throw new HubError("REFUSED", "this setup link is unknown, used or expired", { reason: "SETUP_LINK_INVALID" });
      const hash = await hashPassword(body.password);
      d.db.transaction(() => {
        if (!o.sessions.consumeLinkInTx(body.token, "setup"))
          throw new HubError("REFUSED", "this setup link is unknown, used or expired", { reason: "SETUP_LINK_INVALID" });
        const u = d.users.createInTx({ userId: body.userId, name: body.name, role: "hq-admin" });
        o.sessions.setPasswordInTx(u.userId, hash);
        d.audit.recordInTx({ actor: { id: u.userId, role: "hq-admin" }, action: "user.setup", entity: "user", entityId: u.userId, before: null, after: u });
      });
      return startSession(c, body.userId);
    },
  );

  r.open(
    {
      method: "post",
      path: "/auth/sign-in",
      tag: "sign-in",
      summary: "Sign in with user name and password: sets the session cookie (HttpOnly, SameSite=Strict)",
      description:
        "After 5 failures for a user name, sign-in is locked for 15 minutes (SIGN_IN_LOCKED); attempts being checked count, so parallel guesses cannot exceed the limit.",
      roles: [],
      publicAuth: "user name and password",
      body: z.strictObject({ userId: Id, password: z.string().min(1).max(PASSWORD_MAX) }),
      errors: { 422: "wrong user name or password (BAD_CREDENTIALS), or locked (SIGN_IN_LOCKED)" },
    },
    async ({ c, body }) => {
      const key = body.userId.toLowerCase();
      const slot = o.throttle.reserve(key);
      if (!slot.ok) {
        throw new HubError("REFUSED", `too many failed sign-ins: try again in ${Math.ceil(slot.retryAfterMs / 60_000)} minute(s)`, {
          reason: "SIGN_IN_LOCKED",
        });
      }
      let ok = false;
      try {
        const user = d.users.get(body.userId);
        const stored = user?.active ? o.sessions.passwordHash(user.userId) : undefined;
        ok = await verifyPassword(body.password, stored ?? (await dummyHash()));
        ok = ok && stored !== undefined;
      } finally {
        slot.settle(ok);
      }
      if (!ok) throw new HubError("REFUSED", "wrong user name or password", { reason: "BAD_CREDENTIALS" });
      d.audit.recordInTx({
        actor: { id: body.userId, role: d.users.get(body.userId)!.role },
        action: "user.sign-in",
        entity: "user",
        entityId: body.userId,
        before: null,
        after: null,
      });
      return startSession(c, body.userId);
    },
  );

  r.open(
    {
      method: "post",
      path: "/auth/link",
      tag: "sign-in",
      summary: "Sign in with a one-time sign-in link (the demo prints one for its admin)",
      roles: [],
      publicAuth: "the one-time sign-in token",
      body: z.strictObject({ token: LinkToken }),
      errors: { 422: "link unknown, used or expired (SIGN_IN_LINK_INVALID)" },
    },
    ({ c, body }) => {
      const link = d.db.transaction(() => o.sessions.consumeLinkInTx(body.token, "sign-in"));
      const u = link?.userId ? d.users.get(link.userId) : undefined;
      if (!u || !u.active) throw new HubError("REFUSED", "this sign-in link is unknown, used or expired", { reason: "SIGN_IN_LINK_INVALID" });
      return startSession(c, u.userId);
    },
  );

  r.open(
    {
      method: "post",
      path: "/auth/sign-out",
      tag: "sign-in",
      summary: "End the console session and clear its cookie",
      roles: [],
      publicAuth: "the console session cookie",
    },
    ({ c }) => {
      const id = getCookie(c, SESSION_COOKIE);
      if (id) o.sessions.end(id);
      deleteCookie(c, SESSION_COOKIE, { path: "/bo" });
      return { ok: true };
    },
  );

  r.staff(
    {
      method: "put",
      path: "/users/:userId/password",
      tag: "admin",
      summary: "Set or reset a user's console password (ends their sessions)",
      description: "HQ for anyone; a store manager for counter staff of their stores; anyone for themselves.",
      roles: STAFF,
      params: z.strictObject({ userId: Id }),
      body: z.strictObject({ password: Password }),
      errors: { 404: "no such user" },
    },
    async ({ params, body, principal, actor }) => {
      const u = d.users.get(params.userId);
      if (!u) throw new HubError("NOT_FOUND", `no user ${params.userId}`);
      if (!mayManage(principal, u) && u.userId !== principal.userId) throw new HubError("FORBIDDEN", "you may not set this user's password");
      const hash = await hashPassword(body.password);
      d.db.transaction(() => {
        o.sessions.setPasswordInTx(u.userId, hash);
        d.audit.recordInTx({ actor, action: "user.password", entity: "user", entityId: u.userId, before: null, after: null });
      });
      return { ok: true, userId: u.userId };
    },
  );
}
