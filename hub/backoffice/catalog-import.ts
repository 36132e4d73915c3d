// The catalog in the config drafts: a paged, searchable read (50,000 items stay usable) and a CSV/XLSX import checked row by row that writes the whole catalog into a draft layer or nothing.
//
// The upload is spooled to disk and read as a stream (member-import.ts readSheetRows, the same
// reader as the member import). Every row is checked with the kiosks' ProductSchema; when any row
// is bad the answer lists them (row numbers as in the file, the header is row 1) and nothing is
// written. A column the catalog does not know refuses the file before any row. The catalog then
// goes into the chain defaults or one store's overrides through the same check as every draft
// (the bundle of each store it affects must still parse, cross-checks included).
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { CardClass, Product } from "../../protocol/rules/config.js";
import { ImportError, readSheetRows } from "../member-import.js";
import type { ConfigScope } from "../config-service.js";
import { HubError } from "../errors.js";
import { MANAGERS, requireStore, type Principal } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id } from "./schemas.js";
import { checkLayer } from "./config-drafts.js";
import { spool } from "./import.js";
import { catalogItemFromCells, mapCatalogHeader } from "./catalog-columns.js";

/** A catalog file is at most this big (or settings.import.maxBytes when that is smaller). */
export const CATALOG_IMPORT_MAX_BYTES = 32 * 1024 * 1024;
/** Items in one catalog. */
export const CATALOG_MAX_ITEMS = 100_000;
/** Bad rows listed in a refusal (all are counted). */
const MAX_LISTED_ERRORS = 500;

export interface CatalogRowError {
  row: number;
  field?: string;
  message: string;
}

export interface CatalogReadResult {
  rows: number;
  items: Product[];
  errors: CatalogRowError[];
  rejected: number;
}

/** Reads and checks every row of a catalog file already on disk (sku and barcode unique across the file; class prices only for `cardClasses`). */
export async function readCatalogFile(
  path: string,
  format: "csv" | "xlsx",
  existing: readonly Product[],
  cardClasses: readonly CardClass[],
): Promise<CatalogReadResult> {
  const bySku = new Map(existing.map((p) => [p.sku, p]));
  const classIds = new Set(cardClasses.map((c) => c.id));
  const items: Product[] = [];
  const errors: CatalogRowError[] = [];
  const skuRow = new Map<string, number>();
  const barcodeRow = new Map<string, number>();
  let rows = 0;
  let rejected = 0;
  const bad = (e: CatalogRowError): void => {
    rejected++;
    if (errors.length < MAX_LISTED_ERRORS) errors.push(e);
  };
  for await (const src of readSheetRows(path, { format, onHeader: (h) => void mapCatalogHeader(h) })) {
    rows++;
    if (rows > CATALOG_MAX_ITEMS) throw new HubError("TOO_LARGE", `a catalog has at most ${CATALOG_MAX_ITEMS} items: this file has more`);
    const r = catalogItemFromCells(src.cells, bySku, classIds);
    if (!r.ok) {
      bad({ row: src.row, ...(r.field ? { field: r.field } : {}), message: r.message });
      continue;
    }
    const dupSku = skuRow.get(r.item.sku);
    if (dupSku !== undefined) {
      bad({ row: src.row, field: "sku", message: `sku '${r.item.sku}' is already on row ${dupSku}` });
      continue;
    }
    const dupBarcode = r.item.barcode === undefined ? undefined : barcodeRow.get(r.item.barcode);
    if (dupBarcode !== undefined) {
      bad({ row: src.row, field: "barcode", message: `barcode ${r.item.barcode} is already on row ${dupBarcode}` });
      continue;
    }
    skuRow.set(r.item.sku, src.row);
    if (r.item.barcode !== undefined) barcodeRow.set(r.item.barcode, src.row);
    items.push(r.item);
  }
  return { rows, items, errors, rejected };
}

function scopeOf(storeId: string | undefined): ConfigScope {
  return storeId ? { kind: "store", storeId } : { kind: "chain" };
}

function requireScope(p: Principal, scope: ConfigScope): void {
  if (scope.kind === "chain" && p.role !== "hq-admin") throw new HubError("FORBIDDEN", "the chain's catalog needs an hq-admin");
  if (scope.kind === "store") requireStore(p, scope.storeId);
}

const rulesOf = (layer: Record<string, unknown> | undefined): Record<string, unknown> | undefined =>
  typeof layer?.rules === "object" && layer.rules !== null ? (layer.rules as Record<string, unknown>) : undefined;

