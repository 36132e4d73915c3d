// Staff sign-in on the kiosk: staff id + PIN checked against the config's scrypt hashes, lockout, sliding sessions.
//
// The kiosk never stores a PIN: the signed config carries `scrypt$N$salt$hash` (hub/secrets.ts
// hashSecret). Sessions live in memory (a restart signs everyone out) and end after `idleMinutes`
// without a request. Too many wrong PINs for one staff id, or from one source address over all
// ids, lock it for `lockoutMinutes`. PINs are 4-12 digits (6+ advised).
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { Clock } from "../protocol/clock.js";
import type { Logger } from "../runtime/log.js";
import type { DevicePolicy } from "../protocol/device-policy.js";
import { STAFF_PIN_FORMAT } from "../protocol/staff-pin.js";

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

/** PINs are 4 to 12 digits; 6 or more are advised (protocol/staff-pin.ts, docs/kiosk-api.md). */
export const PIN_FORMAT = STAFF_PIN_FORMAT;

/** Wrong PINs one source address may make (over every staff id) before it is locked out too. */
export function maxFailuresPerSource(maxFailedPins: number): number {
  return Math.max(10, 4 * maxFailedPins);
}

/** How many unknown staff ids and source addresses are remembered (known staff ids always are). */
const MAX_GHOSTS = 1000;
const MAX_SOURCES = 4096;
/** Sources beyond MAX_SOURCES while every remembered one is locked or busy share this record. */
const OVERFLOW_SOURCE = "overflow";

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

/** A well-formed hash of a PIN no one knows, at the configured cost, so an unknown staff id costs the same time as a known one. */
function dummyHash(like: string | undefined): string {
  const n = like?.split("$")[1] ?? "16384";
  return `scrypt$${n}$${Buffer.alloc(16).toString("base64url")}$${Buffer.alloc(32).toString("base64url")}`;
}

