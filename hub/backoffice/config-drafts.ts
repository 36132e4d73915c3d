// Config drafts in the back office: chain defaults and store overrides (read, edit, VIP plans, top-up rules) and the preview (diff + what-if) before publish.
import { z } from "zod";
import { TopUpRuleSchema, TopUpSettingsSchema, VipPlanSchema, CardClassSchema } from "../../protocol/rules/config.js";
import { parseRulesConfig } from "../../protocol/rules/config.js";
import { isRulesError } from "../../protocol/rules/errors.js";
import { runWhatIf } from "../../protocol/rules/whatif.js";
import { priceSale } from "../../protocol/sale-pricing.js";
import type { ConfigContent } from "../../protocol/messages.js";
import type { PricedCart } from "../../protocol/rules/pricing-types.js";
import type { ConfigScope } from "../config-service.js";
import { diffConfig } from "../config-diff.js";
import { redactConfigSecrets } from "../config-redact.js";
import { HubError } from "../errors.js";
import { HQ, MANAGERS, requireStore, type Principal } from "../auth/roles.js";
import type { Actor } from "../audit.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id } from "./schemas.js";
import { ChainConfigResponse, PreviewResponse, SavedResponse, StoreConfigResponse } from "./config-responses.js";

const Layer = z.record(z.string().max(64), z.unknown()).refine((v) => JSON.stringify(v).length <= 900_000, "a config layer is at most 900 KB");
const StoreParams = z.strictObject({ store: Id });
const ScopeBody = { scope: z.enum(["chain", "store"]), storeId: Id };

function scopeOf(kind: "chain" | "store", storeId: string): ConfigScope {
  return kind === "chain" ? { kind: "chain" } : { kind: "store", storeId };
}

/** Chain drafts need hq-admin; a store's overrides its store-manager too. */
function requireScope(p: Principal, scope: ConfigScope): void {
  if (scope.kind === "chain" && p.role !== "hq-admin") throw new HubError("FORBIDDEN", "chain defaults need an hq-admin");
  if (scope.kind === "store") requireStore(p, scope.storeId);
}

/**
 * Checks a layer as it would be published: for a store's overrides, that store's bundle; for the
 * chain, the bundle of every store that has a config (or the layer's rules alone when none has).
 */
export function checkLayer(d: BackofficeDeps, scope: ConfigScope, body: Record<string, unknown>): void {
  const stores = scope.kind === "store" ? [scope.storeId] : d.configs.stores();
  if (stores.length === 0) {
    if (body.rules !== undefined) {
      try {
        parseRulesConfig(body.rules);
      } catch (err) {
        if (isRulesError(err)) throw new HubError("INVALID_INPUT", `config: rules.${err.message}`);
        throw err;
      }
    }
    return;
  }
  for (const s of stores) {
    try {
      d.configs.check(s, d.configs.compose(s, { scope, body }));
    } catch (err) {
      if (err instanceof HubError && stores.length > 1) throw new HubError(err.code, `store ${s}: ${err.message}`);
      throw err;
    }
  }
}

/** Saves a layer after checking it, audited as config.draft. */
export function saveLayer(d: BackofficeDeps, scope: ConfigScope, body: Record<string, unknown>, actor: Actor, action = "config.draft"): void {
  checkLayer(d, scope, body);
  const before = d.configs.getLayer(scope) ?? null;
  d.db.transaction(() => {
    d.configs.setLayer(scope, body);
    d.audit.recordInTx({
      actor,
      action,
      entity: "config-layer",
      entityId: scope.kind === "chain" ? "chain" : `store:${scope.storeId}`,
      ...(scope.kind === "store" ? { storeId: scope.storeId } : {}),
      before: redactConfigSecrets(before),
      after: redactConfigSecrets(body),
    });
  });
}

/** Replaces rules sections (vipPlans, topUpRules, ...) in a layer; a chain layer without rules starts from the chain's rules in force. */
function setRulesSections(d: BackofficeDeps, scope: ConfigScope, sections: Record<string, unknown>, actor: Actor, action: string): Record<string, unknown> {
  const layer = d.configs.getLayer(scope) ?? {};
  const rules =
    typeof layer.rules === "object" && layer.rules !== null ? (layer.rules as Record<string, unknown>) : scope.kind === "chain" ? { ...d.rules.chain() } : {};
  saveLayer(d, scope, { ...layer, rules: { ...rules, ...sections } }, actor, action);
  return sections;
}

