// Builds, signs (Ed25519) and stores versioned config bundles per store; the MQTT link publishes them retained.
import type { Database } from "../storage/sqlite.js";
import type { Clock } from "../protocol/clock.js";
import { signEnvelope, type KeyPair, type SignedEnvelope } from "../protocol/signing.js";
import { ConfigContentSchema, type ConfigContent } from "../protocol/messages.js";
import { parseRulesConfig } from "../protocol/rules/config.js";
import { isRulesError } from "../protocol/rules/errors.js";
import { HubError } from "./errors.js";

export interface SigningIdentity {
  keyId: string;
  keys: KeyPair;
}

export interface PublishedConfig {
  storeId: string;
  version: number;
  envelope: SignedEnvelope;
  content: ConfigContent;
}

export type ConfigScope = { kind: "chain" } | { kind: "store"; storeId: string };

function scopeKey(scope: ConfigScope): string {
  return scope.kind === "chain" ? "chain" : `store:${scope.storeId}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Store overrides on top of chain defaults: objects merge key by key, anything else (arrays too) replaces. */
export function mergeLayers(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? mergeLayers(b, v) : v;
  }
  return out;
}

export class ConfigService {
  /** Called after a new bundle is stored (the rollout decides who gets it). */
  onPublished: ((config: PublishedConfig) => void) | undefined;
  private readonly cache = new Map<string, PublishedConfig>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly chainId: string,
    private readonly signer: SigningIdentity,
  ) {}

  /** Validates `draft`, gives it the next version for the store, signs and stores it. */
  publish(storeId: string, draft: Pick<ConfigContent, "rules" | "device"> | Record<string, unknown>): PublishedConfig {
    const published = this.db.transaction(() => {
      const version =
        (this.db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM configs WHERE store_id = ?").get<{ v: number }>(storeId)?.v ?? 0) + 1;
      if (draft.rules !== undefined) {
        try {
          parseRulesConfig(draft.rules);
        } catch (err) {
          if (isRulesError(err)) throw new HubError("INVALID_INPUT", `config: rules: ${err.message}`);
          throw err;
        }
      }
      const parsed = ConfigContentSchema.safeParse({
        ...draft,
        version,
        chainId: this.chainId,
        storeId,
        issuedAt: this.clock.now(),
      });
      if (!parsed.success) {
        throw new HubError("INVALID_INPUT", `config: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
      }
      const envelope = signEnvelope(this.signer.keys, this.signer.keyId, parsed.data);
      this.db
        .prepare("INSERT INTO configs (store_id, version, envelope, content, created_at) VALUES (?, ?, ?, ?, ?)")
        .run(storeId, version, JSON.stringify(envelope), envelope.payload, this.clock.now());
      return { storeId, version, envelope, content: parsed.data };
    });
    this.onPublished?.(published);
    return published;
  }

  /** Replaces a layer: the chain's defaults or one store's overrides (validated when a bundle is built). */
  setLayer(scope: ConfigScope, body: Record<string, unknown>): void {
    if (!isPlainObject(body)) throw new HubError("INVALID_INPUT", "a config layer must be a JSON object");
    this.db
      .prepare("INSERT INTO config_layers (scope, body, updated_at) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at")
      .run(scopeKey(scope), JSON.stringify(body), this.clock.now());
  }

  getLayer(scope: ConfigScope): Record<string, unknown> | undefined {
    const row = this.db.prepare("SELECT body FROM config_layers WHERE scope = ?").get<{ body: string }>(scopeKey(scope));
    return row ? (JSON.parse(row.body) as Record<string, unknown>) : undefined;
  }

  /** The chain's defaults with the store's overrides on top: the draft `publishComposed` signs. */
  compose(storeId: string): Record<string, unknown> {
    const chain = this.getLayer({ kind: "chain" });
    const store = this.getLayer({ kind: "store", storeId });
    if (!chain && !store) throw new HubError("NO_CONFIG", `no chain defaults and no overrides for store ${storeId}`);
    return mergeLayers(chain ?? {}, store ?? {});
  }

  /** Builds the store's bundle from the layers and publishes it as the next version. */
  publishComposed(storeId: string): PublishedConfig {
    return this.publish(storeId, this.compose(storeId));
  }

  /** A stored bundle by version (the hub re-evaluates each sale with the version the kiosk used). */
  get(storeId: string, version: number): PublishedConfig | undefined {
    const key = `${storeId}\u0000${version}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const row = this.db
      .prepare("SELECT envelope, content FROM configs WHERE store_id = ? AND version = ?")
      .get<{ envelope: string; content: string }>(storeId, version);
    if (!row) return undefined;
    const config = {
      storeId,
      version,
      envelope: JSON.parse(row.envelope) as SignedEnvelope,
      content: ConfigContentSchema.parse(JSON.parse(row.content)),
    };
    this.cache.set(key, config);
    return config;
  }

  latest(storeId: string): PublishedConfig | undefined {
    const v = this.db.prepare("SELECT MAX(version) AS v FROM configs WHERE store_id = ?").get<{ v: number | null }>(storeId)?.v;
    return v ? this.get(storeId, v) : undefined;
  }

  stores(): string[] {
    return this.db.prepare("SELECT DISTINCT store_id FROM configs ORDER BY store_id").all<{ store_id: string }>().map((r) => r.store_id);
  }

  get publicKeys(): Record<string, string> {
    return { [this.signer.keyId]: this.signer.keys.publicKey };
  }
}