/** The address a guess came from: IPv4-mapped IPv6 as IPv4, other IPv6 by its /64 (one host can hold a whole /64). */
export function sourceKey(address: string | undefined): string {
  if (!address) return "local";
  const a = address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
  if (!a.includes(":")) return a.slice(0, 64);
  const [head = "", tail = ""] = a.split("%")[0]!.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = a.includes("::") ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** Wrong PINs counted for one staff id or one source; `inFlight` are checks started and not finished. */
interface Attempts {
  failures: number;
  inFlight: number;
  lockedUntil: number;
  /** When the first failure counted now was made (per-source counts lapse after lockoutMinutes). */
  since: number;
}

const fresh = (now: number): Attempts => ({ failures: 0, inFlight: 0, lockedUntil: 0, since: now });

export class StaffAuth {
  private readonly sessions = new Map<string, StaffSession>();
  /** Known staff ids only (bounded by the policy): never evicted, so a lockout cannot be flushed. */
  private readonly byStaff = new Map<string, Attempts>();
  /** Unknown staff ids, so they answer like known ones; bounded, evicting only among themselves. */
  private readonly ghosts = new Map<string, Attempts>();
  /** Source addresses; bounded, evicting only idle unlocked ones. */
  private readonly bySource = new Map<string, Attempts>();

  constructor(private readonly deps: StaffAuthDeps) {}

  private settings(): DevicePolicy["staffSession"] {
    return this.deps.policy()?.staffSession ?? { idleMinutes: 15, maxFailedPins: 5, lockoutMinutes: 5 };
  }

  private staffRecord(staffId: string, known: boolean, now: number, policy: Pick<DevicePolicy, "staff">): Attempts {
    const book = known ? this.byStaff : this.ghosts;
    let r = book.get(staffId);
    if (r) return r;
    if (known && book.size > policy.staff.length + 50) {
      // Staff removed from the policy: their records go once no lock or check is pending.
      for (const [id, x] of book) if (!policy.staff.some((p) => p.staffId === id) && x.inFlight === 0 && x.lockedUntil <= now) book.delete(id);
    }
    if (!known && book.size >= MAX_GHOSTS) book.delete(book.keys().next().value ?? "");
    r = fresh(now);
    book.set(staffId, r);
    return r;
  }

  private sourceRecord(key: string, now: number, windowMs: number): Attempts {
    let r = this.bySource.get(key);
    if (r) {
      if (r.inFlight === 0 && r.lockedUntil <= now && now - r.since > windowMs) Object.assign(r, fresh(now));
      return r;
    }
    if (this.bySource.size >= MAX_SOURCES) {
      let evicted = false;
      for (const [k, x] of this.bySource) {
        if (k !== OVERFLOW_SOURCE && x.inFlight === 0 && x.lockedUntil <= now) {
          this.bySource.delete(k);
          evicted = true;
          break;
        }
      }
      if (!evicted) return this.sourceRecord(OVERFLOW_SOURCE, now, windowMs);
    }
    r = fresh(now);
    this.bySource.set(key, r);
    return r;
  }

  /**
   * Signs a staff member in. `source` is the caller's address (undefined: this machine). The attempt
   * is reserved against both the staff id and the source before the (asynchronous) PIN check, so
   * concurrent guesses cannot share a stale count: at most maxFailedPins checks per id and
   * maxFailuresPerSource per source run before the lock.
   */
  async signIn(staffId: string, pin: string, source?: string): Promise<StaffSession> {
    const policy = this.deps.policy();
    if (!policy || policy.staff.length === 0) throw new StaffError("STAFF_NONE_CONFIGURED", "no staff are configured for this store");
    const now = this.deps.clock.now();
    const s = this.settings();
    const lockMs = s.lockoutMinutes * 60_000;
    const perSource = maxFailuresPerSource(s.maxFailedPins);
    const key = staffId.slice(0, 64);
    const src = sourceKey(source);
    const who = policy.staff.find((x) => x.staffId === staffId);
    const id = this.staffRecord(key, who !== undefined, now, policy);
    const from = this.sourceRecord(src, now, lockMs);
    const lockedUntil = Math.max(id.lockedUntil, from.lockedUntil);
    if (lockedUntil > now || id.failures + id.inFlight >= s.maxFailedPins || from.failures + from.inFlight >= perSource) {
      const wait = Math.max(1, Math.ceil((Math.max(lockedUntil, now + 1) - now) / 60_000));
      this.deps.log.warn({ staff: key, source: src }, "staff sign-in refused: locked after too many wrong PINs");
      throw new StaffError("STAFF_LOCKED", `too many wrong PINs; try again in ${wait} min`);
    }
    // Reserve the attempt now (synchronously), then check.
    id.inFlight++;
    from.inFlight++;
    let ok = false;
    try {
      const stored = who?.pinHash ?? dummyHash(policy.staff[0]?.pinHash);
      ok = PIN_FORMAT.test(pin) && (await checkPin(pin, stored)) && who !== undefined;
    } finally {
      id.inFlight--;
      from.inFlight--;
    }
    const end = this.deps.clock.now();
    if (!ok || !who) {
      const idLocked = this.countFailure(id, s.maxFailedPins, end, lockMs);
      const srcLocked = this.countFailure(from, perSource, end, lockMs);
      this.deps.log.warn({ staff: key, source: src, failures: id.failures, locked: idLocked || srcLocked }, "staff sign-in failed");
      throw new StaffError("STAFF_SIGNIN_FAILED", "wrong staff id or PIN");
    }
    // A right PIN clears the id's count; the source's count stays until it lapses (a staff member's
    // own sign-in must not reset guesses at colleagues' ids).
    this.byStaff.delete(key);
    const session: StaffSession = {
      token: randomBytes(32).toString("base64url"),
      staffId: who.staffId,
      name: who.name,
      roles: [...who.roles],
      expiresAt: end + s.idleMinutes * 60_000,
    };
    this.sessions.set(session.token, session);
    this.deps.log.info({ staff: who.staffId }, "staff signed in");
    return session;
  }

  /** Counts one wrong PIN; locks the record at `max` (after a lockout has run out, counting starts again). Returns true when it locked. */
  private countFailure(r: Attempts, max: number, now: number, lockMs: number): boolean {
    if (r.lockedUntil > now) return false;
    if (r.failures === 0) r.since = now;
    r.failures++;
    if (r.failures < max) return false;
    r.failures = 0;
    r.lockedUntil = now + lockMs;
    return true;
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