const CartInput = z.record(z.string(), z.unknown());

interface Priced {
  version: number | null;
  totals: PricedCart["totals"];
  lines: PricedCart["lines"];
}

function priced(version: number | null, cart: PricedCart): Priced {
  return { version, totals: cart.totals, lines: cart.lines };
}

/** The what-if: one cart (WhatIfCart, as scripts/whatif.ts takes) or a recorded sale, priced under both configs. */
function whatIf(
  d: BackofficeDeps,
  inForce: ConfigContent | undefined,
  draft: ConfigContent,
  cart: unknown,
  saleId: string | undefined,
): Record<string, unknown> | null {
  const run = (content: ConfigContent, c: unknown): PricedCart => {
    try {
      const r = runWhatIf(content.rules, c, undefined).receipt;
      if (!r) throw new HubError("INVALID_INPUT", "cart: nothing to price");
      return r;
    } catch (err) {
      if (isRulesError(err)) throw new HubError("INVALID_INPUT", err.message, { reason: err.code });
      throw err;
    }
  };
  if (cart !== undefined) {
    return { kind: "cart", draft: priced(draft.version, run(draft, cart)), inForce: inForce ? priced(inForce.version, run(inForce, cart)) : null };
  }
  if (saleId === undefined) return null;
  const sale = d.db
    .prepare("SELECT s.member_id, s.at, s.total_fen, l.body FROM sales s JOIN ledger l ON l.device_id = s.device_id AND l.seq = s.seq WHERE s.sale_id = ?")
    .get<{ member_id: string | null; at: number; total_fen: number; body: string }>(saleId);
  if (!sale) throw new HubError("NOT_FOUND", `no sale ${saleId}`);
  const lines = ((JSON.parse(sale.body) as { lines?: Array<{ sku: string; qty: number }> }).lines ?? []).map((l) => ({ sku: l.sku, qty: l.qty }));
  const member = sale.member_id ? d.registry.get(sale.member_id) : undefined;
  const at = Number(sale.at);
  const price = (content: ConfigContent): PricedCart => {
    try {
      return member ? priceSale(content, member, lines, at) : run(content, { at, lines });
    } catch (err) {
      if (isRulesError(err)) throw new HubError("REFUSED", `sale ${saleId} cannot be priced: ${err.message}`, { reason: err.code });
      throw err;
    }
  };
  return {
    kind: "sale",
    saleId,
    recordedTotalFen: Number(sale.total_fen),
    draft: priced(draft.version, price(draft)),
    inForce: inForce ? priced(inForce.version, price(inForce)) : null,
  };
}

