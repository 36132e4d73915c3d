// Administration routes: who am I, users and their tokens, the audit trail, back-office settings, job status.
import { z } from "zod";
import { HubError } from "../errors.js";
import { HQ, MANAGERS, PERMISSIONS, ROLES, STAFF, isHq, type Principal, type Role } from "../auth/roles.js";
import type { User } from "../auth/users.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { SettingsSchema } from "./settings.js";
import { Id, Note } from "./schemas.js";

const UserBody = z.strictObject({
  userId: Id,
  name: z.string().trim().min(1).max(100),
  role: z.enum(ROLES),
  stores: z.array(Id).max(1000).optional(),
  permissions: z.array(z.enum(PERMISSIONS)).optional(),
});
const UserPatch = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  role: z.enum(ROLES).optional(),
  stores: z.array(Id).max(1000).optional(),
  permissions: z.array(z.enum(PERMISSIONS)).optional(),
  active: z.boolean().optional(),
});
const TokenBody = z.strictObject({ label: z.string().max(100).default(""), ttlDays: z.number().int().min(1).max(3650).optional() });

/** A store manager manages counter staff of their own stores only; HQ manages everyone. */
export function mayManage(p: Principal, target: { role: Role; stores: readonly string[] }): boolean {
  if (isHq(p)) return true;
  return p.role === "store-manager" && target.role === "counter-staff" && target.stores.length > 0 && target.stores.every((s) => p.stores.includes(s));
}

const publicUser = (u: User): User => u;