/** The catalog a draft of `scope` starts from: the layer's own, else what it inherits (chain rules in force; for a store, the composed draft). */
export function draftCatalog(d: BackofficeDeps, scope: ConfigScope): { items: Product[]; own: boolean } {
  const own = rulesOf(d.configs.getLayer(scope))?.catalog;
  if (Array.isArray(own)) return { items: own as Product[], own: true };
  if (scope.kind === "chain") return { items: d.rules.chain().catalog, own: false };
  const composed = rulesOf(d.configs.compose(scope.storeId))?.catalog;
  return { items: Array.isArray(composed) ? (composed as Product[]) : d.rules.forStore(scope.storeId).catalog, own: false };
}

/** The card classes a draft of `scope` has (its own list, else the chain's draft or rules in force), for the class price columns. */
export function draftCardClasses(d: BackofficeDeps, scope: ConfigScope): CardClass[] {
  const own = rulesOf(d.configs.getLayer(scope))?.cardClasses;
  if (Array.isArray(own)) return own as CardClass[];
  if (scope.kind === "chain") return d.rules.chain().cardClasses;
  const composed = rulesOf(d.configs.compose(scope.storeId))?.cardClasses;
  return Array.isArray(composed) ? (composed as CardClass[]) : d.rules.forStore(scope.storeId).cardClasses;
}

const TYPES = ["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream"] as const;
const Item = z.looseObject({ sku: z.string(), name: z.string(), category: z.string(), priceFen: z.number() });
const CatalogPage = z.looseObject({ total: z.number().int(), offset: z.number().int(), own: z.boolean(), items: z.array(Item) });
const ImportDone = z.looseObject({
  applied: z.literal(true),
  scope: z.enum(["chain", "store"]),
  rows: z.number().int(),
  items: z.number().int(),
  added: z.number().int(),
  changed: z.number().int(),
  removed: z.number().int(),
  unchanged: z.number().int(),
  seconds: z.number(),
});

