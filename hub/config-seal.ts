// The seal a published config row carries (migration 51): the hub's signature over the row's identity and the hash of its content, so the hub reads its own bundles back without re-validating them.
//
// Why: ConfigService.get parsed the stored content with ConfigContentSchema each time a hub started
// (0.37 s for a 50,000-item catalog, paid again by each ingest worker process). That content is the
// zod *output* of check() at publish time (defaults applied, cross-checks passed), so parsing it
// again is idempotent (hub/config-service.test.ts checks that on the example and a big catalog). It
// is not data from outside: kiosks, HTTP and MQTT bodies are still validated where they enter.
//
// What the seal proves: `content_seal` is an Ed25519 signature, with the hub's config key, over
// `CONFIG_SEAL_DOMAIN \n chainId \n storeId \n version \n sha256(content)`. Only a holder of the
// private key (the hub, at publish, right after check()) can make one, so a row whose content was
// altered or corrupted since, or moved to another store or version, does not verify. The domain
// string keeps other things the same key signs (kiosk bundles, catalog messages, fleet commands)
// from passing as a sealed row. Verifying needs only the public key, so ingest workers (which hold
// no private key) read sealed rows cheaply too. Cost: one sha256 of the content (about 20 ms for
// 9 MB) and one signature check, against the zod parse's 0.37 s.
//
// Reading (openStoredContent): a row with no seal (published before migration 51) or sealed by
// another key id (the key was rotated) is parsed with ConfigContentSchema as before; a row whose seal
// names the hub's key but does not verify is refused (an error, never used, and not silently
// re-validated: a corrupted price would pass zod).
import { createHash } from "node:crypto";
import type { Migration } from "../storage/sqlite.js";
import { ConfigContentSchema, type ConfigContent } from "../protocol/messages.js";
import { signBytes, verifyBytes, type KeyPair } from "../protocol/signing.js";

export const CONFIG_SEAL_DOMAIN = "member-kiosk/hub/config-row/v1";

const SQL = `
  -- The hub's signature over the row's store, version and content hash (hub/config-seal.ts); NULL: published before it.
  ALTER TABLE configs ADD COLUMN content_seal TEXT;
`;
export const CONFIG_SEAL_MIGRATIONS: readonly Migration[] = [{ version: 51, name: "config-content-seal", sql: SQL }];
export const CONFIG_SEAL_PG_MIGRATIONS: readonly Migration[] = [{ version: 51, name: "config-content-seal", sql: SQL }];

export interface RowIdentity {
  chainId: string;
  storeId: string;
  version: number;
}

function statement(row: RowIdentity, content: string): string {
  const digest = createHash("sha256").update(content, "utf8").digest("hex");
  return `${CONFIG_SEAL_DOMAIN}\n${row.chainId}\n${row.storeId}\n${row.version}\n${digest}`;
}

/** The seal of a row about to be stored: `content` is the JSON of check()'s output. */
export function sealContent(keyId: string, keys: KeyPair, row: RowIdentity, content: string): string {
  return JSON.stringify({ keyId, signature: signBytes(keys, statement(row, content)) });
}

/** A stored row's seal: absent (older row), another key's, or checked with the hub's own. */
export type SealCheck = "unsealed" | "other-key" | "valid" | "invalid";

export function checkSeal(seal: string | null, keyId: string, publicKey: string, row: RowIdentity, content: string): SealCheck {
  if (seal === null || seal === undefined) return "unsealed";
  let parsed: { keyId?: unknown; signature?: unknown };
  try {
    parsed = JSON.parse(seal) as typeof parsed;
  } catch {
    return "invalid";
  }
  if (typeof parsed?.signature !== "string" || typeof parsed.keyId !== "string") return "invalid";
  if (parsed.keyId !== keyId) return "other-key";
  return verifyBytes(publicKey, statement(row, content), parsed.signature) ? "valid" : "invalid";
}

/** Thrown for a row whose seal names the hub's key and does not verify. */
export class StoredConfigRefused extends Error {
  constructor(row: RowIdentity) {
    super(`stored config ${row.storeId} v${row.version} does not match its seal (altered or corrupted since it was published); refused`);
    this.name = "StoredConfigRefused";
  }
}

/**
 * The content of a stored row: JSON.parse alone when its seal verifies with the hub's key; the zod
 * parse when it has no seal or another key's; StoredConfigRefused when the seal fails.
 */
export function openStoredContent(seal: string | null, signer: { keyId: string; publicKey: string }, row: RowIdentity, content: string): ConfigContent {
  const check = checkSeal(seal, signer.keyId, signer.publicKey, row, content);
  if (check === "invalid") throw new StoredConfigRefused(row);
  if (check === "valid") return JSON.parse(content) as ConfigContent;
  return ConfigContentSchema.parse(JSON.parse(content));
}
