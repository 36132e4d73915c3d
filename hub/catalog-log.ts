// The hub's per-store catalog changelog: records each published catalog as a version (per-sku rows valid from/to versions), builds the catalog at any version for re-pricing, and signs deltas and snapshots for kiosks.
//
// A version is recorded only when the catalog changed (by product hash), so a publish that changes the
// levels, or a price change already sent as a delta, makes no new catalog version. Rows are never
// rewritten: a changed product closes its row (to_version) and opens a new one, so the catalog at any
// version a kiosk priced a sale with can be built again, exactly. Built catalogs are cached per version
// (their array identity keeps the pricing index of protocol/rules/unit-price.ts cached too).
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import type { SignedEnvelope } from "../protocol/signing.js";
import type { Product } from "../protocol/rules/config.js";
import {
  CATALOG_DELTA_MAX_PUTS,
  EMPTY_CATALOG,
  catalogHashWith,
  catalogState,
  productHash,
  type CatalogMessage,
  type CatalogState,
} from "../protocol/catalog-delta.js";
import { jsonArraySql, jsonRecordsSql } from "./sql-dialect.js";

/** Catalogs at older versions kept built in memory (each 50,000 items is about 25 MB). */
const BUILT_CACHE = 4;
/** Stores whose newest catalog is kept in memory (publishing, snapshots, re-pricing at the newest version). */
const HEADS_CACHE = 8;
/** Rows per bulk statement. */
const CHUNK = 2_000;

export interface RecordedCatalog {
  version: number;
  changed: boolean;
  put: number;
  removed: number;
}

/** A cached head: the newest version's hashes, and its products once someone needed them (head(), or a publish that built them). */
interface HeadEntry {
  version: number;
  catalogHash: string;
  hashes: ReadonlyMap<string, string>;
  products?: ReadonlyMap<string, Product>;
}

export type CatalogAnswer = { kind: "up-to-date"; version: number } | { kind: "signed"; envelope: SignedEnvelope; message: CatalogMessage };

