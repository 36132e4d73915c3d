// The console's form cards name real fields: every field path resolves in the schema of its section (the kiosks' own), with zh and en labels; the portrait and consultant cards cover every field of their schemas; every setting of the rules and the device policy has a field or a table, or is named as edited elsewhere (catalog panel, kiosk staff screen, time zone).
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { leafPaths, schemaAt } from "../../protocol/schema-path.js";
import { RulesConfigSchema } from "../../protocol/rules/config.js";
import { DevicePolicySchema } from "../../protocol/device-policy.js";

// Loaded by a computed path: the console's sources are type-checked by their own tsconfig (bundler resolution), not the hub's.
const FIELDS = "./web/src/config/fields.js";
const LISTS_MODULE = "./web/src/config/lists.js";
interface FieldDef {
  path: string;
  label: readonly [string, string];
}
interface CardDef {
  key: string;
  fields: FieldDef[];
}
const F = (await import(/* @vite-ignore */ FIELDS)) as {
  SECTION_SCHEMAS: Record<string, z.ZodType>;
  POINTS_CARDS: CardDef[];
  OTHER_RULES_CARDS: CardDef[];
  POLICY_CARDS: CardDef[];
  SCALE_CARD: CardDef;
};
// Loaded the same way: the list tables (levels, coupons, plans, multiplier rows...), each with its bundle path.
const L = (await import(/* @vite-ignore */ LISTS_MODULE)) as Record<"RULE_LISTS" | "POLICY_LISTS", { path: string }[]>;
const LISTS = [...L.RULE_LISTS, ...L.POLICY_LISTS];
/** Settings edited elsewhere than the form cards and tables, and why. */
const ELSEWHERE: Record<string, string> = {
  "rules.catalog": "the catalog panel (paged table, CSV/XLSX import)",
  "device.staff": "the kiosk staff screen (#/kiosk-staff): PIN hashes are made by the hub",
  "rules.utcOffsetMinutes": "set once with the store (overrides JSON or hubctl): changing it moves every store-local day",
};
const CARDS = [...F.POINTS_CARDS, ...F.OTHER_RULES_CARDS, ...F.POLICY_CARDS, F.SCALE_CARD];

/** The section a field path belongs to (the longest SECTION_SCHEMAS key it starts with) and the rest of the path. */
function split(path: string): { schema: z.ZodType; rest: string[] } | undefined {
  const key = Object.keys(F.SECTION_SCHEMAS)
    .filter((k) => path.startsWith(`${k}.`))
    .sort((a, b) => b.length - a.length)[0];
  return key ? { schema: F.SECTION_SCHEMAS[key]!, rest: path.slice(key.length + 1).split(".") } : undefined;
}

describe("console form cards", () => {
  it.each(CARDS.flatMap((c) => c.fields.map((f) => [`${c.key}: ${f.path}`, f] as const)))("%s is a field of its section, labelled zh and en", (_n, f) => {
    const s = split(f.path);
    expect(s, `no section schema for ${f.path}`).toBeDefined();
    expect(schemaAt(s!.schema, s!.rest)).toBeDefined();
    expect(f.label[0]).toMatch(/[\u4e00-\u9fff]/);
    expect(f.label[1]).toMatch(/[a-z]/i);
  });

  it.each([
    ["portraits", "rules.portraitThresholds"],
    ["consultant", "rules.consultant"],
  ])("the %s card has a field for every setting of %s", (card, section) => {
    const shown = new Set(CARDS.find((c) => c.key === card)!.fields.map((f) => f.path));
    const missing = leafPaths(F.SECTION_SCHEMAS[section]!).filter((p) => !shown.has(`${section}.${p}`));
    expect(missing).toEqual([]);
  });

  it("every setting of the rules and the device policy has a form field, a table, or is listed as edited elsewhere", () => {
    const fields = new Set(CARDS.flatMap((c) => c.fields.map((f) => f.path)));
    const covered = (p: string): boolean =>
      fields.has(p) || LISTS.some((l) => p === l.path || p.startsWith(`${l.path}.`)) || Object.keys(ELSEWHERE).some((e) => p === e || p.startsWith(`${e}.`));
    const leaves = [...leafPaths(RulesConfigSchema).map((p) => `rules.${p}`), ...leafPaths(DevicePolicySchema).map((p) => `device.${p}`)];
    expect(leaves.length).toBeGreaterThan(100);
    expect(leaves.filter((p) => !covered(p))).toEqual([]);
  });

  it("the resolver refuses a path the section does not have", () => {
    expect(schemaAt(F.SECTION_SCHEMAS["rules.consultant"]!, ["multipliers", "nope"])).toBeUndefined();
    expect(leafPaths(F.SECTION_SCHEMAS["rules.consultant"]!)).toContain("channelPercent.online");
  });
});
