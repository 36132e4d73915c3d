// What-if times: reading the input's instants (epoch ms or ISO, refusing epoch seconds) and printing them in store-local time.
import { RulesError } from "./errors.js";
import { DAY_MS, parseInstant, type EpochMs } from "./time.js";

/** Below this an epoch-ms number is before 1973-03-03: almost surely epoch seconds given by mistake. */
export const EPOCH_SECONDS_BELOW = 100_000_000_000;

/**
 * An instant of the what-if input: epoch ms, 'YYYY-MM-DD' (start of that store-local day) or an ISO
 * timestamp with an offset (time.ts parseInstant), except that a number below 10^11 is refused as epoch
 * seconds. Whatif-local on purpose: parseInstant is shared with code that may take small values.
 */
export function whatIfInstant(value: unknown, utcOffsetMinutes: number, field: string): EpochMs {
  if (typeof value === "number" && Number.isFinite(value) && Math.abs(value) < EPOCH_SECONDS_BELOW)
    throw new RulesError("RULES_INVALID_INPUT", "looks like epoch seconds; give milliseconds (x1000) or an ISO date", field);
  return parseInstant(value, utcOffsetMinutes, field);
}

/** The epoch-ms fields of the what-if inputs (paths inside the cart / history file). */
export const CART_INSTANTS: readonly (readonly string[])[] = [["at"], ["member", "vipExpiresAt"]];
export const HISTORY_INSTANTS: readonly (readonly string[])[] = [
  ["at"],
  ["vip", "cardValidUntil"],
  ["vip", "vip", "expiresAt"],
  ["vip", "vip", "previousValidUntil"],
];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A copy of a raw input file with each instant field at `paths` (when present and a number or a
 * string) read with whatIfInstant and replaced by its epoch ms. Anything else is left for the schema
 * to refuse, so every error still names its field (`prefix.path`).
 */
export function readInstants(raw: unknown, paths: readonly (readonly string[])[], utcOffsetMinutes: number, prefix: string): unknown {
  let out = raw;
  for (const path of paths) {
    const set = (node: unknown, i: number): unknown => {
      if (!isObject(node)) return node;
      const key = path[i] as string;
      const v = node[key];
      if (i < path.length - 1) return key in node ? { ...node, [key]: set(v, i + 1) } : node;
      if (typeof v !== "number" && typeof v !== "string") return node;
      return { ...node, [key]: whatIfInstant(v, utcOffsetMinutes, [prefix, ...path].join(".")) };
    };
    out = set(out, 0);
  }
  return out;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/** 'UTC+08:00', 'UTC-05:30', 'UTC+00:00'. */
export function utcOffsetLabel(utcOffsetMinutes: number): string {
  const a = Math.abs(utcOffsetMinutes);
  return `UTC${utcOffsetMinutes < 0 ? "-" : "+"}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** An instant in store-local time with its offset: '2024-05-01 10:00 (UTC+08:00)' (seconds shown only when not 0). */
export function localTime(at: EpochMs, utcOffsetMinutes: number): string {
  const local = at + utcOffsetMinutes * 60_000;
  const d = new Date(Math.floor(local / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  const msOfDay = local - Math.floor(local / DAY_MS) * DAY_MS;
  const [h, m, s] = [Math.floor(msOfDay / 3_600_000), Math.floor(msOfDay / 60_000) % 60, Math.floor(msOfDay / 1000) % 60];
  return `${d} ${pad(h)}:${pad(m)}${s ? `:${pad(s)}` : ""} (${utcOffsetLabel(utcOffsetMinutes)})`;
}
