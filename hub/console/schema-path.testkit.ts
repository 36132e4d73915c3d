// Test helper: resolves a dotted field path inside a zod schema (objects, records, unions; optional / default / nullable / pipe unwrapped), and lists an object schema's leaf paths; used to check the console's forms name real fields.
import type { z } from "zod";

type Def = {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
};
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema at `path` inside `schema`, or undefined when the path names no field. */
export function schemaAt(schema: z.ZodType, path: readonly string[]): z.ZodType | undefined {
  const d = defOf(schema);
  if (d.innerType) return schemaAt(d.innerType, path);
  if (d.type === "pipe" && d.in) return schemaAt(d.in, path);
  if (path.length === 0) return schema;
  const [head, ...rest] = path as [string, ...string[]];
  if (d.type === "object") return d.shape?.[head] ? schemaAt(d.shape[head], rest) : undefined;
  if (d.type === "record" && d.valueType) return schemaAt(d.valueType, rest);
  if (d.type === "union") for (const o of d.options ?? []) if (schemaAt(o, path)) return schemaAt(o, path);
  return undefined;
}

/** Every leaf field of an object schema as a dotted path (nested objects walked; arrays, records and scalars are leaves). */
export function leafPaths(schema: z.ZodType, prefix = ""): string[] {
  let d = defOf(schema);
  while (d.innerType) d = defOf(d.innerType);
  if (d.type !== "object" || !d.shape) return prefix ? [prefix] : [];
  return Object.entries(d.shape).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}
