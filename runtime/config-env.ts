// Environment overrides for the services' JSON config files, and secrets read from files (never logged).
//
// An override names a setting by its path under a prefix, with `__` between levels and the key in
// SCREAMING_SNAKE_CASE: `HUB__HTTP__PORT=9090`, `HUB__BROKER__PASSWORD_FILE=/run/x`,
// `KIOSK__HUB__URL=mqtts://hq:8883`, `KIOSK__LOG_LEVEL=debug`. The value is converted to the type the
// config schema expects at that path (number, boolean, string, or JSON for objects, arrays and
// records), so `KIOSK__STORE_ID=007` stays the string "007". An unknown path or a value of the wrong
// kind is an error naming the variable; values are never echoed (one of them may be a secret).
import { readFileSync, statSync } from "node:fs";
import { z } from "zod";

export type ConfigEnvErrorCode = "SECRET_FILE_UNREADABLE" | "SECRET_FILE_EMPTY";

export class ConfigEnvError extends Error {
  constructor(
    readonly code: ConfigEnvErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ConfigEnvError";
  }
}

export interface EnvOverrides {
  /** The config with the overrides applied (the input is not modified). */
  config: Record<string, unknown>;
  /** Dotted config path -> the variable that set it, to name the variable in validation errors. */
  sources: Map<string, string>;
  /** One line per bad variable. */
  errors: string[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const normalise = (s: string): string => s.toLowerCase().replace(/_/g, "");

/** Strips defaults, optionals, nullables and pipes down to the schema that describes the value. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodPrefault) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      s = s.in as z.ZodType;
    } else return s;
  }
}

/** Every object shape a schema may take at this level (a union contributes each of its options). */
function shapes(schema: z.ZodType): Array<Record<string, z.ZodType>> {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) return [s.shape as Record<string, z.ZodType>];
  if (s instanceof z.ZodUnion) return (s.options as readonly z.ZodType[]).flatMap((o) => shapes(o));
  return [];
}

/** The schemas a path may lead to, with the config keys spelled as the schema spells them. */
function resolve(schema: z.ZodType, segments: readonly string[]): { keys: string[]; leaves: z.ZodType[] } | undefined {
  let current: z.ZodType[] = [schema];
  const keys: string[] = [];
  for (const seg of segments) {
    const want = normalise(seg);
    let key: string | undefined;
    const next: z.ZodType[] = [];
    for (const c of current) {
      for (const shape of shapes(c)) {
        for (const [k, v] of Object.entries(shape)) {
          if (normalise(k) === want) {
            key = k;
            next.push(v);
          }
        }
      }
    }
    if (!key || next.length === 0) return undefined;
    keys.push(key);
    current = next;
  }
  return { keys, leaves: current };
}

type Coerced = { ok: true; value: unknown } | { ok: false; expected: string };

function coerce(leaf: z.ZodType, raw: string): Coerced {
  const s = unwrap(leaf);
  if (s instanceof z.ZodNumber) {
    const n = Number(raw);
    return raw.trim() !== "" && Number.isFinite(n) ? { ok: true, value: n } : { ok: false, expected: "a number" };
  }
  if (s instanceof z.ZodBoolean) {
    const v = raw.trim().toLowerCase();
    if (["true", "1", "yes", "on"].includes(v)) return { ok: true, value: true };
    if (["false", "0", "no", "off"].includes(v)) return { ok: true, value: false };
    return { ok: false, expected: "true or false" };
  }
  if (s instanceof z.ZodLiteral) {
    const values = [...(s.values as Set<unknown>)];
    if (values.every((v) => typeof v === "number")) return coerce(z.number(), raw);
    if (values.every((v) => typeof v === "boolean")) return coerce(z.boolean(), raw);
    return { ok: true, value: raw };
  }
  if (s instanceof z.ZodUnion) {
    for (const o of s.options as readonly z.ZodType[]) {
      const r = coerce(o, raw);
      if (r.ok && o.safeParse(r.value).success) return r;
    }
    // Objects and the like: let the schema report what is wrong with the parsed JSON.
    return coerceJson(raw);
  }
  if (s instanceof z.ZodString || s instanceof z.ZodEnum) return { ok: true, value: raw };
  return coerceJson(raw);
}

function coerceJson(raw: string): Coerced {
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false, expected: "JSON" };
  }
}

function deepClone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * Applies every `<PREFIX>__...` variable of `env` to `base` (the parsed JSON file), guided by the
 * config schema. Variables are applied in name order, so a parent object set as JSON
 * (`HUB__BROKER={...}`) comes before its children (`HUB__BROKER__URL`).
 */
export function applyEnvOverrides(schema: z.ZodType, base: unknown, env: NodeJS.ProcessEnv, prefix: string): EnvOverrides {
  const config: Obj = isObj(base) ? deepClone(base) : {};
  const sources = new Map<string, string>();
  const errors: string[] = [];
  const lead = `${prefix}__`;
  const names = Object.keys(env)
    .filter((n) => n.startsWith(lead) && n.length > lead.length)
    .sort();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined) continue;
    const segments = name.slice(lead.length).split("__");
    const found = segments.every((s) => s.length > 0) ? resolve(schema, segments) : undefined;
    if (!found) {
      errors.push(`${name}: no such setting`);
      continue;
    }
    let coerced: Coerced = { ok: false, expected: "a value" };
    for (const leaf of found.leaves) {
      coerced = coerce(leaf, raw);
      if (coerced.ok) break;
    }
    if (!coerced.ok) {
      errors.push(`${name}: expected ${coerced.expected}`);
      continue;
    }
    let target: Obj = config;
    for (const key of found.keys.slice(0, -1)) {
      const child = target[key];
      if (!isObj(child)) target[key] = {};
      target = target[key] as Obj;
    }
    target[found.keys[found.keys.length - 1]!] = coerced.value;
    sources.set(found.keys.join("."), name);
  }
  return { config, sources, errors };
}

/** One readable line per schema issue, naming the environment variable when one set the field. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], sources: ReadonlyMap<string, string> = new Map()): string[] {
  return issues.map((i) => {
    const path = i.path.map(String).join(".");
    let from: string | undefined;
    for (const [p, name] of sources) {
      if (path === p || path.startsWith(`${p}.`)) from = name;
    }
    return `${path || "(root)"}${from ? ` (from ${from})` : ""}: ${i.message}`;
  });
}

/**
 * Reads a secret (password, token, token hash) from a file: trimmed, never empty. The error names
 * the file, never its content.
 */
export function readSecretFile(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? "EIO";
    throw new ConfigEnvError("SECRET_FILE_UNREADABLE", `cannot read ${what} from ${path} (${code})`, { cause });
  }
  const value = text.trim();
  if (!value) throw new ConfigEnvError("SECRET_FILE_EMPTY", `${what} file ${path} is empty`);
  return value;
}

/** A warning when a secret file can be read by everyone on the machine (it should be 0600 or 0640). */
export function secretFileWarning(path: string): string | undefined {
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o007) return `${path} is accessible to every user (mode ${mode.toString(8).padStart(4, "0")}); chmod 600 it`;
  } catch {
    // Reading it reports the problem.
  }
  return undefined;
}
