// One product's price change (PATCH /bo/config/catalog/items/:sku): written into the draft layer and sent at once to the stores it affects as a signed catalog delta, without a new config bundle.
//
// Only prices, the name and the promotional / paid-members-only flags change here: sku, barcode and
// category stay, so no reference between sections (free-item coupons, scale labels, duplicate
// barcodes) can break and the one product is all there is to check. Each affected store's catalog in
// force (its changelog head, or the bundle in force when it has none yet) gets the product replaced
// and recorded as its next catalog version, in the same transaction as the draft layer and the audit;
// the MQTT link pushes the delta after the commit. A store whose catalog in force lacks the sku (it is
// only in the draft) gets it with the next publish.
import { z } from "zod";
import { ProductSchema, type Product } from "../../protocol/rules/config.js";
import type { ConfigScope } from "../config-service.js";
import { HubError } from "../errors.js";
import { MANAGERS, requireStore } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id } from "./schemas.js";
import { draftCardClasses, draftCatalog } from "./catalog-import.js";

const Fen = z.number().int().min(0).max(100_000_000);
const PricePatch = z
  .strictObject({
    priceFen: Fen.optional(),
    /** null removes the member price. */
    memberPriceFen: Fen.nullable().optional(),
    plusPriceFen: Fen.nullable().optional(),
    /** Per card class; a class set to null loses its price, classes not named keep theirs. */
    classPricesFen: z.record(Id, Fen.nullable()).optional(),
    name: z.string().min(1).max(200).optional(),
    promotional: z.boolean().optional(),
    paidMembersOnly: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "name at least one field to change" });
type PricePatch = z.infer<typeof PricePatch>;

const PriceChanged = z.looseObject({
  sku: z.string(),
  scope: z.enum(["chain", "store"]),
  product: z.looseObject({ sku: z.string(), priceFen: z.number() }),
  stores: z.array(z.object({ storeId: z.string(), catalogVersion: z.number().int() })),
  pending: z.array(z.string()),
});

function patched(p: Product, b: PricePatch): Product {
  const out: Record<string, unknown> = { ...p };
  if (b.priceFen !== undefined) out.priceFen = b.priceFen;
  if (b.name !== undefined) out.name = b.name;
  if (b.promotional !== undefined) out.promotional = b.promotional;
  if (b.paidMembersOnly !== undefined) out.paidMembersOnly = b.paidMembersOnly;
  for (const k of ["memberPriceFen", "plusPriceFen"] as const) {
    const v = b[k];
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  if (b.classPricesFen) {
    const cp: Record<string, number> = { ...p.classPricesFen };
    for (const [c, v] of Object.entries(b.classPricesFen)) {
      if (v === null) delete cp[c];
      else cp[c] = v;
    }
    out.classPricesFen = cp;
  }
  const parsed = ProductSchema.safeParse(out);
  if (!parsed.success)
    throw new HubError("INVALID_INPUT", `product ${p.sku}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

const rulesOf = (layer: Record<string, unknown> | undefined): Record<string, unknown> | undefined =>
  typeof layer?.rules === "object" && layer.rules !== null ? (layer.rules as Record<string, unknown>) : undefined;

/** The stores whose catalog comes from `scope`: the store itself, or every published store without its own catalog override. */
function affectedStores(d: BackofficeDeps, scope: ConfigScope): string[] {
  if (scope.kind === "store") return [scope.storeId];
  return d.configs.stores().filter((s) => !Array.isArray(rulesOf(d.configs.getLayer({ kind: "store", storeId: s }))?.catalog));
}

export function registerCatalogPriceRoute(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "patch",
      path: "/config/catalog/items/:sku",
      tag: "config",
      summary: "Change one product's prices (or name, promotional, paid-members-only) and send it to the kiosks at once as a catalog delta",
      description:
        "Writes the change into the draft catalog of the chain defaults (or with storeId, that store's overrides) and, in the same transaction, records it as the next catalog version of every store that takes its catalog from there; kiosks get a signed delta of this one product (no new config bundle, no rollout). `memberPriceFen`/`plusPriceFen` null removes that price; `classPricesFen` sets the named card classes (null removes one). sku, barcode and category are not changed here (import or edit the draft). A store whose catalog in force lacks the sku is listed in `pending`: it gets the product with its next publish.",
      roles: MANAGERS,
      params: z.strictObject({ sku: Id }),
      query: z.strictObject({ storeId: Id.optional() }),
      body: PricePatch,
      errors: { 404: "no such sku in the draft catalog" },
      response: PriceChanged,
    },
    ({ params, query, body, principal, actor }) => {
      const scope: ConfigScope = query.storeId ? { kind: "store", storeId: query.storeId } : { kind: "chain" };
      if (scope.kind === "chain" && principal.role !== "hq-admin") throw new HubError("FORBIDDEN", "the chain's catalog needs an hq-admin");
      if (scope.kind === "store") requireStore(principal, scope.storeId);
      const draft = draftCatalog(d, scope).items;
      const i = draft.findIndex((p) => p.sku === params.sku);
      if (i < 0) throw new HubError("NOT_FOUND", `no product ${params.sku} in the draft catalog`);
      const classes = new Set(draftCardClasses(d, scope).map((c) => c.id));
      for (const c of Object.keys(body.classPricesFen ?? {}))
        if (!classes.has(c)) throw new HubError("INVALID_INPUT", `classPricesFen.${c}: unknown card class '${c}'`);
      const product = patched(draft[i]!, body);
      const catalog = draft.slice();
      catalog[i] = product;
      const layer = d.configs.getLayer(scope) ?? {};
      const rules = rulesOf(layer) ?? (scope.kind === "chain" ? { ...d.rules.chain() } : {});
      const stores: Array<{ storeId: string; catalogVersion: number }> = [];
      const pending: string[] = [];
      const cat = d.configs.catalogs;
      d.db.transaction(() => {
        d.configs.setLayer(scope, { ...layer, rules: { ...rules, catalog } });
        for (const storeId of affectedStores(d, scope)) {
          // A store with no catalog version yet (published before catalog deltas) starts from the bundle in force.
          if (cat.latestVersion(storeId) === 0) cat.recordInTx(storeId, d.configs.latest(storeId)?.content.rules.catalog ?? [], "bundle in force");
          const live = cat.liveProduct(storeId, params.sku);
          if (!live) {
            pending.push(storeId);
            continue;
          }
          stores.push({ storeId, catalogVersion: cat.changeInTx(storeId, [patched(live, body)], [], `price ${params.sku}`).version });
        }
        d.audit.recordInTx({
          actor,
          action: "config.catalog-price",
          entity: "product",
          entityId: params.sku,
          ...(scope.kind === "store" ? { storeId: scope.storeId } : {}),
          before: draft[i]!,
          after: { product, stores, pending },
        });
      });
      for (const s of stores) cat.announce(s.storeId, s.catalogVersion);
      d.log.info({ sku: params.sku, scope: scope.kind, stores: stores.length, pending: pending.length, actor: actor.id }, "catalog price change sent");
      return { sku: params.sku, scope: scope.kind, product, stores, pending };
    },
  );
}
