// Builds, signs (Ed25519) and stores versioned config bundles per store; the MQTT link publishes them retained.
//
// Reading a stored bundle back (get) trusts the hub's own rows: each is sealed at publish with the
// hub's key over its store, version and content hash (hub/config-seal.ts says why that is enough:
// the stored JSON is check()'s zod output, so a second parse is idempotent), and a sealed row is
// JSON.parse'd, not re-validated with ConfigContentSchema (0.37 s for a 50,000-item catalog at each
// hub start). Rows from before the seal, or sealed by a rotated key, are zod-parsed as before; a row
// whose seal fails is refused. What comes from outside (kiosks, HTTP, MQTT) is validated where it
// enters, as before. forFact reuses the bundle's own catalog when the fact names the catalog version
// the bundle was published with (the same products), instead of reading that catalog again.
import type { z } from "zod";
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import { signEnvelope, type KeyPair, type SignedEnvelope } from "../protocol/signing.js";
import { ConfigContentSchema, type ConfigContent } from "../protocol/messages.js";
import { parseRulesConfig, type Product } from "../protocol/rules/config.js";
import { isRulesError } from "../protocol/rules/errors.js";
import { HubError } from "./errors.js";
import { CatalogLog } from "./catalog-log.js";
import { openStoredContent, sealContent } from "./config-seal.js";

export interface SigningIdentity {
  keyId: string;
  keys: KeyPair;
}

export interface PublishedConfig {
  storeId: string;
  version: number;
  envelope: SignedEnvelope;
  content: ConfigContent;
  /** The store catalog version this bundle's catalog was recorded as (absent: published before catalog deltas). */
  catalogVersion?: number;
}

/**
 * A published config whose signed envelope is read when first asked for. The envelope is as large as
 * the content again (a 50,000-item config: 10 MB more to read and parse) and only a bundle sent to a
 * kiosk needs it; ingest and the back office read the content.
 */
function withEnvelope(config: Omit<PublishedConfig, "envelope">, envelope: () => SignedEnvelope): PublishedConfig {
  return Object.defineProperty(config, "envelope", { enumerable: true, get: envelope }) as PublishedConfig;
}

function catalogVersionOf(config: PublishedConfig): { catalogVersion?: number } {
  return config.catalogVersion !== undefined ? { catalogVersion: config.catalogVersion } : {};
}

export type ConfigScope = { kind: "chain" } | { kind: "store"; storeId: string };

function scopeKey(scope: ConfigScope): string {
  return scope.kind === "chain" ? "chain" : `store:${scope.storeId}`;
}

/** zod issues as "path: problem", unknown keys named by their full path (device.verificaton: unknown key). */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 10)
    .map((i) => {
      const at = i.path.map(String);
      if (i.code === "unrecognized_keys") return i.keys.map((k) => `${[...at, k].join(".")}: unknown key`).join("; ");
      return `${at.join(".") || "(root)"}: ${i.message}`;
    })
    .join("; ");
}

/** The sections a bundle is built from; a store whose layers lack one keeps the version in force's. */
const SECTIONS = ["rules", "device"] as const;

