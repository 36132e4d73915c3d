// Walks zod schemas by dotted field path: the schema at a path (objects, records, unions; optional / default / nullable / pipe unwrapped on the way), a field's default, and an object schema's leaf paths. The console's forms use it for defaults; its tests check the forms name real fields.
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
  // At the end of the path the field's own schema, wrappers kept (its default stays readable).
  if (path.length === 0) return schema;
  const d = defOf(schema);
  if (d.innerType) return schemaAt(d.innerType, path);
  if (d.type === "pipe" && d.in) return schemaAt(d.in, path);
  const [head, ...rest] = path as [string, ...string[]];
  if (d.type === "object") return d.shape?.[head] ? schemaAt(d.shape[head], rest) : undefined;
  if (d.type === "record" && d.valueType) return schemaAt(d.valueType, rest);
  if (d.type === "union") for (const o of d.options ?? []) if (schemaAt(o, path)) return schemaAt(o, path);
  return undefined;
}

/** The value a field takes when it is left out (its schema's default), or undefined when it has none. */
export function fieldDefault(schema: z.ZodType, path: readonly string[]): unknown {
  const field = schemaAt(schema, path);
  const parsed = field?.safeParse(undefined);
  return parsed?.success ? parsed.data : undefined;
}

/** Every leaf field of an object schema as a dotted path (nested objects walked; arrays, records and scalars are leaves). */
export function leafPaths(schema: z.ZodType, prefix = ""): string[] {
  let d = defOf(schema);
  while (d.innerType) d = defOf(d.innerType);
  if (d.type !== "object" || !d.shape) return prefix ? [prefix] : [];
  return Object.entries(d.shape).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}
