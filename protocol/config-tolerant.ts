// Kiosk-side reading of a signed config bundle: strict first; keys this software does not know are dropped and reported, anything else refuses.
//
// The hub refuses unknown keys at its input boundary (a typo never gets signed). A bundle from a
// newer hub may still carry a key an older kiosk does not know: the kiosk then applies the rest,
// names the ignored keys in its config report (status applied, error "ignored unknown keys: ...")
// and the rollout view shows them. A bundle with any other problem is refused as before.
import type { z } from "zod";
import { ConfigContentSchema, type ConfigContent } from "./messages.js";
import { ProtocolError } from "./errors.js";

export interface TolerantConfig {
  content: ConfigContent;
  /** Dotted paths of keys dropped because this software does not know them. */
  ignoredKeys: string[];
}

type Issue = z.core.$ZodIssue;

const pathOf = (path: readonly PropertyKey[], key: string): string => [...path.map(String), key].join(".");

function dropKey(root: unknown, path: readonly PropertyKey[], key: string): void {
  let at: unknown = root;
  for (const p of path) {
    if (typeof at !== "object" || at === null) return;
    at = (at as Record<PropertyKey, unknown>)[p];
  }
  if (typeof at === "object" && at !== null && !Array.isArray(at)) delete (at as Record<string, unknown>)[key];
}

function describe(issues: readonly Issue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.code === "unrecognized_keys" ? `unknown key(s) ${i.keys.join(", ")}` : i.message}`)
    .join("; ");
}

/** Parses bundle content; unknown keys (only those) are dropped and listed. Throws SCHEMA_INVALID otherwise. */
export function parseConfigContentTolerant(json: unknown): TolerantConfig {
  const first = ConfigContentSchema.safeParse(json);
  if (first.success) return { content: first.data, ignoredKeys: [] };
  const issues = first.error.issues;
  if (!issues.every((i) => i.code === "unrecognized_keys")) throw new ProtocolError("SCHEMA_INVALID", `payload: ${describe(issues)}`);
  const copy = structuredClone(json);
  const ignoredKeys: string[] = [];
  for (const i of issues) {
    if (i.code !== "unrecognized_keys") continue;
    for (const k of i.keys) {
      dropKey(copy, i.path, k);
      ignoredKeys.push(pathOf(i.path, k));
    }
  }
  const second = ConfigContentSchema.safeParse(copy);
  if (!second.success) throw new ProtocolError("SCHEMA_INVALID", `payload: ${describe(second.error.issues)}`);
  return { content: second.data, ignoredKeys: ignoredKeys.sort() };
}