/** Unknown keys anywhere in a (possibly partial) layer, as dotted paths; other problems wait for the composed bundle. */
export function unknownKeysInLayer(layer: Record<string, unknown>): string[] {
  const probe = ConfigContentSchema.safeParse({ rules: {}, device: {}, ...layer, version: 1, chainId: "probe", storeId: "probe", issuedAt: 0 });
  if (probe.success) return [];
  return probe.error.issues.flatMap((i) => (i.code === "unrecognized_keys" ? i.keys.map((k) => [...i.path.map(String), k].join(".")) : []));
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
  /** The per-store catalog changelog: each publish records its catalog there (a new version only when it changed). */
  readonly catalogs: CatalogLog;
  private readonly slim = new WeakMap<PublishedConfig, SignedEnvelope>();
  private readonly assembled = new Map<string, PublishedConfig>();
  private readonly pricingCatalogs = new Map<string, Product[]>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly chainId: string,
    private readonly signer: SigningIdentity,
  ) {
    this.catalogs = new CatalogLog(db, clock, chainId, (v) => this.sign(v));
  }

  /** Validates `draft` as the store's bundle `version` (the rules' cross-checks too); throws INVALID_INPUT naming the field. */
  check(storeId: string, draft: Record<string, unknown>, version = 1): ConfigContent {
    if (draft.rules !== undefined) {
      try {
        parseRulesConfig(draft.rules);
      } catch (err) {
        if (isRulesError(err)) throw new HubError("INVALID_INPUT", err.field ? `config: rules.${err.message}` : `config: rules: ${err.message}`);
        throw err;
      }
    }
    const { version: _v, chainId: _c, storeId: _s, issuedAt: _i, ...body } = draft;
    const parsed = ConfigContentSchema.safeParse({ ...body, version, chainId: this.chainId, storeId, issuedAt: this.clock.now() });
    if (!parsed.success) throw new HubError("INVALID_INPUT", `config: ${describeIssues(parsed.error.issues)}`);
    return parsed.data;
  }

  /** Validates `draft`, gives it the next version for the store, signs and stores it. */
  publish(storeId: string, draft: Pick<ConfigContent, "rules" | "device"> | Record<string, unknown>): PublishedConfig {
    const published = this.db.transaction(() => {
      const version = (this.db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM configs WHERE store_id = ?").get<{ v: number }>(storeId)?.v ?? 0) + 1;
      const content = this.check(storeId, draft as Record<string, unknown>, version);
      const envelope = signEnvelope(this.signer.keys, this.signer.keyId, content);
      const catalog = this.catalogs.recordInTx(storeId, content.rules.catalog, `config v${version}`);
      const seal = sealContent(this.signer.keyId, this.signer.keys, { chainId: this.chainId, storeId, version }, envelope.payload);
      this.db
        .prepare("INSERT INTO configs (store_id, version, envelope, content, created_at, catalog_version, content_seal) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run(storeId, version, JSON.stringify(envelope), envelope.payload, this.clock.now(), catalog.version, seal);
      return { config: { storeId, version, envelope, content, catalogVersion: catalog.version }, catalogChanged: catalog.changed };
    });
    if (published.catalogChanged) this.catalogs.announce(storeId, published.config.catalogVersion!);
    this.onPublished?.(published.config);
    return published.config;
  }

  /**
   * The bundle a kiosk that follows catalog deltas gets: the same content without the catalog
   * (`rules.catalog: []`, `catalogVersion` naming the store catalog version it was published with),
   * signed once per version. A bundle published before catalog deltas is sent whole.
   */
  kioskEnvelope(config: PublishedConfig): SignedEnvelope {
    if (config.catalogVersion === undefined) return config.envelope;
    let env = this.slim.get(config);
    if (!env) {
      env = this.sign({ ...config.content, rules: { ...config.content.rules, catalog: [] }, catalogVersion: config.catalogVersion });
      this.slim.set(config, env);
    }
    return env;
  }

  /**
   * The content a kiosk fact was priced with: the bundle `configVersion`, and when the fact names a
   * store catalog version, that catalog in place of the bundle's (cached per pair). Undefined when
   * either is unknown.
   */
  forFact(storeId: string, configVersion: number, catalogVersion?: number): PublishedConfig | undefined {
    const config = this.get(storeId, configVersion);
    if (!config || catalogVersion === undefined) return config;
    const key = `${storeId}\u0000${configVersion}\u0000${catalogVersion}`;
    let assembled = this.assembled.get(key);
    if (!assembled) {
      const catalog = this.catalogAt(storeId, catalogVersion, config);
      if (!catalog) return undefined;
      const content = { ...config.content, rules: { ...config.content.rules, catalog }, catalogVersion };
      assembled = withEnvelope({ storeId, version: configVersion, content, ...catalogVersionOf(config) }, () => config.envelope);
      this.assembled.set(key, assembled);
      if (this.assembled.size > 16) this.assembled.delete(this.assembled.keys().next().value as string);
    }
    return assembled;
  }

  /**
   * The catalog at `catalogVersion` for re-pricing, the same array for the same version (the pricing
   * index is cached per array). The version the bundle was published with holds the bundle's own
   * products (recorded from them, or unchanged by hash), so that one is not read again; skus and
   * barcodes are unique in a bundle and pricing finds products by them, so its order (the bundle's,
   * not by sku) does not matter. Kiosks' snapshots still come from CatalogLog.at.
   */
  private catalogAt(storeId: string, catalogVersion: number, config: PublishedConfig): Product[] | undefined {
    const key = `${storeId}\u0000${catalogVersion}`;
    let catalog = this.pricingCatalogs.get(key);
    if (!catalog) {
      catalog = catalogVersion === config.catalogVersion ? config.content.rules.catalog : this.catalogs.at(storeId, catalogVersion);
      if (!catalog) return undefined;
      this.pricingCatalogs.set(key, catalog);
      if (this.pricingCatalogs.size > 4) this.pricingCatalogs.delete(this.pricingCatalogs.keys().next().value as string);
    }
    return catalog;
  }

  /** The store's versions, newest first (at most `limit`). */
  versions(storeId: string, limit = 100): Array<{ version: number; createdAt: number }> {
    return this.db
      .prepare("SELECT version, created_at FROM configs WHERE store_id = ? ORDER BY version DESC LIMIT ?")
      .all<{ version: number; created_at: number }>(storeId, limit)
      .map((r) => ({ version: Number(r.version), createdAt: Number(r.created_at) }));
  }

  /** Replaces a layer: the chain's defaults or one store's overrides (validated when a bundle is built). */
  setLayer(scope: ConfigScope, body: Record<string, unknown>): void {
    if (!isPlainObject(body)) throw new HubError("INVALID_INPUT", "a config layer must be a JSON object");
    const unknown = unknownKeysInLayer(body);
    if (unknown.length > 0) throw new HubError("INVALID_INPUT", `config layer: ${unknown.map((k) => `${k}: unknown key`).join("; ")}`);
    this.db
      .prepare(
        "INSERT INTO config_layers (scope, body, updated_at) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
      )
      .run(scopeKey(scope), JSON.stringify(body), this.clock.now());
  }

  getLayer(scope: ConfigScope): Record<string, unknown> | undefined {
    const row = this.db.prepare("SELECT body FROM config_layers WHERE scope = ?").get<{ body: string }>(scopeKey(scope));
    return row ? (JSON.parse(row.body) as Record<string, unknown>) : undefined;
  }

  /**
   * The chain's defaults with the store's overrides on top: the draft `publishComposed` signs. A
   * section (rules, device) that the chain's layer lacks is taken from the store's version in force
   * (the store's overrides of it merge onto that), so a store that was published whole and then got
   * chain levels (PUT /bo/levels) keeps its device policy, and a store override of one device field
   * keeps the rest.
   * `replace` substitutes one layer (a draft being previewed) for the stored one.
   */
  compose(storeId: string, replace?: { scope: ConfigScope; body: Record<string, unknown> }): Record<string, unknown> {
    const layer = (scope: ConfigScope): Record<string, unknown> | undefined =>
      replace && scopeKey(replace.scope) === scopeKey(scope) ? replace.body : this.getLayer(scope);
    const chain = layer({ kind: "chain" });
    const store = layer({ kind: "store", storeId });
    const inForce = this.latest(storeId)?.content;
    if (!chain && !store && !inForce) throw new HubError("NO_CONFIG", `no chain defaults and no overrides for store ${storeId}`);
    // A section the chain's layer lacks is inherited from the version in force: the store's
    // overrides of it (a form that sets one field) merge onto that, not onto nothing.
    const base: Record<string, unknown> = { ...(chain ?? {}) };
    for (const section of SECTIONS) if (base[section] === undefined && inForce) base[section] = inForce[section];
    return mergeLayers(base, store ?? {});
  }

  /** Builds the store's bundle from the layers and publishes it as the next version. */
  publishComposed(storeId: string): PublishedConfig {
    return this.publish(storeId, this.compose(storeId));
  }

  /**
   * A stored bundle by version (the hub re-evaluates each sale with the version the kiosk used): a
   * sealed row is read as the hub stored it, an unsealed one zod-parsed; throws StoredConfigRefused
   * for a row whose seal fails (hub/config-seal.ts).
   */
  get(storeId: string, version: number): PublishedConfig | undefined {
    const key = `${storeId}\u0000${version}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const row = this.db
      .prepare("SELECT content, catalog_version, content_seal FROM configs WHERE store_id = ? AND version = ?")
      .get<{ content: string; catalog_version: number | null; content_seal: string | null }>(storeId, version);
    if (!row) return undefined;
    const signer = { keyId: this.signer.keyId, publicKey: this.signer.keys.publicKey };
    let envelope: SignedEnvelope | undefined;
    const config = withEnvelope(
      {
        storeId,
        version,
        content: openStoredContent(row.content_seal, signer, { chainId: this.chainId, storeId, version }, row.content),
        ...(row.catalog_version !== null ? { catalogVersion: Number(row.catalog_version) } : {}),
      },
      () => (envelope ??= this.storedEnvelope(storeId, version)),
    );
    this.cache.set(key, config);
    return config;
  }

  private storedEnvelope(storeId: string, version: number): SignedEnvelope {
    const row = this.db.prepare("SELECT envelope FROM configs WHERE store_id = ? AND version = ?").get<{ envelope: string }>(storeId, version);
    if (!row) throw new Error(`config ${storeId} v${version} is gone from the configs table`);
    return JSON.parse(row.envelope) as SignedEnvelope;
  }

  latest(storeId: string): PublishedConfig | undefined {
    const v = this.db.prepare("SELECT MAX(version) AS v FROM configs WHERE store_id = ?").get<{ v: number | null }>(storeId)?.v;
    return v ? this.get(storeId, v) : undefined;
  }

  stores(): string[] {
    return this.db
      .prepare("SELECT DISTINCT store_id FROM configs ORDER BY store_id")
      .all<{ store_id: string }>()
      .map((r) => r.store_id);
  }

  get publicKeys(): Record<string, string> {
    return { [this.signer.keyId]: this.signer.keys.publicKey };
  }

  /** Signs any value with the HQ key kiosks trust for config (remote commands, hub/fleet.ts). */
  sign(value: unknown): SignedEnvelope {
    return signEnvelope(this.signer.keys, this.signer.keyId, value);
  }
}