export function registerCatalogRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "get",
      path: "/config/catalog",
      tag: "config",
      summary: "One page of the draft catalog (chain defaults, or with storeId what that store's draft has), searchable",
      description:
        "`q` matches sku, barcode, name, category or brand (case-insensitive). `own` says whether the layer has its own catalog (a store's catalog override replaces the chain's whole list) or inherits it.",
      roles: MANAGERS,
      query: z.strictObject({
        storeId: Id.optional(),
        q: z.string().max(100).optional(),
        offset: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
      response: CatalogPage,
    },
    ({ query, principal }) => {
      const scope = scopeOf(query.storeId);
      if (scope.kind === "store") requireStore(principal, scope.storeId);
      const { items, own } = draftCatalog(d, scope);
      const q = query.q?.trim().toLowerCase();
      const hits = q ? items.filter((p) => [p.sku, p.barcode, p.name, p.category, p.brand].some((v) => v?.toLowerCase().includes(q))) : items;
      return { total: hits.length, offset: query.offset, own, items: hits.slice(query.offset, query.offset + query.limit) };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/config/catalog/import",
      tag: "config",
      summary: "Import the catalog from a CSV or XLSX file into the chain defaults draft (or a store's overrides with storeId); all rows or none",
      description:
        "The body is the file (text/csv or the XLSX type; `format` says which for application/octet-stream). Columns by name (header row): sku, name, category and price (yuan) or priceFen are required; barcode, brand, memberPrice/memberPriceFen, plusPrice/plusPriceFen, promotional, paidMembersOnly, specialPoints are optional, and one column per card class for its price: `classPrice:<card class id>` (yuan) or `classPriceFen:<card class id>` (fen); Chinese names work too (商品编码, 条码, 名称, 分类, 品牌, 售价, 会员价, PLUS价, 促销, 仅付费会员, 积分规则 or 特殊积分, `卡类价:<card class id>`). specialPoints is `none`, `fixed:<points>`, `percent:<percent>` or `per-amount:<fen per point>` (不积分, 固定:5, 比例:5, 每金额:10000) or the rule as JSON. A price for a card class the draft does not have refuses that row (field `classPricesFen.<id>`). An unknown column refuses the file (400, naming it). Each row is checked with the kiosks' product schema: if any row is bad the answer is 422 REFUSED (reason CATALOG_ROWS_INVALID) with `errors: [{row, field, message}]` (row numbers as in the file, the header is row 1) and nothing is written. `mode=replace` (default): the file is the whole catalog; `upsert`: skus not in the file are kept. An existing sku keeps what the file has no column for (a card class's price when there is no column for that class); an empty cell clears an optional field (a class price cell: that class's price; specialPoints: the special rule). Not published: preview and publish as for any draft.",
      roles: MANAGERS,
      query: z.strictObject({ storeId: Id.optional(), format: z.enum(["csv", "xlsx"]).optional(), mode: z.enum(["replace", "upsert"]).default("replace") }),
      bodyKind: "binary",
      bodyTypes: TYPES,
      errors: {
        413: "larger than 32 MB (or settings.import.maxBytes) or more than 100,000 items",
        415: "not a CSV or XLSX content type",
        422: "bad rows (listed; nothing written)",
      },
      response: ImportDone,
    },
    async ({ c, query, principal, actor }) => {
      const scope = scopeOf(query.storeId);
      requireScope(principal, scope);
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      const format = query.format ?? (type === "text/csv" ? "csv" : type.includes("spreadsheetml") ? "xlsx" : undefined);
      if (!format) throw new HubError("INVALID_INPUT", "query.format: say csv or xlsx for an application/octet-stream body");
      const maxBytes = Math.min(CATALOG_IMPORT_MAX_BYTES, d.settings.get().import.maxBytes);
      const declared = c.req.header("content-length");
      if (declared !== undefined && !(Number(declared) <= maxBytes)) throw new HubError("TOO_LARGE", `a catalog file may be at most ${maxBytes} bytes`);
      const started = performance.now();
      const dir = mkdtempSync(join(d.tmpDir, "catalog-"));
      let read: CatalogReadResult;
      const before = draftCatalog(d, scope).items;
      try {
        const path = join(dir, `upload.${format}`);
        if ((await spool(c.req.raw.body, path, maxBytes)) === 0) throw new HubError("INVALID_INPUT", "the file is empty");
        read = await readCatalogFile(path, format, before, draftCardClasses(d, scope));
      } catch (err) {
        if (err instanceof ImportError)
          throw new HubError("INVALID_INPUT", `${err.code}: ${err.message.replace(/\S*upload\.(csv|xlsx)/, "the file")}`, { reason: err.code });
        throw err;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      if (read.rejected > 0) {
        return c.json(
          {
            error: "REFUSED",
            reason: "CATALOG_ROWS_INVALID",
            message: `${read.rejected} of ${read.rows} row(s) are wrong (first: row ${read.errors[0]?.row}: ${read.errors[0]?.message}); nothing was imported`,
            rows: read.rows,
            rejected: read.rejected,
            errors: read.errors,
          },
          422,
        );
      }
      const bySku = new Map(before.map((p) => [p.sku, p]));
      const fromFile = new Map(read.items.map((p) => [p.sku, p]));
      const fileSkus = new Set(fromFile.keys());
      const catalog = query.mode === "replace" ? read.items : [...before.map((p) => fromFile.get(p.sku) ?? p), ...read.items.filter((p) => !bySku.has(p.sku))];
      if (catalog.length > CATALOG_MAX_ITEMS) throw new HubError("TOO_LARGE", `a catalog has at most ${CATALOG_MAX_ITEMS} items`);
      let added = 0;
      let changed = 0;
      for (const p of read.items) {
        const old = bySku.get(p.sku);
        if (!old) added++;
        else if (JSON.stringify(old) !== JSON.stringify(p)) changed++;
      }
      const removed = query.mode === "replace" ? before.filter((p) => !fileSkus.has(p.sku)).length : 0;
      const layer = d.configs.getLayer(scope) ?? {};
      const rules = rulesOf(layer) ?? (scope.kind === "chain" ? { ...d.rules.chain() } : {});
      const body = { ...layer, rules: { ...rules, catalog } };
      checkLayer(d, scope, body);
      const summary = { rows: read.rows, items: catalog.length, added, changed, removed, unchanged: read.items.length - added - changed, mode: query.mode };
      d.db.transaction(() => {
        d.configs.setLayer(scope, body);
        // The audit keeps the counts, not two copies of a 50,000-item list.
        d.audit.recordInTx({
          actor,
          action: "config.catalog-import",
          entity: "config-layer",
          entityId: scope.kind === "chain" ? "chain" : `store:${scope.storeId}`,
          ...(scope.kind === "store" ? { storeId: scope.storeId } : {}),
          before: { items: before.length },
          after: summary,
        });
      });
      d.log.info({ ...summary, scope: scope.kind, actor: actor.id }, "catalog import done");
      return { applied: true, scope: scope.kind, ...summary, seconds: Math.round(performance.now() - started) / 1000 };
    },
  );
}
