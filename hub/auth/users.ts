// Back-office users and their API tokens: tokens are random, shown once, and stored only as sha256 hashes.
//
// A token resolves to a principal (user, role, stores, permissions). The hub's admin token file
// (`adminTokenHashFile`, a sha256 hex) keeps working as an hq-admin token called `admin`, so an
// install can bootstrap its first users with it.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Database } from "../../storage/database.js";
import type { Clock } from "../../protocol/clock.js";
import { HubError } from "../errors.js";
import { PERMISSIONS, ROLES, type Permission, type Principal, type Role } from "./roles.js";

export interface User {
  userId: string;
  name: string;
  role: Role;
  stores: string[];
  permissions: Permission[];
  active: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface TokenInfo {
  tokenId: string;
  userId: string;
  label: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

interface UserRow {
  user_id: string;
  name: string;
  role: Role;
  stores: string;
  permissions: string;
  active: number;
  created_at: number;
  updated_at: number;
}

interface TokenRow {
  token_hash: string;
  token_id: string;
  user_id: string;
  label: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

const toUser = (r: UserRow): User => ({
  userId: r.user_id,
  name: r.name,
  role: r.role,
  stores: JSON.parse(r.stores) as string[],
  permissions: JSON.parse(r.permissions) as Permission[],
  active: r.active === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toToken = (r: TokenRow): TokenInfo => ({
  tokenId: r.token_id,
  userId: r.user_id,
  label: r.label,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

export const sha256Hex = (s: string): string => createHash("sha256").update(s).digest("hex");

/** The principal of the hub's admin token file. */
export const ADMIN_FILE_PRINCIPAL: Principal = { userId: "admin", role: "hq-admin", stores: [], permissions: [...PERMISSIONS], tokenId: "admin-file" };

export interface NewUser {
  userId: string;
  name: string;
  role: Role;
  stores?: string[];
  permissions?: Permission[];
}

export class UserStore {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    /** sha256 hex of the admin token (the hub's adminTokenHashFile), if configured. */
    private readonly adminTokenHash?: string,
  ) {}

  private row(userId: string): UserRow | undefined {
    return this.db.prepare("SELECT * FROM bo_users WHERE user_id = ?").get<UserRow>(userId);
  }

  get(userId: string): User | undefined {
    const r = this.row(userId);
    return r ? toUser(r) : undefined;
  }

  list(): User[] {
    return this.db.prepare("SELECT * FROM bo_users ORDER BY user_id").all<UserRow>().map(toUser);
  }

  private checkShape(role: Role, stores: readonly string[]): void {
    if (!ROLES.includes(role)) throw new HubError("INVALID_INPUT", `unknown role ${role}`);
    if (role !== "hq-admin" && stores.length === 0) throw new HubError("INVALID_INPUT", `a ${role} needs at least one store`);
  }

  /** Inside the caller's transaction. */
  createInTx(u: NewUser): User {
    const stores = [...new Set(u.stores ?? [])].sort();
    this.checkShape(u.role, stores);
    if (this.row(u.userId) || u.userId === ADMIN_FILE_PRINCIPAL.userId) throw new HubError("CONFLICT", `user ${u.userId} already exists`);
    const now = this.clock.now();
    this.db
      .prepare("INSERT INTO bo_users (user_id, name, role, stores, permissions, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)")
      .run(u.userId, u.name, u.role, JSON.stringify(u.role === "hq-admin" ? [] : stores), JSON.stringify([...new Set(u.permissions ?? [])].sort()), now, now);
    return this.get(u.userId)!;
  }

  /** Inside the caller's transaction. Deactivating a user stops all their tokens at once. */
  updateInTx(userId: string, patch: { name?: string; role?: Role; stores?: string[]; permissions?: Permission[]; active?: boolean }): User {
    const cur = this.get(userId);
    if (!cur) throw new HubError("NOT_FOUND", `no user ${userId}`);
    const next = { ...cur, ...patch };
    next.stores = [...new Set(next.stores)].sort();
    this.checkShape(next.role, next.stores);
    this.db
      .prepare("UPDATE bo_users SET name = ?, role = ?, stores = ?, permissions = ?, active = ?, updated_at = ? WHERE user_id = ?")
      .run(
        next.name,
        next.role,
        JSON.stringify(next.role === "hq-admin" ? [] : next.stores),
        JSON.stringify([...new Set(next.permissions)].sort()),
        next.active ? 1 : 0,
        this.clock.now(),
        userId,
      );
    return this.get(userId)!;
  }

  /** Inside the caller's transaction: a new token for the user; the plain token is returned once and never stored. */
  issueTokenInTx(userId: string, label: string, ttlMs?: number): { token: string; info: TokenInfo } {
    const user = this.get(userId);
    if (!user) throw new HubError("NOT_FOUND", `no user ${userId}`);
    if (!user.active) throw new HubError("REFUSED", `user ${userId} is deactivated`, { reason: "USER_INACTIVE" });
    const tokenId = `tok_${randomBytes(6).toString("hex")}`;
    const token = `bo_${randomBytes(32).toString("base64url")}`;
    const now = this.clock.now();
    this.db
      .prepare("INSERT INTO bo_tokens (token_hash, token_id, user_id, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(sha256Hex(token), tokenId, userId, label, now, ttlMs === undefined ? null : now + ttlMs);
    return { token, info: this.token(tokenId)! };
  }

  token(tokenId: string): TokenInfo | undefined {
    const r = this.db.prepare("SELECT * FROM bo_tokens WHERE token_id = ?").get<TokenRow>(tokenId);
    return r ? toToken(r) : undefined;
  }

  tokensOf(userId: string): TokenInfo[] {
    return this.db.prepare("SELECT * FROM bo_tokens WHERE user_id = ? ORDER BY created_at, token_id").all<TokenRow>(userId).map(toToken);
  }

  /** Inside the caller's transaction. Revoking twice is harmless. */
  revokeTokenInTx(tokenId: string): TokenInfo {
    const t = this.token(tokenId);
    if (!t) throw new HubError("NOT_FOUND", `no token ${tokenId}`);
    if (t.revokedAt === null) this.db.prepare("UPDATE bo_tokens SET revoked_at = ? WHERE token_id = ?").run(this.clock.now(), tokenId);
    return this.token(tokenId)!;
  }

  /** The principal of a bearer token, or undefined when it is unknown, revoked, expired or its user is inactive. */
  resolve(token: string): Principal | undefined {
    if (token.length === 0 || token.length > 512) return undefined;
    const hash = sha256Hex(token);
    if (this.adminTokenHash) {
      const expected = Buffer.from(this.adminTokenHash.trim().toLowerCase(), "hex");
      const actual = Buffer.from(hash, "hex");
      if (expected.length === actual.length && timingSafeEqual(expected, actual)) return ADMIN_FILE_PRINCIPAL;
    }
    const t = this.db.prepare("SELECT * FROM bo_tokens WHERE token_hash = ?").get<TokenRow>(hash);
    if (!t || t.revoked_at !== null || (t.expires_at !== null && t.expires_at <= this.clock.now())) return undefined;
    const u = this.get(t.user_id);
    if (!u || !u.active) return undefined;
    return { userId: u.userId, role: u.role, stores: u.stores, permissions: u.permissions, tokenId: t.token_id };
  }

  /** Resolves an `Authorization: Bearer <token>` header. */
  fromHeader(authorization: string | undefined): Principal | undefined {
    if (!authorization?.startsWith("Bearer ")) return undefined;
    return this.resolve(authorization.slice(7).trim());
  }
}
