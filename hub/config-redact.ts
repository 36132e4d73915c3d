// Secrets in config bundles (staff PIN hashes and the like) replaced before any read shows a config: HTTP answers, hubctl output.
//
// The signed bundle the kiosks receive keeps them (a kiosk checks PINs against the hashes); every
// read for people and scripts goes through redactConfigSecrets, which walks the whole value, so a
// secret added to the config later is covered by its key name or by its scrypt$ form.

export const REDACTED = "[redacted]";

/** Keys whose values are secrets wherever they appear (compared case-insensitively). */
const SECRET_KEYS = new Set(["pinhash", "passwordhash", "secrethash", "password", "secret", "privatekey", "token", "tokenhash"]);

const isSecretValue = (v: string): boolean => v.startsWith("scrypt$");

/** A deep copy of `value` with every secret replaced by "[redacted]"; the input is not changed. */
export function redactConfigSecrets(value: unknown, depth = 0): unknown {
  if (depth > 64) return REDACTED;
  if (typeof value === "string") return isSecretValue(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redactConfigSecrets(v, depth + 1));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = SECRET_KEYS.has(k.toLowerCase()) && v !== null && v !== undefined ? REDACTED : redactConfigSecrets(v, depth + 1);
  return out;
}
