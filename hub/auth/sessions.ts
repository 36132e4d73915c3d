// Console sign-in state: password hashes, browser sessions (idle and absolute expiry, CSRF token), and one-time links (first-admin setup, demo sign-in).
import { randomBytes } from "node:crypto";
import type { Database } from "../../storage/database.js";
import type { Clock } from "../../protocol/clock.js";
import type { Principal } from "./roles.js";
import { sha256Hex, type UserStore } from "./users.js";

export interface SessionOptions {
  /** A session not used for this long is over. */
  idleMs: number;
  /** A session ends this long after sign-in whatever happens. */
  maxAgeMs: number;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = { idleMs: 30 * 60_000, maxAgeMs: 12 * 3600_000 };
/** last_seen_at is written at most this often per session (reads stay reads). */
const TOUCH_EVERY_MS = 30_000;

export type LinkKind = "setup" | "sign-in";

interface SessionRow {
  user_id: string;
  csrf: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface SessionInfo {
  principal: Principal;
  csrf: string;
  idleExpiresAt: number;
}

export class SessionStore {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly users: UserStore,
    readonly options: SessionOptions = DEFAULT_SESSION_OPTIONS,
  ) {}

  passwordHash(userId: string): string | undefined {
    return this.db.prepare("SELECT hash FROM bo_passwords WHERE user_id = ?").get<{ hash: string }>(userId)?.hash;
  }

  /** Inside the caller's transaction. A new password ends the user's sessions. */
  setPasswordInTx(userId: string, hash: string): void {
    const now = this.clock.now();
    if (this.passwordHash(userId) === undefined)
      this.db.prepare("INSERT INTO bo_passwords (user_id, hash, updated_at) VALUES (?, ?, ?)").run(userId, hash, now);
    else this.db.prepare("UPDATE bo_passwords SET hash = ?, updated_at = ? WHERE user_id = ?").run(hash, now, userId);
    this.endAllInTx(userId);
  }

  /** True until an active hq-admin can sign in with a password. */
  setupNeeded(): boolean {
    const row = this.db
      .prepare("SELECT COUNT(*) AS n FROM bo_users u JOIN bo_passwords p ON p.user_id = u.user_id WHERE u.role = 'hq-admin' AND u.active = 1")
      .get<{ n: number | string }>();
    return Number(row?.n ?? 0) === 0;
  }

  /** Starts a session; the id goes into the cookie, only its sha256 is stored. */
  create(userId: string): { sessionId: string; csrf: string; expiresAt: number } {
    const sessionId = randomBytes(32).toString("base64url");
    const csrf = randomBytes(24).toString("base64url");
    const now = this.clock.now();
    const expiresAt = now + this.options.maxAgeMs;
    this.db
      .prepare("INSERT INTO bo_sessions (id_hash, user_id, csrf, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(sha256Hex(sessionId), userId, csrf, now, now, expiresAt);
    return { sessionId, csrf, expiresAt };
  }

  /** The session's principal, or undefined when unknown, idle too long, expired, or its user is inactive. */
  resolve(sessionId: string): SessionInfo | undefined {
    if (sessionId.length < 20 || sessionId.length > 100) return undefined;
    const hash = sha256Hex(sessionId);
    const row = this.db.prepare("SELECT user_id, csrf, created_at, last_seen_at, expires_at FROM bo_sessions WHERE id_hash = ?").get<SessionRow>(hash);
    if (!row) return undefined;
    const now = this.clock.now();
    const lastSeen = Number(row.last_seen_at);
    if (now >= Number(row.expires_at) || now - lastSeen >= this.options.idleMs) {
      this.db.prepare("DELETE FROM bo_sessions WHERE id_hash = ?").run(hash);
      return undefined;
    }
    const u = this.users.get(row.user_id);
    if (!u || !u.active) return undefined;
    let seen = lastSeen;
    if (now - lastSeen >= TOUCH_EVERY_MS) {
      this.db.prepare("UPDATE bo_sessions SET last_seen_at = ? WHERE id_hash = ?").run(now, hash);
      seen = now;
    }
    return {
      principal: { userId: u.userId, role: u.role, stores: u.stores, permissions: u.permissions, tokenId: `session:${hash.slice(0, 12)}` },
      csrf: row.csrf,
      idleExpiresAt: Math.min(seen + this.options.idleMs, Number(row.expires_at)),
    };
  }

  end(sessionId: string): void {
    this.db.prepare("DELETE FROM bo_sessions WHERE id_hash = ?").run(sha256Hex(sessionId));
  }

  endAllInTx(userId: string): void {
    this.db.prepare("DELETE FROM bo_sessions WHERE user_id = ?").run(userId);
  }

  /** Drops sessions past their expiry (called now and then). */
  sweep(): void {
    const now = this.clock.now();
    this.db.prepare("DELETE FROM bo_sessions WHERE expires_at <= ? OR last_seen_at <= ?").run(now, now - this.options.idleMs);
  }

  /** A one-time link token (setup: create the first hq-admin; sign-in: a session for `userId`). */
  createLink(kind: LinkKind, userId: string | null, ttlMs: number): string {
    const token = randomBytes(24).toString("base64url");
    const now = this.clock.now();
    this.db
      .prepare("INSERT INTO bo_auth_links (token_hash, kind, user_id, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, NULL)")
      .run(sha256Hex(token), kind, userId, now, now + ttlMs);
    return token;
  }

  /** Whether the link is usable now (without using it). */
  linkValid(token: string, kind: LinkKind): boolean {
    if (token.length < 20 || token.length > 100) return false;
    const row = this.db
      .prepare("SELECT expires_at FROM bo_auth_links WHERE token_hash = ? AND kind = ? AND used_at IS NULL")
      .get<{ expires_at: number }>(sha256Hex(token), kind);
    return row !== undefined && Number(row.expires_at) > this.clock.now();
  }

  /** Uses the link once (inside the caller's transaction); undefined when unknown, used or expired. */
  consumeLinkInTx(token: string, kind: LinkKind): { userId: string | null } | undefined {
    if (token.length < 20 || token.length > 100) return undefined;
    const hash = sha256Hex(token);
    const now = this.clock.now();
    const r = this.db
      .prepare("UPDATE bo_auth_links SET used_at = ? WHERE token_hash = ? AND kind = ? AND used_at IS NULL AND expires_at > ?")
      .run(now, hash, kind, now);
    if (Number(r.changes) !== 1) return undefined;
    const row = this.db.prepare("SELECT user_id FROM bo_auth_links WHERE token_hash = ?").get<{ user_id: string | null }>(hash);
    return { userId: row?.user_id ?? null };
  }
}
