// Catalog deltas and snapshots: the signed messages that carry a store's catalog changelog, the catalog hash both sides compute, and the pure plan of applying one.
//
// A store's catalog has its own version, separate from the config bundle's: version v+1 is version v
// with some products put (added or replaced, whole) and some skus removed. The hub signs each message
// with its config key; the message names the version it applies to (`fromVersion`), the version it
// makes, and the hash of the catalog that results (`catalogHash`), so a kiosk verifies the
// signature, refuses a delta whose base is not exactly what it holds (and asks for the gap), and
// refuses a result that does not hash to what the hub computed. A snapshot is the whole catalog at a
// version (new kiosks, kiosks too far behind, a hash mismatch).
import { createHash } from "node:crypto";
import { z } from "zod";
import { ProductSchema, type Product } from "./rules/config.js";
import { IdSchema } from "./rules/config-common.js";

/** The most products one delta carries; a larger change goes as a snapshot. */
export const CATALOG_DELTA_MAX_PUTS = 20_000;
/** The most products in a catalog (the back office's import limit). */
export const CATALOG_MAX_PRODUCTS = 100_000;

const version = z.number().int().nonnegative();
const sha256 = z.string().regex(/^[a-f0-9]{64}$/);
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const CatalogDeltaSchema = z.strictObject({
  kind: z.literal("delta"),
  chainId: id,
  storeId: id,
  fromVersion: version,
  toVersion: z.number().int().positive(),
  /** Products added or replaced (the whole product). */
  put: z.array(ProductSchema).max(CATALOG_DELTA_MAX_PUTS),
  /** Skus that leave the catalog. */
  remove: z.array(IdSchema).max(CATALOG_MAX_PRODUCTS),
  /** The hash of the catalog at toVersion (catalogHash()). */
  catalogHash: sha256,
  /** Products in the catalog at toVersion. */
  items: z.number().int().nonnegative(),
  issuedAt: z.number().int().nonnegative(),
});
export type CatalogDelta = z.infer<typeof CatalogDeltaSchema>;

export const CatalogSnapshotSchema = z.strictObject({
  kind: z.literal("snapshot"),
  chainId: id,
  storeId: id,
  version: z.number().int().positive(),
  products: z.array(ProductSchema).max(CATALOG_MAX_PRODUCTS),
  catalogHash: sha256,
  issuedAt: z.number().int().nonnegative(),
});
export type CatalogSnapshot = z.infer<typeof CatalogSnapshotSchema>;

/** What travels inside the signed envelope on the catalog topics. */
export const CatalogMessageSchema = z.discriminatedUnion("kind", [CatalogDeltaSchema, CatalogSnapshotSchema]);
export type CatalogMessage = z.infer<typeof CatalogMessageSchema>;

/** A kiosk's pull: "I hold this version (0: none), send me what follows". */
export const CatalogRequestSchema = z.strictObject({ version, catalogHash: sha256.optional() });
export type CatalogRequest = z.infer<typeof CatalogRequestSchema>;

/** The hub's answer when the kiosk already holds the newest version (nothing signed is needed). */
export const CatalogUpToDateSchema = z.strictObject({ kind: z.literal("up-to-date"), version });

/** JSON with object keys sorted at every depth: one spelling per product, whatever order its keys were built in. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => stableJson(v === undefined ? null : v)).join(",")}]`;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(",")}}`;
}

/** sha256 (hex) of one product as parsed by ProductSchema (defaults filled), in stable JSON. */
export function productHash(p: Product): string {
  return createHash("sha256").update(stableJson(p)).digest("hex");
}

const MOD = 1n << 256n;
const term = (sku: string, hash: string): bigint => BigInt(`0x${createHash("sha256").update(`${sku}:${hash}`).digest("hex")}`);
const hex = (n: bigint): string => n.toString(16).padStart(64, "0");

/**
 * The hash of a catalog from its products' hashes (sku -> productHash): the sum, modulo 2^256, of
 * sha256(`sku:productHash`) over its products (a set hash, order-free). A change updates it in steps
 * proportional to the change (catalogHashWith). It checks that a kiosk's catalog is the hub's; that a
 * message comes from the hub is the signature's job, so it need not resist a forger.
 */
export function catalogHash(hashes: ReadonlyMap<string, string>): string {
  let sum = 0n;
  for (const [sku, h] of hashes) sum += term(sku, h);
  return hex(sum % MOD);
}