export function registerConfigDraftRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "get",
      path: "/config/chain",
      tag: "config",
      summary: "The chain defaults layer (secrets redacted) and each store's version in force",
      roles: HQ,
      response: ChainConfigResponse,
    },
    () => ({
      layer: redactConfigSecrets(d.configs.getLayer({ kind: "chain" }) ?? null),
      stores: d.configs.stores().map((s) => ({ storeId: s, version: d.configs.latest(s)?.version ?? null })),
    }),
  );

  r.staff(
    {
      method: "get",
      path: "/config/stores/:store",
      tag: "config",
      summary: "A store's config: the version in force, its overrides, the chain defaults and what it inherits (secrets redacted)",
      roles: MANAGERS,
      params: StoreParams,
      response: StoreConfigResponse,
    },
    ({ params, principal }) => {
      requireStore(principal, params.store);
      const overrides = d.configs.getLayer({ kind: "store", storeId: params.store }) ?? null;
      const chain = d.configs.getLayer({ kind: "chain" }) ?? null;
      const latest = d.configs.latest(params.store);
      const sectionKeys = (l: Record<string, unknown> | null, s: string): string[] => Object.keys((l?.[s] as Record<string, unknown> | undefined) ?? {});
      const inherits: Record<string, string[]> = {};
      for (const s of ["rules", "device"]) inherits[s] = sectionKeys(chain, s).filter((k) => !sectionKeys(overrides, s).includes(k));
      return {
        storeId: params.store,
        inForce: latest ? { version: latest.version, content: redactConfigSecrets(latest.content) } : null,
        overrides: redactConfigSecrets(overrides),
        chain: redactConfigSecrets(chain),
        inherits,
        overridden: { rules: sectionKeys(overrides, "rules"), device: sectionKeys(overrides, "device") },
      };
    },
  );

  r.staff(
    {
      method: "put",
      path: "/config/chain",
      tag: "config",
      summary: "Replace the chain defaults draft (checked against every store's bundle; audited)",
      description: "Unknown keys are refused with their path. Publish each store for its kiosks to get it.",
      roles: HQ,
      body: z.strictObject({ layer: Layer }),
      response: SavedResponse,
    },
    ({ body, actor }) => {
      saveLayer(d, { kind: "chain" }, body.layer, actor);
      return { saved: true, published: false };
    },
  );

  r.staff(
    {
      method: "put",
      path: "/config/stores/:store/overrides",
      tag: "config",
      summary: "Replace a store's overrides draft (its store-manager may; checked as that store's bundle; audited)",
      roles: MANAGERS,
      params: StoreParams,
      body: z.strictObject({ layer: Layer }),
      response: SavedResponse,
    },
    ({ params, body, principal, actor }) => {
      requireStore(principal, params.store);
      saveLayer(d, { kind: "store", storeId: params.store }, body.layer, actor);
      return { saved: true, published: false };
    },
  );

  r.staff(
    {
      method: "put",
      path: "/config/vip-plans",
      tag: "config",
      summary: "Set the VIP plans (and optionally the card classes) of the chain defaults, or of one store's overrides with storeId",
      roles: MANAGERS,
      body: z.strictObject({ storeId: Id.optional(), vipPlans: z.array(VipPlanSchema).max(100), cardClasses: z.array(CardClassSchema).max(100).optional() }),
      response: SavedResponse,
    },
    ({ body, principal, actor }) => {
      const scope: ConfigScope = body.storeId ? { kind: "store", storeId: body.storeId } : { kind: "chain" };
      requireScope(principal, scope);
      const sections: Record<string, unknown> = { vipPlans: body.vipPlans, ...(body.cardClasses ? { cardClasses: body.cardClasses } : {}) };
      return { ...setRulesSections(d, scope, sections, actor, "config.vip-plans"), published: false };
    },
  );

  r.staff(
    {
      method: "put",
      path: "/config/top-up-rules",
      tag: "config",
      summary: "Set the top-up rules (and optionally the top-up settings) of the chain defaults, or of one store's overrides with storeId",
      roles: MANAGERS,
      body: z.strictObject({ storeId: Id.optional(), topUpRules: z.array(TopUpRuleSchema).max(200), topUp: TopUpSettingsSchema.optional() }),
      response: SavedResponse,
    },
    ({ body, principal, actor }) => {
      const scope: ConfigScope = body.storeId ? { kind: "store", storeId: body.storeId } : { kind: "chain" };
      requireScope(principal, scope);
      const sections: Record<string, unknown> = { topUpRules: body.topUpRules, ...(body.topUp ? { topUp: body.topUp } : {}) };
      return { ...setRulesSections(d, scope, sections, actor, "config.top-up-rules"), published: false };
    },
  );

  r.staff(
    {
      method: "post",
      path: "/config/preview",
      tag: "config",
      summary: "Preview a draft for a store: the bundle it would publish, the diff against the version in force, and a what-if",
      description:
        "`layer` replaces the stored draft of `scope` (absent: the stored drafts as they are). `cart` is a what-if cart as scripts/whatif.ts takes it, or `saleId` a recorded sale; both are priced under the draft and under the version in force. Nothing is saved.",
      roles: MANAGERS,
      body: z.strictObject({ ...ScopeBody, layer: Layer.optional(), cart: CartInput.optional(), saleId: Id.optional() }),
      errors: { 404: "no such sale", 422: "the sale cannot be priced under a config" },
      response: PreviewResponse,
    },
    ({ body, principal }) => {
      const scope = scopeOf(body.scope, body.storeId);
      requireScope(principal, scope);
      requireStore(principal, body.storeId);
      const latest = d.configs.latest(body.storeId);
      const composed = d.configs.compose(body.storeId, body.layer ? { scope, body: body.layer } : undefined);
      const draft = d.configs.check(body.storeId, composed, (latest?.version ?? 0) + 1);
      const strip = (c: ConfigContent | undefined): unknown => (c ? redactConfigSecrets({ rules: c.rules, device: c.device }) : {});
      return {
        storeId: body.storeId,
        inForceVersion: latest?.version ?? null,
        draftVersion: draft.version,
        diff: diffConfig(strip(latest?.content), strip(draft)),
        whatIf: whatIf(d, latest?.content, draft, body.cart, body.saleId),
      };
    },
  );
}