export class CatalogLog {
  /** Called by announce() after a new version is committed (the MQTT link pushes its delta to the store's kiosks). */
  onChange: ((storeId: string, version: number) => void) | undefined;
  private readonly heads = new Map<string, HeadEntry>();
  private readonly built = new Map<string, Product[]>();
  private readonly signed = new Map<string, { envelope: SignedEnvelope; message: CatalogMessage }>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly chainId: string,
    private readonly sign: (value: unknown) => SignedEnvelope,
  ) {}

  /** The store's newest catalog version (0: none recorded). */
  latestVersion(storeId: string): number {
    return Number(this.db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM catalog_versions WHERE store_id = ?").get<{ v: number }>(storeId)?.v ?? 0);
  }

  /** The store's newest catalog version and its stored hash (version 0 and the empty catalog's hash: none recorded). */
  private newest(storeId: string): { version: number; catalogHash: string } {
    const r = this.db
      .prepare("SELECT version, catalog_hash FROM catalog_versions WHERE store_id = ? ORDER BY version DESC LIMIT 1")
      .get<{ version: number; catalog_hash: string }>(storeId);
    return r ? { version: Number(r.version), catalogHash: r.catalog_hash } : { version: 0, catalogHash: EMPTY_CATALOG.catalogHash };
  }

  /** The cached head of the store if it is still the newest version (same version and stored hash: another hub instance may have recorded one). */
  private cachedHead(storeId: string, newest: { version: number; catalogHash: string }): HeadEntry | undefined {
    const cached = this.heads.get(storeId);
    return cached && cached.version === newest.version && cached.catalogHash === newest.catalogHash ? cached : undefined;
  }

  /**
   * The newest version with every product and its hash (cached; reloaded when another hub instance
   * recorded one). The catalog hash is the one stored with the version (catalogHashWith kept it as
   * rows changed), not summed again over every product.
   */
  head(storeId: string): CatalogState {
    const newest = this.newest(storeId);
    const cached = this.cachedHead(storeId, newest);
    if (cached?.products) return { version: cached.version, products: cached.products, hashes: cached.hashes, catalogHash: cached.catalogHash };
    const rows = this.db
      .prepare("SELECT sku, body, hash FROM catalog_items WHERE store_id = ? AND to_version IS NULL ORDER BY sku")
      .all<{ sku: string; body: string; hash: string }>(storeId);
    const products = new Map<string, Product>();
    const hashes = new Map<string, string>();
    for (const r of rows) {
      products.set(r.sku, JSON.parse(r.body) as Product);
      hashes.set(r.sku, r.hash);
    }
    const head: CatalogState = { version: newest.version, products, hashes, catalogHash: newest.catalogHash };
    this.cacheHead(storeId, head);
    return head;
  }

  /** The newest version's product hashes only (what a publish diffs against): the skus and hashes, not the products' bodies. */
  private headHashes(storeId: string): HeadEntry {
    const newest = this.newest(storeId);
    const cached = this.cachedHead(storeId, newest);
    if (cached) return cached;
    const hashes = new Map(
      this.db
        .prepare("SELECT sku, hash FROM catalog_items WHERE store_id = ? AND to_version IS NULL ORDER BY sku")
        .all<{ sku: string; hash: string }>(storeId)
        .map((r) => [r.sku, r.hash] as const),
    );
    const head: HeadEntry = { version: newest.version, hashes, catalogHash: newest.catalogHash };
    this.cacheHead(storeId, head);
    return head;
  }

  /** recordInTx in a transaction of its own; announces a new version after the commit. */
  record(storeId: string, catalog: readonly Product[], source: string): RecordedCatalog {
    const out = this.db.transaction(() => this.recordInTx(storeId, catalog, source));
    if (out.changed) this.announce(storeId, out.version);
    return out;
  }

  /**
   * Records `catalog` (products as parsed by ProductSchema) as the store's newest version if it differs
   * from the one in force, inside the caller's transaction (which announces it after its commit).
   */
  recordInTx(storeId: string, catalog: readonly Product[], source: string): RecordedCatalog {
    const head = this.headHashes(storeId);
    const next = catalogState(head.version + 1, catalog);
    const put: Product[] = [];
    for (const [sku, h] of next.hashes) if (head.hashes.get(sku) !== h) put.push(next.products.get(sku)!);
    const removed = [...head.hashes.keys()].filter((sku) => !next.hashes.has(sku));
    return this.writeState(storeId, head, next, put, removed, source);
  }

  /** The product `sku` in the store's newest catalog version, if it has it (one row, not the whole catalog). */
  liveProduct(storeId: string, sku: string): Product | undefined {
    const r = this.db.prepare("SELECT body FROM catalog_items WHERE store_id = ? AND sku = ? AND to_version IS NULL").get<{ body: string }>(storeId, sku);
    return r ? (JSON.parse(r.body) as Product) : undefined;
  }

  /**
   * Records the newest version with `put` products replaced or added and `remove` skus gone, inside the
   * caller's transaction, in steps proportional to the change: only the rows of those skus are read,
   * and the catalog hash is updated (a chain-wide price change touches every store this way).
   */
  changeInTx(storeId: string, put: readonly Product[], remove: readonly string[], source: string): RecordedCatalog {
    const cur = this.db
      .prepare("SELECT version, catalog_hash, items FROM catalog_versions WHERE store_id = ? ORDER BY version DESC LIMIT 1")
      .get<{ version: number; catalog_hash: string; items: number }>(storeId);
    const version = Number(cur?.version ?? 0);
    const skus = jsonArraySql(this.db, "?", "x");
    const held = new Map(
      this.db
        .prepare(`SELECT sku, hash FROM catalog_items WHERE store_id = ? AND to_version IS NULL AND sku IN (SELECT ${skus.value} FROM ${skus.from})`)
        .all<{ sku: string; hash: string }>(storeId, JSON.stringify([...put.map((p) => p.sku), ...remove]))
        .map((r) => [r.sku, r.hash] as const),
    );
    const minus: Array<[string, string]> = [];
    const plus: Array<[string, string]> = [];
    const rows: Array<{ product: Product; hash: string }> = [];
    const gone: string[] = [];
    let items = Number(cur?.items ?? 0);
    for (const sku of new Set(remove)) {
      const old = held.get(sku);
      if (old === undefined) continue;
      minus.push([sku, old]);
      held.delete(sku);
      gone.push(sku);
      items--;
    }
    for (const p of put) {
      const h = productHash(p);
      const old = held.get(p.sku);
      if (old === h) continue;
      if (old === undefined) items++;
      else minus.push([p.sku, old]);
      plus.push([p.sku, h]);
      held.set(p.sku, h);
      rows.push({ product: p, hash: h });
    }
    if (version > 0 && rows.length === 0 && gone.length === 0) return { version, changed: false, put: 0, removed: 0 };
    const hash = catalogHashWith(cur?.catalog_hash ?? EMPTY_CATALOG.catalogHash, minus, plus);
    const closing = [...minus.map(([sku]) => sku)];
    const out = this.write(storeId, version + 1, closing, rows, gone.length, hash, items, source);
    // The cached head is one version behind now: the next head() reads it again.
    this.heads.delete(storeId);
    return out;
  }

  private writeState(
    storeId: string,
    head: HeadEntry,
    next: CatalogState,
    put: readonly Product[],
    removed: readonly string[],
    source: string,
  ): RecordedCatalog {
    if (put.length === 0 && removed.length === 0 && head.version > 0) return { version: head.version, changed: false, put: 0, removed: 0 };
    const closing = [...put.filter((p) => head.hashes.has(p.sku)).map((p) => p.sku), ...removed];
    const rows = put.map((p) => ({ product: p, hash: next.hashes.get(p.sku)! }));
    const out = this.write(storeId, next.version, closing, rows, removed.length, next.catalogHash, next.products.size, source);
    // Inside a caller's transaction this may still roll back: head() sees the version differ and reloads.
    this.cacheHead(storeId, next);
    return out;
  }

  private cacheHead(storeId: string, head: HeadEntry): void {
    this.heads.delete(storeId);
    this.heads.set(storeId, head);
    while (this.heads.size > HEADS_CACHE) this.heads.delete(this.heads.keys().next().value as string);
  }

  private write(
    storeId: string,
    v: number,
    closing: readonly string[],
    put: ReadonlyArray<{ product: Product; hash: string }>,
    removed: number,
    hash: string,
    items: number,
    source: string,
  ): RecordedCatalog {
    const skus = jsonArraySql(this.db, "?", "x");
    for (let i = 0; i < closing.length; i += CHUNK) {
      this.db
        .prepare(`UPDATE catalog_items SET to_version = ? WHERE store_id = ? AND to_version IS NULL AND sku IN (SELECT ${skus.value} FROM ${skus.from})`)
        .run(v, storeId, JSON.stringify(closing.slice(i, i + CHUNK)));
    }
    const rec = jsonRecordsSql(this.db, "r", [
      ["sku", "text"],
      ["body", "text"],
      ["hash", "text"],
    ]);
    for (let i = 0; i < put.length; i += CHUNK) {
      const rows = put.slice(i, i + CHUNK).map((r) => ({ sku: r.product.sku, body: JSON.stringify(r.product), hash: r.hash }));
      this.db
        .prepare(
          `INSERT INTO catalog_items (store_id, sku, from_version, to_version, body, hash)
           SELECT ?, ${rec.column("sku")}, ?, NULL, ${rec.column("body")}, ${rec.column("hash")} FROM ${rec.from}`,
        )
        .run(storeId, v, JSON.stringify(rows));
    }
    this.db
      .prepare("INSERT INTO catalog_versions (store_id, version, catalog_hash, items, put, removed, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(storeId, v, hash, items, put.length, removed, source.slice(0, 64), this.clock.now());
    return { version: v, changed: true, put: put.length, removed };
  }

  /** After the transaction that recorded `version` committed: the MQTT link pushes the delta (a kiosk asking for it must find it). */
  announce(storeId: string, version: number): void {
    this.onChange?.(storeId, version);
  }

  /** The catalog at `version` as pricing consumes it (the same array for the same version while cached); undefined when unknown. */
  at(storeId: string, version: number): Product[] | undefined {
    const key = `${storeId}\u0000${version}`;
    const hit = this.built.get(key);
    if (hit) {
      this.built.delete(key);
      this.built.set(key, hit);
      return hit;
    }
    const known = this.db
      .prepare("SELECT items, catalog_hash FROM catalog_versions WHERE store_id = ? AND version = ?")
      .get<{ items: number; catalog_hash: string }>(storeId, version);
    if (!known) return undefined;
    // A cached head of this very version (same stored hash) has the products; otherwise they are read
    // for this version alone, without their hashes or the head's (re-pricing needs only the products).
    const cached = this.heads.get(storeId);
    const newest = cached?.products && cached.version === version && cached.catalogHash === known.catalog_hash ? cached.products : undefined;
    const catalog = newest
      ? [...newest.values()]
      : this.db
          .prepare("SELECT body FROM catalog_items WHERE store_id = ? AND from_version <= ? AND (to_version IS NULL OR to_version > ?) ORDER BY sku")
          .all<{ body: string }>(storeId, version, version)
          .map((r) => JSON.parse(r.body) as Product);
    this.built.set(key, catalog);
    while (this.built.size > BUILT_CACHE) this.built.delete(this.built.keys().next().value as string);
    return catalog;
  }

  /** What a kiosk holding `from` needs: nothing, the delta to the newest version, or a snapshot (new, unknown base, or a change bigger than half the catalog). */
  answer(storeId: string, from: number): CatalogAnswer {
    const latest = this.latestVersion(storeId);
    if (latest === 0 || from === latest) return { kind: "up-to-date", version: latest };
    return { kind: "signed", ...this.signedMessage(storeId, from, latest) };
  }

  /** The signed message from `from` to `to` (a snapshot at `to` when a delta does not fit), cached by its versions. */
  signedMessage(storeId: string, from: number, to: number): { envelope: SignedEnvelope; message: CatalogMessage } {
    const key = `${storeId}\u0000${from}\u0000${to}`;
    const hit = this.signed.get(key);
    if (hit) return hit;
    const message = this.message(storeId, from, to);
    const out = { envelope: this.sign(message), message };
    this.signed.set(key, out);
    if (this.signed.size > 64) this.signed.delete(this.signed.keys().next().value as string);
    return out;
  }

  private message(storeId: string, from: number, to: number): CatalogMessage {
    const target = this.db
      .prepare("SELECT catalog_hash, items FROM catalog_versions WHERE store_id = ? AND version = ?")
      .get<{ catalog_hash: string; items: number }>(storeId, to);
    if (!target) throw new Error(`store ${storeId} has no catalog version ${to}`);
    const base =
      from > 0 && from < to ? this.db.prepare("SELECT 1 AS one FROM catalog_versions WHERE store_id = ? AND version = ?").get(storeId, from) : undefined;
    const issuedAt = this.clock.now();
    if (base) {
      const put = this.db
        .prepare(
          "SELECT body FROM catalog_items WHERE store_id = ? AND from_version > ? AND from_version <= ? AND (to_version IS NULL OR to_version > ?) ORDER BY sku",
        )
        .all<{ body: string }>(storeId, from, to, to)
        .map((r) => JSON.parse(r.body) as Product);
      if (put.length <= CATALOG_DELTA_MAX_PUTS && put.length * 2 <= Number(target.items)) {
        const remove = this.db
          .prepare(
            `SELECT a.sku FROM catalog_items a WHERE a.store_id = ? AND a.from_version <= ? AND a.to_version > ? AND a.to_version <= ?
               AND NOT EXISTS (SELECT 1 FROM catalog_items b WHERE b.store_id = a.store_id AND b.sku = a.sku AND b.from_version <= ? AND (b.to_version IS NULL OR b.to_version > ?))
             ORDER BY a.sku`,
          )
          .all<{ sku: string }>(storeId, from, from, to, to, to)
          .map((r) => r.sku);
        return {
          kind: "delta",
          chainId: this.chainId,
          storeId,
          fromVersion: from,
          toVersion: to,
          put,
          remove,
          catalogHash: target.catalog_hash,
          items: Number(target.items),
          issuedAt,
        };
      }
    }
    return { kind: "snapshot", chainId: this.chainId, storeId, version: to, products: this.at(storeId, to) ?? [], catalogHash: target.catalog_hash, issuedAt };
  }
}