/** `current` (a catalogHash) with products left out (`minus`: sku and old product hash) and put in (`plus`). */
export function catalogHashWith(
  current: string,
  minus: Iterable<readonly [sku: string, hash: string]>,
  plus: Iterable<readonly [sku: string, hash: string]>,
): string {
  let sum = BigInt(`0x${current}`);
  for (const [sku, h] of minus) sum -= term(sku, h);
  for (const [sku, h] of plus) sum += term(sku, h);
  return hex(((sum % MOD) + MOD) % MOD);
}

/** A catalog at one version with each product's hash (what a kiosk holds, and the hub's head). */
export interface CatalogState {
  version: number;
  products: ReadonlyMap<string, Product>;
  hashes: ReadonlyMap<string, string>;
  catalogHash: string;
}

export const EMPTY_CATALOG: CatalogState = { version: 0, products: new Map(), hashes: new Map(), catalogHash: catalogHash(new Map()) };

export function catalogState(version: number, products: Iterable<Product>): CatalogState {
  const byS = new Map<string, Product>();
  const hashes = new Map<string, string>();
  for (const p of products) {
    byS.set(p.sku, p);
    hashes.set(p.sku, productHash(p));
  }
  return { version, products: byS, hashes, catalogHash: catalogHash(hashes) };
}

/** Why a message is not applied: already held, a gap (pull from our version), or a result that is not the hub's (take a snapshot). */
export type CatalogRefusal = "STALE" | "GAP" | "HASH_MISMATCH" | "WRONG_STORE";

export type CatalogPlan =
  | { ok: true; next: CatalogState; put: Product[]; remove: string[]; replace: boolean }
  | { ok: false; reason: CatalogRefusal; message: string };

/**
 * What applying a verified message to `held` gives, checked before anything is written: the delta's
 * base must be exactly the held version, and the result must hash to the hub's catalogHash.
 */
export function planCatalog(held: CatalogState, msg: CatalogMessage, store: { chainId: string; storeId: string }): CatalogPlan {
  if (msg.chainId !== store.chainId || msg.storeId !== store.storeId)
    return { ok: false, reason: "WRONG_STORE", message: `catalog for ${msg.chainId}/${msg.storeId}` };
  if (msg.kind === "snapshot") {
    if (msg.version <= held.version) return { ok: false, reason: "STALE", message: `snapshot ${msg.version}, holding ${held.version}` };
    const next = catalogState(msg.version, msg.products);
    if (next.products.size !== msg.products.length) return { ok: false, reason: "HASH_MISMATCH", message: "snapshot repeats a sku" };
    if (next.catalogHash !== msg.catalogHash)
      return { ok: false, reason: "HASH_MISMATCH", message: `snapshot ${msg.version} does not hash to its catalogHash` };
    return { ok: true, next, put: msg.products, remove: [], replace: true };
  }
  if (msg.toVersion <= held.version) return { ok: false, reason: "STALE", message: `delta to ${msg.toVersion}, holding ${held.version}` };
  if (msg.fromVersion !== held.version) return { ok: false, reason: "GAP", message: `delta from ${msg.fromVersion}, holding ${held.version}` };
  const products = new Map(held.products);
  const hashes = new Map(held.hashes);
  const minus: Array<[string, string]> = [];
  const plus: Array<[string, string]> = [];
  for (const sku of msg.remove) {
    const old = hashes.get(sku);
    if (old !== undefined) minus.push([sku, old]);
    products.delete(sku);
    hashes.delete(sku);
  }
  for (const p of msg.put) {
    const old = hashes.get(p.sku);
    if (old !== undefined) minus.push([p.sku, old]);
    const h = productHash(p);
    plus.push([p.sku, h]);
    products.set(p.sku, p);
    hashes.set(p.sku, h);
  }
  const next: CatalogState = { version: msg.toVersion, products, hashes, catalogHash: catalogHashWith(held.catalogHash, minus, plus) };
  if (products.size !== msg.items || next.catalogHash !== msg.catalogHash) {
    return { ok: false, reason: "HASH_MISMATCH", message: `delta ${msg.fromVersion}->${msg.toVersion} does not give the hub's catalog` };
  }
  return { ok: true, next, put: msg.put, remove: msg.remove, replace: false };
}

/** The delta from `from` to `to` (both whole states): products whose hash changed or that are new, skus gone. */
export function diffCatalog(from: CatalogState, to: CatalogState): { put: Product[]; remove: string[] } {
  const put: Product[] = [];
  for (const [sku, h] of to.hashes) if (from.hashes.get(sku) !== h) put.push(to.products.get(sku)!);
  const remove = [...from.hashes.keys()].filter((sku) => !to.hashes.has(sku));
  return { put, remove };
}
