// Hashing and checking device secrets (scrypt, constant-time compare); the hub keeps only hashes.
//
// Checks on unauthenticated paths (broker logins, /broker/auth) use verifySecret: scrypt runs on
// libuv's thread pool, so a wrong password never blocks the event loop, and an unknown device id
// is checked against a dummy hash so it costs the same scrypt as a known one.
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from "node:crypto";

const N = 16384;
/** Longer secrets are refused (after the same scrypt as any other): ours are 32 characters. */
export const SECRET_MAX_BYTES = 1024;

export function newSecret(): string {
  return randomBytes(24).toString("base64url");
}

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, 32, { N });
  return `scrypt$${N}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

interface ParsedHash {
  n: number;
  salt: Buffer;
  hash: Buffer;
}

function parseHash(stored: string | undefined): ParsedHash | undefined {
  if (typeof stored !== "string") return undefined;
  const [scheme, n, salt, hash, extra] = stored.split("$");
  if (scheme !== "scrypt" || !n || !salt || !hash || extra !== undefined) return undefined;
  const cost = Number(n);
  // A power of two in a sane range: a tampered row cannot make one check take minutes.
  if (!Number.isInteger(cost) || cost < 1024 || cost > 1 << 20 || (cost & (cost - 1)) !== 0) return undefined;
  const h = Buffer.from(hash, "base64url");
  if (h.length < 16 || h.length > 64) return undefined;
  return { n: cost, salt: Buffer.from(salt, "base64url"), hash: h };
}

export function checkSecret(secret: string, stored: string): boolean {
  const p = parseHash(stored);
  if (!p) return false;
  const actual = scryptSync(Buffer.from(secret, "utf8"), p.salt, p.hash.length, { N: p.n, maxmem: 256 * p.n * 8 });
  return timingSafeEqual(actual, p.hash);
}

/** scrypt on the thread pool; injectable so tests can count what was hashed. */
export type Scrypt = (secret: Buffer, salt: Buffer, keyLength: number, cost: number) => Promise<Buffer>;

export const scryptAsync: Scrypt = (secret, salt, keyLength, cost) =>
  new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, { N: cost, maxmem: 256 * cost * 8 }, (err, key) => (err ? reject(err) : resolve(key)));
  });

let dummy: ParsedHash | undefined;
function dummyHash(): ParsedHash {
  dummy ??= parseHash(`scrypt$${N}$${randomBytes(16).toString("base64url")}$${randomBytes(32).toString("base64url")}`)!;
  return dummy;
}

/** Counts the scrypt runs of verifySecret (a test sees that unknown and known ids take the same path). */
export const secretStats = { verifications: 0 };

/**
 * Asynchronous, constant-time check. `stored` undefined (unknown device) or malformed is checked
 * against a dummy hash of the same cost and answers false; a secret over SECRET_MAX_BYTES likewise.
 * Compares bytes of equal length (never string lengths), so a multibyte secret is a plain refusal.
 */
export async function verifySecret(secret: string, stored: string | undefined, hasher: Scrypt = scryptAsync): Promise<boolean> {
  const parsed = parseHash(stored);
  const p = parsed ?? dummyHash();
  const bytes = typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.alloc(0);
  const usable = bytes.length <= SECRET_MAX_BYTES;
  secretStats.verifications++;
  const actual = await hasher(usable ? bytes : bytes.subarray(0, SECRET_MAX_BYTES), p.salt, p.hash.length, p.n);
  const same = actual.length === p.hash.length && timingSafeEqual(actual, p.hash);
  return same && parsed !== undefined && usable;
}

/** Constant-time equality of two secrets of any lengths and encodings (compares sha256 digests). */
export function secretsEqual(a: string, b: string): boolean {
  const da = createHash("sha256").update(a, "utf8").digest();
  const db = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(da, db);
}
