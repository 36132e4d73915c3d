// The console's form cards name real fields: every field path resolves in the schema of its section (the kiosks' own), with zh and en labels; the portrait and consultant cards cover every field of their schemas.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { leafPaths, schemaAt } from "./schema-path.testkit.js";

// Loaded by a computed path: the console's sources are type-checked by their own tsconfig (bundler resolution), not the hub's.
const FIELDS = "./web/src/config/fields.js";
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

  it("the resolver refuses a path the section does not have", () => {
    expect(schemaAt(F.SECTION_SCHEMAS["rules.consultant"]!, ["multipliers", "nope"])).toBeUndefined();
    expect(leafPaths(F.SECTION_SCHEMAS["rules.consultant"]!)).toContain("channelPercent.online");
  });
});