export function registerAdminRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff({ method: "get", path: "/me", tag: "admin", summary: "The caller: user, role, stores, permissions", roles: STAFF }, ({ principal }) => ({
    userId: principal.userId,
    role: principal.role,
    stores: principal.stores,
    permissions: principal.permissions,
    tokenId: principal.tokenId,
  }));

  r.staff(
    { method: "get", path: "/users", tag: "admin", summary: "Users (a store manager sees the staff of their stores)", roles: MANAGERS },
    ({ principal }) => ({
      users: d.users
        .list()
        .filter((u) => isHq(principal) || u.userId === principal.userId || mayManage(principal, u))
        .map(publicUser),
    }),
  );

  r.staff(
    {
      method: "post",
      path: "/users",
      tag: "admin",
      summary: "Create a user",
      description: "HQ creates any user; a store manager creates counter staff for their own stores.",
      roles: MANAGERS,
      body: UserBody,
      status: 201,
      errors: { 409: "user id taken" },
    },
    ({ body, principal, actor }) => {
      if (!mayManage(principal, { role: body.role, stores: body.stores ?? [] })) throw new HubError("FORBIDDEN", "you may not create this user");
      return d.db.transaction(() => {
        const u = d.users.createInTx(body);
        d.audit.recordInTx({ actor, action: "user.create", entity: "user", entityId: u.userId, before: null, after: u });
        return u;
      });
    },
  );

  r.staff(
    {
      method: "patch",
      path: "/users/:userId",
      tag: "admin",
      summary: "Change or deactivate a user (deactivation stops their tokens)",
      roles: MANAGERS,
      params: z.strictObject({ userId: Id }),
      body: UserPatch,
      errors: { 404: "no such user" },
    },
    ({ params, body, principal, actor }) => {
      const before = d.users.get(params.userId);
      if (!before) throw new HubError("NOT_FOUND", `no user ${params.userId}`);
      const after = { role: body.role ?? before.role, stores: body.stores ?? before.stores };
      if (!mayManage(principal, before) || !mayManage(principal, after)) throw new HubError("FORBIDDEN", "you may not change this user");
      return d.db.transaction(() => {
        const u = d.users.updateInTx(params.userId, body);
        d.audit.recordInTx({ actor, action: "user.update", entity: "user", entityId: u.userId, before, after: u });
        return u;
      });
    },
  );

  r.staff(
    {
      method: "get",
      path: "/users/:userId/tokens",
      tag: "admin",
      summary: "A user's tokens (never the secrets)",
      roles: MANAGERS,
      params: z.strictObject({ userId: Id }),
      errors: { 404: "no such user" },
    },
    ({ params, principal }) => {
      const u = d.users.get(params.userId);
      if (!u) throw new HubError("NOT_FOUND", `no user ${params.userId}`);
      if (!mayManage(principal, u)) throw new HubError("FORBIDDEN", "you may not see this user's tokens");
      return { tokens: d.users.tokensOf(params.userId) };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/users/:userId/tokens",
      tag: "admin",
      summary: "Issue an API token (shown once; stored as its sha256)",
      roles: MANAGERS,
      params: z.strictObject({ userId: Id }),
      body: TokenBody,
      status: 201,
      errors: { 404: "no such user", 422: "user deactivated (USER_INACTIVE)" },
    },
    ({ params, body, principal, actor }) => {
      const u = d.users.get(params.userId);
      if (!u) throw new HubError("NOT_FOUND", `no user ${params.userId}`);
      if (!mayManage(principal, u)) throw new HubError("FORBIDDEN", "you may not issue tokens for this user");
      return d.db.transaction(() => {
        const { token, info } = d.users.issueTokenInTx(params.userId, body.label, body.ttlDays === undefined ? undefined : body.ttlDays * 86_400_000);
        d.audit.recordInTx({ actor, action: "token.issue", entity: "token", entityId: info.tokenId, before: null, after: info });
        return { token, ...info };
      });
    },
  );

  r.staff(
    {
      method: "delete",
      path: "/tokens/:tokenId",
      tag: "admin",
      summary: "Revoke a token",
      roles: MANAGERS,
      params: z.strictObject({ tokenId: z.string().regex(/^tok_[a-f0-9]{12}$/) }),
      errors: { 404: "no such token" },
    },
    ({ params, principal, actor }) => {
      const t = d.users.token(params.tokenId);
      if (!t) throw new HubError("NOT_FOUND", `no token ${params.tokenId}`);
      const owner = d.users.get(t.userId);
      if (!owner || !(mayManage(principal, owner) || owner.userId === principal.userId)) throw new HubError("FORBIDDEN", "you may not revoke this token");
      return d.db.transaction(() => {
        const after = d.users.revokeTokenInTx(params.tokenId);
        d.audit.recordInTx({ actor, action: "token.revoke", entity: "token", entityId: t.tokenId, before: t, after });
        return after;
      });
    },
  );

  r.staff(
    {
      method: "get",
      path: "/audit",
      tag: "admin",
      summary: "The audit trail, newest first (a store manager sees their stores')",
      roles: MANAGERS,
      query: z.strictObject({
        entity: z.string().max(64).optional(),
        entityId: z.string().max(128).optional(),
        actor: z.string().max(128).optional(),
        action: z.string().max(64).optional(),
        from: z.coerce.number().int().nonnegative().optional(),
        to: z.coerce.number().int().nonnegative().optional(),
        beforeId: z.coerce.number().int().positive().optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
    },
    ({ query, principal }) => ({ entries: d.audit.list({ ...query, ...(isHq(principal) ? {} : { stores: principal.stores }) }) }),
  );

  r.staff({ method: "get", path: "/settings", tag: "admin", summary: "Back-office settings", roles: STAFF }, () => d.settings.get());

  r.staff(
    { method: "put", path: "/settings", tag: "admin", summary: "Replace the back-office settings", roles: HQ, body: SettingsSchema, errors: {} },
    ({ body, actor }) =>
      d.db.transaction(() => {
        const before = d.settings.get();
        const after = d.settings.putInTx(body);
        d.audit.recordInTx({ actor, action: "settings.update", entity: "settings", entityId: "backoffice", before, after });
        return after;
      }),
  );

  r.staff({ method: "get", path: "/jobs", tag: "admin", summary: "Scheduled jobs and the last day each applied", roles: MANAGERS }, () => ({
    jobs: d.jobs?.status() ?? [],
  }));

  r.staff(
    {
      method: "post",
      path: "/jobs/run",
      tag: "admin",
      summary: "Run due jobs now (a day already applied is never applied again)",
      roles: HQ,
      body: z.strictObject({ note: Note.optional() }),
    },
    async ({ actor, body }) => {
      if (!d.jobs) throw new HubError("NO_CONFIG", "the scheduler is not running");
      d.db.transaction(() => d.audit.recordInTx({ actor, action: "jobs.run", entity: "jobs", entityId: "all", note: body.note ?? null }));
      await d.jobs.tick();
      return { jobs: d.jobs.status() };
    },
  );
}
