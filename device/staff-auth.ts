// Staff sign-in on the kiosk: staff id + PIN checked against the config's scrypt hashes, lockout, sliding sessions.
//
// The kiosk never stores a PIN: the signed config carries `scrypt$N$salt$hash` (hub/secrets.ts
// hashSecret). Sessions live in memory (a restart signs everyone out) and end after `idleMinutes`
// without a request. Too many wrong PINs for one staff id lock it for `lockoutMinutes`.
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { Clock } from "../protocol/clock.js";
import type { Logger } from "../protocol/log.js";
import type { DevicePolicy } from "../protocol/messages.js";

export type StaffRole = DevicePolicy["staff"][number]["roles"][number];

export type StaffErrorCode = "STAFF_SIGNIN_FAILED" | "STAFF_LOCKED" | "STAFF_AUTH_REQUIRED" | "STAFF_FORBIDDEN" | "STAFF_NONE_CONFIGURED";

export class StaffError extends Error {
  constructor(
    readonly code: StaffErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "StaffError";
  }
}

export interface StaffSession {
  token: string;
  staffId: string;
  name: string;
  roles: StaffRole[];
  expiresAt: number;
}

export interface StaffAuthDeps {
  policy: () => Pick<DevicePolicy, "staff" | "staffSession"> | undefined;
  clock: Clock;
  log: Logger;
}

/** A well-formed hash of a PIN no one knows, so an unknown staff id costs the same time as a known one. */
const DUMMY_HASH = `scrypt$16384$${Buffer.alloc(16).toString("base64url")}$${Buffer.alloc(32).toString("base64url")}`;

function scryptAsync(secret: string, salt: Buffer, length: number, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, { N: n, maxmem: 256 * n * 8 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Checks a PIN against `scrypt$N$salt$hash` in constant time. */
export async function checkPin(pin: string, stored: string): Promise<boolean> {
  const [scheme, n, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await scryptAsync(pin, Buffer.from(salt, "base64url"), expected.length, Number(n));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export class StaffAuth {
  private readonly sessions = new Map<string, StaffSession>();
  private readonly failures = new Map<string, { count: number; lockedUntil: number }>();

  constructor(private readonly deps: StaffAuthDeps) {}

  private settings(): DevicePolicy["staffSession"] {
    return this.deps.policy()?.staffSession ?? { idleMinutes: 15, maxFailedPins: 5, lockoutMinutes: 5 };
  }

  async signIn(staffId: string, pin: string): Promise<StaffSession> {
    const policy = this.deps.policy();
    if (!policy || policy.staff.length === 0) throw new StaffError("STAFF_NONE_CONFIGURED", "no staff are configured for this store");
    const now = this.deps.clock.now();
    const s = this.settings();
    const key = staffId.slice(0, 64);
    const f = this.failures.get(key);
    if (f && f.lockedUntil > now) {
      this.deps.log.warn({ staff: key }, "staff sign-in refused: locked after too many wrong PINs");
      throw new StaffError("STAFF_LOCKED", `too many wrong PINs; try again in ${Math.ceil((f.lockedUntil - now) / 60_000)} min`);
    }
    const who = policy.staff.find((x) => x.staffId === staffId);
    const ok = (await checkPin(pin, who?.pinHash ?? DUMMY_HASH)) && who !== undefined;
    if (!ok || !who) {
      // After a lockout has run out, counting starts again from zero.
      const count = (f?.count ?? 0) + 1;
      const lockedUntil = count >= s.maxFailedPins ? now + s.lockoutMinutes * 60_000 : 0;
      if (this.failures.size >= 1000 && !f) this.failures.delete(this.failures.keys().next().value ?? "");
      this.failures.set(key, { count: lockedUntil > 0 ? 0 : count, lockedUntil });
      this.deps.log.warn({ staff: key, failures: count, locked: lockedUntil > 0 }, "staff sign-in failed");
      throw new StaffError("STAFF_SIGNIN_FAILED", "wrong staff id or PIN");
    }
    this.failures.delete(key);
    const session: StaffSession = { token: randomBytes(32).toString("base64url"), staffId: who.staffId, name: who.name, roles: [...who.roles], expiresAt: now + s.idleMinutes * 60_000 };
    this.sessions.set(session.token, session);
    this.deps.log.info({ staff: who.staffId }, "staff signed in");
    return session;
  }

  /** The session for a token, extended by the idle time; undefined when unknown, expired or the staff member was removed. */
  session(token: string | undefined): StaffSession | undefined {
    if (!token) return undefined;
    const s = this.sessions.get(token);
    if (!s) return undefined;
    const now = this.deps.clock.now();
    const still = this.deps.policy()?.staff.find((x) => x.staffId === s.staffId);
    if (s.expiresAt <= now || !still) {
      this.sessions.delete(token);
      return undefined;
    }
    s.expiresAt = now + this.settings().idleMinutes * 60_000;
    s.roles = [...still.roles];
    return s;
  }

  /** The session, or STAFF_AUTH_REQUIRED / STAFF_FORBIDDEN. */
  require(token: string | undefined, role?: StaffRole): StaffSession {
    const s = this.session(token);
    if (!s) throw new StaffError("STAFF_AUTH_REQUIRED", "sign in with your staff id and PIN");
    if (role && !s.roles.includes(role)) throw new StaffError("STAFF_FORBIDDEN", `staff ${s.staffId} may not do this (${role})`);
    return s;
  }

  signOut(token: string | undefined): void {
    if (!token) return;
    const s = this.sessions.get(token);
    if (s) this.deps.log.info({ staff: s.staffId }, "staff signed out");
    this.sessions.delete(token);
  }
}
