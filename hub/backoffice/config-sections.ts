// Field-level edits of a config draft layer for the console's forms: set some fields (merged into the layer) and reset others to what the chain gives, without resending the whole layer (a 50,000-item catalog stays where it is).
import { z } from "zod";
import type { ConfigScope } from "../config-service.js";
import { mergeLayers } from "../config-service.js";
import { HubError } from "../errors.js";
import { MANAGERS, requireStore, type Principal } from "../auth/roles.js";
import type { BackofficeDeps } from "./deps.js";
import type { Routes } from "./route.js";
import { Id } from "./schemas.js";
import { saveLayer } from "./config-drafts.js";

const Section = z.record(z.string().max(64), z.unknown());
const FieldPath = z.string().regex(/^(rules|device)(\.[A-Za-z0-9_-]{1,64}){1,6}$/, "a field path like device.verification.oneInN");
const Body = z.strictObject({
  storeId: Id.optional(),
  set: z.strictObject({ rules: Section.optional(), device: Section.optional() }).default({}),
  reset: z.array(FieldPath).max(200).default([]),
});
const Saved = z.looseObject({ saved: z.literal(true), published: z.literal(false) });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Removes `path` from `layer` (a copy), dropping objects it leaves empty; a store field reset this way is inherited again. */
export function removePath(layer: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined || !(head in layer)) return layer;
  const out = { ...layer };
  if (rest.length === 0) delete out[head];
  else {
    const child = out[head];
    if (!isObject(child)) return layer;
    const next = removePath(child, rest);
    if (Object.keys(next).length === 0) delete out[head];
    else out[head] = next;
  }
  return out;
}

function requireScope(p: Principal, scope: ConfigScope): void {
  if (scope.kind === "chain" && p.role !== "hq-admin") throw new HubError("FORBIDDEN", "chain defaults need an hq-admin");
  if (scope.kind === "store") requireStore(p, scope.storeId);
}

/**
 * The layer after the edit. A chain layer without rules starts from the chain's rules in force
 * (its rules replace the bundle's whole rules section); a store layer only ever holds its overrides.
 */
export function editLayer(
  d: BackofficeDeps,
  scope: ConfigScope,
  set: { rules?: Record<string, unknown>; device?: Record<string, unknown> },
  reset: readonly string[],
) {
  let layer: Record<string, unknown> = { ...(d.configs.getLayer(scope) ?? {}) };
  if (scope.kind === "chain" && set.rules && !isObject(layer.rules)) layer.rules = { ...d.rules.chain() };
  for (const section of ["rules", "device"] as const) {
    const s = set[section];
    if (s) layer[section] = mergeLayers(isObject(layer[section]) ? layer[section] : {}, s);
  }
  for (const path of reset) {
    if (scope.kind === "chain" && path.split(".").length < 3)
      throw new HubError("INVALID_INPUT", `reset: ${path}: the chain defaults have nothing to reset a whole section to`);
    layer = removePath(layer, path.split("."));
  }
  return layer;
}

export function registerConfigSectionRoutes(r: Routes, d: BackofficeDeps): void {
  r.staff(
    {
      method: "put",
      path: "/config/fields",
      tag: "config",
      summary: "Set and reset single fields of the chain defaults draft, or of one store's overrides with storeId (the console's forms)",
      description:
        "`set` is merged into the layer key by key (objects merge, arrays and values replace). `reset` lists field paths (device.verification.oneInN, rules.points.spend) removed from the layer: in a store's overrides the field is inherited from the chain again. The layer is then checked as every draft is: unknown keys and bad values are refused (400) with the field's path in the message (`config: device.verification.oneInN: ...`), and nothing is saved. Audited as config.fields; not published.",
      roles: MANAGERS,
      body: Body,
      response: Saved,
    },
    ({ body, principal, actor }) => {
      const scope: ConfigScope = body.storeId ? { kind: "store", storeId: body.storeId } : { kind: "chain" };
      requireScope(principal, scope);
      const layer = editLayer(d, scope, body.set, body.reset);
      saveLayer(d, scope, layer, actor, "config.fields");
      return { saved: true, published: false };
    },
  );
}
